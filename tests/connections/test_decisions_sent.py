"""Issue 20 part 3, decisions sent the same day. CTMP procedure, 1b "Decision of the panel":
"This will be emailed to the Social Worker by CTMP administrator on the day of the panel",
with the conditions and comments the panel made. When the chair records the decision, the
diagram's decisionNotify (record_decision: the child's allocated social worker, the case's
team manager, and the commissioning officer for a commissioned placement) is told by email
through the one channel (a real local SMTP server), never with the child's name; the decision
is a PDF kept on the case; and a case system's receiver (a real local HTTP server) is sent it,
signed.
"""
from __future__ import annotations

import io
import json
import uuid
from email import message_from_string, policy

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.models import Document
from tests.conftest import ROOT
from tests.connections.receiver import receiver, verify  # noqa: F401 - the fixture
from tests.pathways import test_marp
from tests.pathways.test_ctmp import AGENCY_SEARCH, ANSWERS, ROLES
from tests.pathways.walker import Walk
from tests.test_notify_transport import TEMPLATES, notify_api  # noqa: F401 - the fixture
from tests.test_reminders import smtp  # noqa: F401 - the fixture

CHILD = {"child_ref": "C-7301", "name": "Drew Decision"}
SECRET = "a-shared-secret-of-some-length"
DECISION_TEMPLATE = str(uuid.uuid4())


def _mails(sink) -> dict[str, list[str]]:
    by_person: dict[str, list[str]] = {}
    for tos, raw in sink.messages:
        mail = message_from_string(raw, policy=policy.default)
        for to in tos:
            by_person.setdefault(to.split("@")[0], []).append(
                f"Subject: {mail['Subject']}\n{mail.get_content()}")
    return by_person


def _decisions(sink) -> dict[str, list[str]]:
    return {who: [m for m in mails if "Panel decision" in m]
            for who, mails in _mails(sink).items() if any("Panel decision" in m for m in mails)}


def _subscribe(as_user, url: str, events: list[str], personal_data: str = "ids") -> dict:
    made = as_user("administrator").post("/api/v1/webhooks", json={
        "name": "Mosaic", "url": url, "events": events, "secret": SECRET,
        "personal_data": personal_data})
    assert made.status_code == 201, made.json
    return made.json


def _to_panel(app, as_user, traveller, sample: str) -> Walk:
    case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller, subject=CHILD)
    case.do("prepare_cdmf", sample)
    agency_search = ANSWERS[sample]["request_type"] == "commissioned_placement"
    for step in AGENCY_SEARCH if agency_search else ():  # the fostering team's CDMF, seed 1b
        case.do(step)
    case.do("sign_tm")
    case.do("sign_slp" if agency_search else "sign_sl")
    return case


def test_a_commissioned_placements_decision_reaches_the_worker_manager_and_commissioning(
        app, as_user, traveller, smtp, receiver):  # noqa: F811 - the fixtures
    _subscribe(as_user, receiver.url, ["decision.recorded"])
    case = _to_panel(app, as_user, traveller, "prepare_cdmf__commissioned")
    case.at("2026-11-27T08:31:00+00:00")  # panel day, Friday 27 November
    conditions = "Review the placement at 6 weeks; carer to attend training."
    case.do("record_decision", "record_decision__funded", ctmp_decision="approved_with_conditions",
            decision_conditions=conditions)
    assert _decisions(smtp) == {} and receiver.received == [], \
        "the chair's request waited for no mail server and no receiver"

    case.at("2026-11-27T08:32:00+00:00")  # the next scheduler pass, the same morning
    sent = _decisions(smtp)
    assert set(sent) == {"social_worker", "team_manager", "commissioning_officer"}
    [body] = sent["social_worker"]
    assert "Subject: Panel decision: Case Tracking Management Panel" in body
    assert "Approved with conditions" in body
    assert f"https://panelflow.test/cases/{case.id}" in body
    for mails in sent.values():
        for mail in mails:
            assert "Drew Decision" not in mail and "C-7301" not in mail, \
                "no child's name or reference leaves the system by email"

    with app.app_context():
        [document] = db.session.scalars(db.select(Document).where(
            Document.instance_id == case.id, Document.kind == "decision")).all()
        text = "".join(page.extract_text() for page in PdfReader(
            io.BytesIO(document.content)).pages)
    assert "Approved with conditions" in text and "Review the placement at 6 weeks" in text
    assert "Drew Decision" in text  # the PDF stays on the case, inside the council
    listed = case.clients["social_worker"].get(f"/api/v1/process-instances/{case.id}/documents")
    assert document.id in [d["id"] for d in listed.json]

    [request] = receiver.received
    assert verify(SECRET, request)
    [event] = receiver.bodies("decision.recorded")
    assert event["case"] == {"id": case.id, "process_key": "ctmp", "status": "running"}
    assert event["decision"] == {"outcome": "approved_with_conditions"}, \
        "an ids-only subscriber is not sent the conditions' free text"
    assert event["step"]["name"] == "record_decision"
    assert b"Drew Decision" not in request["body"] and b"C-7301" not in request["body"]


