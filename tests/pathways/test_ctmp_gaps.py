"""CTMP gaps of issue 19 closed: the decision goes to the child's social worker, MTFC requests
are decided on their papers, and a deferred commissioned placement keeps its agency search.

The clock starts on Monday 23 November 2026. CTMP meets on Friday mornings (27 November,
4 December, ...) and papers are due by 12 noon on the Thursday before.
"""
from __future__ import annotations

from tests.connections.test_decisions_sent import _decisions
from tests.pathways.agenda import listings
from tests.pathways.test_ctmp import AGENCY_SEARCH, ANSWERS, ROLES
from tests.pathways.walker import Walk
from tests.test_allocated_worker import _walk
from tests.test_reminders import smtp  # noqa: F401 - the fixture

# An MTFC request (seed 1a, "Request for Multi-dimensional Treatment Foster Care placements"):
# a placement request in its own right, kept here so the shared samples file is not touched.
MTFC = {
    "request_type": "mtfc",
    "placement_type_required": "Multi-dimensional Treatment Foster Care, 9 months",
    "reasons": "Repeated placement breakdowns; needs a structured, team-supported placement.",
    "weekly_cost": 900,
    "weeks_requested": 39,
    "residential": False,
    "local_placement": True,
    "joint_funded_high_cost": False,
    "panel_information": (
        "Care plan: MTFC then return to mother. Child's view: wants to stay at his school. "
        "School, health and youth offending views attached to the CDMF; mother consents."),
}


def _mtfc(app, as_user, traveller, child_ref: str) -> Walk:
    case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller,
                subject={"child_ref": child_ref, "name": "Morgan Example"})
    case.answers = {**ANSWERS, "prepare_cdmf__mtfc": MTFC}
    return case


# 1. The decision notice ---------------------------------------------------------------------


def test_the_decision_is_sent_to_the_childs_allocated_social_worker_not_the_starter(
        app, as_user, traveller, smtp):  # noqa: F811 - the fixture
    """Seed 1b and 1c, "Decision of the panel": "This will be emailed to the Social Worker by
    CTMP administrator on the day of the panel." The social worker is the child's (the TPS1 "is
    completed by the child's Social Worker"): a request another social worker started for the
    child goes to the child's allocated worker on the day, with their team manager; the
    colleague who only started it is not sent it."""
    case = _walk(app, as_user, traveller, "ctmp", ROLES, ANSWERS, "social_worker",
                 "social_worker_2", "C-7601")
    cdmf = case.task("prepare_cdmf")
    assert cdmf["assignee"] == "social_worker_2"  # the child's social worker writes the CDMF
    done = as_user("social_worker_2").post(f"/api/v1/tasks/{cdmf['id']}/complete",
                                           json={"data": ANSWERS["prepare_cdmf"]})
    assert done.status_code == 200, done.json
    for step in ("sign_tm", "sign_sl", "sign_hos"):
        case.do(step)
    case.at("2026-11-27T08:31:00+00:00")  # panel day, Friday 27 November
    case.do("record_decision", "record_decision__declined")
    case.at("2026-11-27T08:32:00+00:00")  # the next scheduler pass, the same morning
    sent = _decisions(smtp)
    assert set(sent) == {"social_worker_2", "team_manager"}
    [body] = sent["social_worker_2"]
    assert "Declined" in body


# 2. MTFC ------------------------------------------------------------------------------------


def test_an_mtfc_cdmf_must_carry_what_a_presenter_would_have_told_the_panel(
        app, as_user, traveller):
    """Seed, MTFC: "The CDMF must include as much information as possible to enable the panel
    to make a decision as the request isn't presented to the panel by the social worker/team
    manager." Without the information for the panel the CDMF is refused; other requests, which
    are presented, are not asked for it."""
    case = _mtfc(app, as_user, traveller, "C-7602")
    refused = case.submit("prepare_cdmf", {k: v for k, v in MTFC.items()
                                           if k != "panel_information"})
    assert refused.status_code == 422, refused.json
    assert "panel_information" in refused.json["errors"]
    other = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller)
    assert other.do("prepare_cdmf")["status"] == "running"  # a 1a request without it


def test_an_mtfc_request_is_heard_weekly_signed_as_a_placement_and_approved(
        app, as_user, traveller):
    """Seed, MTFC: "The CDMF is completed by the child's Social Worker and submitted to the next
    available Case Tracking Management Panel held every Friday morning", papers by "THURSDAY
    (before the Friday panel) - 12.00". It is a placement request (seed: "Placement Requests
    (including Multi-dimensional Treatment Foster Care placements)"), so 1a's CDMF sign-off
    applies: "signed off by a Team Manager, Service Leader and Head of Social Work Service
    which authorises the placement of a child". Too late for 27 November, it goes on
    4 December (a 1a placement request would wait for 11 December, alternate Fridays)."""
    case = _mtfc(app, as_user, traveller, "C-7603")
    cdmf = case.task("prepare_cdmf")
    assert cdmf["role"] == "social_worker"
    case.at("2026-11-26T12:01:00+00:00")  # just after Thursday's noon cut-off
    case.do("prepare_cdmf", "prepare_cdmf__mtfc")
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-12-04"
    assert case.ready() == ["sign_sl"]
    case.do("sign_sl")
    assert case.ready() == ["sign_hos"]  # the head of social work service authorises it
    case.do("sign_hos")
    case.at("2026-12-04T08:31:00+00:00")
    case.do("record_decision")
    done = case.do("send_decision", decision_sent_on="2026-12-04")
    assert done["status"] == "completed"
    assert "funding_end" not in done["data"]  # an in-house programme: no commissioned funding