def test_a_placement_requests_decision_is_not_sent_to_commissioning(
        app, as_user, traveller, smtp):  # noqa: F811 - the fixture
    """1a: a placement request that is not a commissioned service: the social worker and
    their team manager, not the commissioning officer."""
    case = _to_panel(app, as_user, traveller, "prepare_cdmf")
    case.do("sign_hos")
    case.at("2026-11-27T08:31:00+00:00")
    case.do("record_decision", "record_decision__declined")
    case.at("2026-11-27T08:32:00+00:00")
    assert set(_decisions(smtp)) == {"social_worker", "team_manager"}
    [body] = _decisions(smtp)["social_worker"]
    assert "Declined" in body


def test_with_notify_configured_the_decision_goes_through_notify_with_its_template(
        app, as_user, traveller, notify_api):  # noqa: F811 - the fixture
    """The same channel as new work (GOV.UK Notify when its key is set; its servers are the
    only stub, a local HTTP server checking the key as Notify does)."""
    app.config["NOTIFY_TEMPLATES"] = {**TEMPLATES, "decision": DECISION_TEMPLATE}
    case = _to_panel(app, as_user, traveller, "prepare_cdmf")
    case.do("sign_hos")
    case.at("2026-11-27T08:31:00+00:00")
    case.do("record_decision", "record_decision__deferred")
    case.at("2026-11-27T08:32:00+00:00")
    decisions = [r for r in notify_api.received if r["template_id"] == DECISION_TEMPLATE]
    assert sorted(r["email_address"] for r in decisions) == [
        "social_worker@panelflow.example", "team_manager@panelflow.example"]
    fields = decisions[0]["personalisation"]
    assert (fields["pathway"], fields["outcome"]) == (
        "Case Tracking Management Panel (CTMP) request", "Deferred")
    assert fields["link"] == f"https://panelflow.test/cases/{case.id}"
    everything = json.dumps(notify_api.received)
    assert "Drew Decision" not in everything and "C-7301" not in everything


CTMP_XML = (ROOT / "processes" / "ctmp" / "ctmp.bpmn").read_text()
NOTIFY_PROPERTY = ('name="decisionNotify" value="case_allocated_worker, team_manager, '
                   'commissioning_officer if commissioned"')


@pytest.mark.parametrize(("value", "says"), [
    ("initiator, Team Manager", "must begin with 'initiator'"),
    ("initiator, commissioning_officer if __import__('os')", "decisionNotify condition"),
])
def test_a_process_owner_is_told_of_a_decisionnotify_that_cannot_work(as_user, value, says):
    assert NOTIFY_PROPERTY in CTMP_XML
    xml = CTMP_XML.replace(NOTIFY_PROPERTY, f'name="decisionNotify" value="{value}"')
    checked = as_user("process_owner").post_raw("/api/v1/process-models/validate", xml).json
    assert checked["valid"] is False
    assert any(says in error["message"] for error in checked["errors"]), checked["errors"]
    assert as_user("process_owner").post_raw(
        "/api/v1/process-models/validate", CTMP_XML).json["valid"] is True


def test_every_forums_decision_reaches_the_childs_social_worker_and_team_manager(
        app, as_user, smtp):  # noqa: F811 - the fixture
    """The same rule for every forum whose chair records a decision (MARP here: its diagram's
    decisionNotify names the child's allocated social worker and the team's manager), so a
    decision never waits to be re-keyed into an email."""
    case = test_marp.Case(app, as_user)
    test_marp._to_listing(case)
    case.tick(test_marp.MEETING_DAY)
    case.do("record_decision", "record_decision__approved")
    assert _decisions(smtp) == {}  # sent by the next scheduler pass, not in the request
    case.tick("2026-12-08T08:01:00+00:00")
    sent = _decisions(smtp)
    assert set(sent) == {"social_worker", "team_manager"}
    [body] = sent["social_worker"]
    assert "Multi-Agency Resource Panel" in body and "Approved" in body
    with app.app_context():
        [pdf] = db.session.scalars(db.select(Document).where(
            Document.instance_id == case.id, Document.kind == "decision")).all()
        assert pdf.instance_id == case.id