def test_a_deferred_mtfc_request_comes_back_with_its_papers_for_the_next_friday(
        app, as_user, traveller):
    """Seed, MTFC: nobody presents it, so a panel that cannot decide on the papers defers it
    and says what is missing; the social worker adds it to the same CDMF and it goes to the
    next Friday's panel ("held every Friday morning")."""
    case = _mtfc(app, as_user, traveller, "C-7604")
    case.do("prepare_cdmf", "prepare_cdmf__mtfc")
    for step in ("sign_tm", "sign_sl", "sign_hos"):
        case.do(step)
    assert case.data()["panel_meeting_date"] == "2026-11-27"
    case.at("2026-11-27T08:31:00+00:00")
    case.do("record_decision", "record_decision__deferred",
            decision_conditions="The papers do not say who the child returns to after MTFC.")
    case.do("send_decision")
    assert case.ready() == ["prepare_cdmf"]
    opened = case.clients["social_worker"].get(
        f"/api/v1/tasks/{case.task('prepare_cdmf')['id']}").json["data"]
    assert opened["panel_information"] == MTFC["panel_information"]  # to add to, not retype
    case.do("prepare_cdmf", "prepare_cdmf__mtfc",
            panel_information=MTFC["panel_information"] + " After MTFC: home to mother.")
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-12-04"  # the next Friday, not alternate


# 3. A deferred commissioned placement -------------------------------------------------------


def _search_steps(case: Walk) -> list[str]:
    """The search steps the case has had, each as often as it had it. Sorted: the steps are
    done at one frozen moment, so their order in the case's task list is not defined
    (PostgreSQL gave them in another order)."""
    return sorted(t["name"] for t in case.instance()["tasks"] if t["name"] in AGENCY_SEARCH)


def test_a_deferred_commissioned_placement_keeps_its_authorised_search(app, as_user, traveller):
    """Seed 1b: the Fostering Team's CDMF, "signed off by the Team Manager, and Service Leader
    (Placement Services) ... authorises the search for an agency placement", done "in
    conjunction with the Commissioning Team"; the TPS1 "is completed by the child's Social
    Worker and submitted to the next available Case Tracking Management Panel". A deferral is
    about the request, not the search: the social worker updates the TPS1 (opened with its
    earlier answers), it is signed again and listed on the next Friday, and the fostering team
    and commissioning are not asked for the search CDMF a second time."""
    case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller,
                subject={"child_ref": "C-7605", "name": "Drew Example"})
    case.do("prepare_cdmf", "prepare_cdmf__commissioned")
    for step in AGENCY_SEARCH:
        case.do(step)
    case.do("sign_tm")
    case.do("sign_slp")
    case.at("2026-11-27T08:31:00+00:00")
    case.do("record_decision", "record_decision__deferred")
    case.do("send_decision")
    assert case.ready() == ["prepare_cdmf"]
    opened = case.clients["social_worker"].get(
        f"/api/v1/tasks/{case.task('prepare_cdmf')['id']}").json["data"]
    assert (opened["request_type"], opened["weekly_cost"]) == ("commissioned_placement", 5000)
    data = case.data()
    assert data["commissioning_agreed"] is True
    assert data["search_requirements"] == ANSWERS["search_cdmf"]["search_requirements"]

    case.do("prepare_cdmf", "prepare_cdmf__commissioned",
            reasons="Complex needs; no in-house carer. Care plan attached as the panel asked.")
    assert case.ready() == ["sign_tm"]  # not the fostering team's search CDMF again
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-12-04"
    on = listings(case, "ctmp", "2026-11-27", "2026-12-04")
    assert on["2026-11-27"]["decision"]["outcome"] == "deferred"
    assert on["2026-12-04"] is not None and on["2026-12-04"]["decision"] is None
    assert case.ready() == ["sign_slp"]  # the Service Leader (Placements) signs the TPS1
    case.do("sign_slp")
    case.at("2026-12-04T08:31:00+00:00")
    case.do("record_decision", "record_decision__funded", funding_start="2026-12-07")
    assert case.do("send_decision")["data"]["funding_end"] == "2027-03-01"
    assert _search_steps(case) == sorted(AGENCY_SEARCH)  # each once, before the first panel


def test_a_commissioned_placement_returned_by_the_team_manager_keeps_its_search_cdmf(
        app, as_user, traveller):
    """Seed 1b: the team manager signs the social worker's TPS1 (the "hard copy signed by the
    Social Worker, Team Manager and Service Leader"); returned, it goes back to the social
    worker to amend, and the fostering team's signed search CDMF stands."""
    case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller,
                subject={"child_ref": "C-7606", "name": "Drew Example"})
    case.do("prepare_cdmf", "prepare_cdmf__commissioned")
    for step in AGENCY_SEARCH:
        case.do(step)
    case.do("sign_tm", "sign_tm__returned")
    case.do("prepare_cdmf", "prepare_cdmf__commissioned")
    assert case.ready() == ["sign_tm"]
    assert _search_steps(case) == sorted(AGENCY_SEARCH)


def test_a_deferred_placement_request_is_signed_again_as_before(app, as_user, traveller):
    """Seed 1a: a placement request (not commissioned) has no search; deferred, the social
    worker's CDMF is signed again by the team manager and listed for the next alternate
    Friday, as before."""
    case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller,
                subject={"child_ref": "C-7607", "name": "Drew Example"})
    case.do("prepare_cdmf")
    for step in ("sign_tm", "sign_sl", "sign_hos"):
        case.do(step)
    case.at("2026-11-27T08:31:00+00:00")
    case.do("record_decision", "record_decision__deferred")
    case.do("send_decision")
    case.do("prepare_cdmf")
    assert case.ready() == ["sign_tm"]
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-12-11"
