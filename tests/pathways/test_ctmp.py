"""Case Tracking Management Panel requests (1a-1c, emergencies, TPS2), walked through the API.

The clock starts on Monday 23 November 2026. CTMP meets on Friday mornings (27 November, ...)
and papers are due by 12 noon on the Thursday before.
"""
from __future__ import annotations

import csv
import io

import pytest

from tests.pages.conftest import Browser
from tests.pathways.walker import Walk, samples

ANSWERS = samples("ctmp")
MARP_ROLES = {"prepare_request": "social_worker", "tm_review": "team_manager",
              "sm_approval": "service_manager", "list_for_panel": "panel_administrator",
              "record_decision": "panel_chair"}
ROLES = {"prepare_cdmf": "social_worker", "commissioning_notified": "commissioning_officer",
         "sign_tm": "team_manager", "sign_sl": "service_leader", "sign_hos": "head_of_service",
         "record_decision": "panel_chair", "send_decision": "panel_administrator",
         "tps2_reminder": "panel_administrator", "tps2_late_warning": "team_manager",
         "tps2_late_escalation": "head_of_service", "search_cdmf": "fostering_team",
         "commissioning_agree": "commissioning_officer", "sign_ftm": "fostering_team_manager",
         "sign_slp": "service_leader_placements"}
# Seed 1b: an agency search's CDMF is the fostering team's, agreed with commissioning and
# signed by the fostering team manager, before the social worker's team manager signs the TPS1.
AGENCY_SEARCH = ("search_cdmf", "commissioning_agree", "sign_ftm")



@pytest.fixture
def walk(app, as_user, traveller):
    def start(cdmf: str = "prepare_cdmf") -> Walk:
        case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller,
                    subject={"child_ref": "C-7101", "name": "Drew Example"})
        case.do("prepare_cdmf", cdmf)
        return case
    return start


def _agenda_item(case: Walk) -> dict:
    meeting_id = case.instance()["listing"]["meeting_id"]
    [item] = case.clients["panel_administrator"].get(f"/api/v1/meetings/{meeting_id}").json[
        "items"]
    return item


def test_a_placement_request_is_discussed_before_the_service_leader_signs(walk):
    case = walk()
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-11-27"
    assert _agenda_item(case)["paperwork"] == "unsigned"  # listed all the same
    case.at("2026-11-27T08:31:00+00:00")
    assert case.ready() == ["record_decision", "sign_sl"]
    case.do("record_decision")
    assert case.ready() == ["sign_sl"]  # the decision waits for the signatures
    case.do("sign_sl")
    assert case.ready() == ["sign_hos"]  # a placement request needs the head of service too
    case.do("sign_hos")
    send = case.task("send_decision")
    assert send["due_at"].startswith("2026-11-27T17:00")  # on the day of the panel
    assert case.do("send_decision")["status"] == "completed"


def test_the_team_manager_returns_the_cdmf(walk):
    case = walk()
    case.do("sign_tm", "sign_tm__returned")
    assert case.ready() == ["prepare_cdmf"]


def test_declined_and_deferred(walk):
    declined, deferred = walk(), walk()
    for case in (declined, deferred):
        for step in ("sign_tm", "sign_sl", "sign_hos"):
            case.do(step)
    declined.at("2026-11-27T08:31:00+00:00")
    declined.do("record_decision", "record_decision__declined")
    assert declined.do("send_decision")["status"] == "completed"
    deferred.at("2026-11-27T08:31:00+00:00")  # the same moment: fresh sign-ins for this case
    deferred.do("record_decision", "record_decision__deferred")
    deferred.do("send_decision")
    assert deferred.ready() == ["prepare_cdmf"]


def test_a_commissioned_placement_is_funded_reminded_and_extended_by_tps2(app, walk):
    case = walk("prepare_cdmf__commissioned")
    for step in AGENCY_SEARCH:
        case.do(step)
    case.do("sign_tm")
    case.do("sign_slp")  # the Service Leader (Placement Services), seed 1b
    assert case.ready() == []  # no head of service for a commissioned placement
    case.at("2026-11-27T08:31:00+00:00")
    response = case.submit("record_decision", ANSWERS["record_decision"])
    assert response.status_code == 422  # an approved commissioned placement needs its funding
    assert {"funding_start", "funding_weeks", "weekly_amount"} <= set(response.json["errors"])
    case.do("record_decision", "record_decision__funded")
    data = case.do("send_decision")["data"]
    assert (data["funding_end"], data["committed_spend"]) == ("2027-02-22", 60000)
    assert data["tps2_reminder_on"] == "2027-01-25"  # 28 days before the funding ends

    manager = Browser(app)
    manager.sign_in("manager")
    [row] = list(csv.DictReader(io.StringIO(
        manager.get("/registers/commissioning-budget.csv").get_data(as_text=True))))
    assert (row["child_ref"], row["committed_spend"], row["ending_soon"]) == \
        ("C-7101", "60000", "No")

    case.at("2027-01-25T09:01:00+00:00")
    assert case.ready() == ["tps2_reminder"]
    case.do("tps2_reminder")
    assert case.ready() == ["prepare_cdmf"]
    assert case.data()["request_type"] == "tps2_extension"
    case.do("prepare_cdmf", "prepare_cdmf__tps2")
    case.do("sign_tm")
    # Seed 1b: "a date will be allocated for the TPS2": the administrator's 5 February, not
    # the next panel (29 January).
    assert case.data()["panel_meeting_date"] == "2027-02-05"
    case.do("sign_sl")
    case.at("2027-02-05T08:31:00+00:00")
    case.do("record_decision", "record_decision__tps2")
    data = case.do("send_decision")["data"]
    assert (data["funding_end"], data["tps2_round"]) == ("2027-04-19", 1)
    case.at("2027-03-22T09:01:00+00:00")
    assert case.do("tps2_reminder", "tps2_reminder__ends")["status"] == "completed"


def test_an_emergency_external_placement_tells_commissioning_and_goes_to_the_next_panel(walk):
    case = walk("prepare_cdmf__emergency")
    assert case.ready() == ["commissioning_notified"]
    case.do("commissioning_notified")
    case.at("2026-11-26T15:00:00+00:00")  # after Thursday's noon deadline
    case.do("sign_tm")
    item = _agenda_item(case)
    assert item["retrospective"] is True
    assert case.data()["panel_meeting_date"] == "2026-11-27"  # the cut-off does not apply


def test_an_emergency_needs_immediate_risk(walk, app, as_user, traveller):
    case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller)
    answers = {k: v for k, v in ANSWERS["prepare_cdmf__emergency"].items() if k != "immediate_risk"}
    response = case.submit("prepare_cdmf", answers)
    assert response.status_code == 422 and "immediate_risk" in response.json["errors"]


def test_each_week_the_new_children_looked_after_are_notified_by_thursday_afternoon(app, as_user,
                                                                                     traveller):
    app.test_cli_runner().invoke(args=["run-due"])  # Monday 23 November: Friday's panel is near
    returns = as_user("manager").get(
        "/api/v1/process-instances?process_model=ctmp_new_cla").json["items"]
    [weekly] = returns
    assert weekly["data"]["panel_meeting_date"] == "2026-11-27"
    officer = as_user("lac_data_officer")
    [task] = [t for t in officer.get("/api/v1/tasks?filter=claimable").json["items"]
              if t["process_model"] == "ctmp_new_cla"]
    assert task["due_at"].startswith("2026-11-26T16:00")  # Thursday afternoon
    done = officer.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {
        "none_this_week": False,
        "new_children": [{"child_ref": "C-8801", "looked_after_from": "2026-11-24"}]}})
    assert done.status_code == 200
    app.test_cli_runner().invoke(args=["run-due"])  # begun once a week, not once a run
    assert len(as_user("manager").get(
        "/api/v1/process-instances?process_model=ctmp_new_cla").json["items"]) == 1


def test_a_placement_request_is_heard_on_alternate_fridays_while_the_panel_sits_weekly(walk):
    """Seed 1a: "The CDMF is submitted to the next available Case Tracking Management Panel
    held on alternate Friday mornings", while TPS1 requests go to the panel "held every
    Friday". Too late for 27 November, a 1a waits for 11 December; a TPS1 goes on 4 December."""
    placement, commissioned = walk(), walk("prepare_cdmf__commissioned")
    placement.at("2026-11-26T15:00:00+00:00")  # after Thursday's noon cut-off
    placement.do("sign_tm")
    commissioned.at("2026-11-26T15:00:00+00:00")  # the same moment: fresh sign-ins
    for step in AGENCY_SEARCH:
        commissioned.do(step)
    commissioned.do("sign_tm")
    assert placement.data()["panel_meeting_date"] == "2026-12-11"
    assert commissioned.data()["panel_meeting_date"] == "2026-12-04"


def test_the_panel_administrator_changes_a_request_types_cadence(walk, as_user):
    """Seed 1a (alternate Fridays): which Fridays hear 1a requests is configuration the panel
    administrator edits through the API; an anchor that is not a panel day is refused."""
    admin = as_user("panel_administrator")
    [ctmp] = [p for p in admin.get("/api/v1/panels").json if p["key"] == "ctmp"]
    assert ctmp["request_cadences"] == [
        {"request_type": "placement_request", "every_weeks": 2, "anchor": "2026-11-27"}]
    assert as_user("social_worker").patch("/api/v1/panels/ctmp", json={
        "request_cadences": []}).status_code == 403
    wrong = admin.patch("/api/v1/panels/ctmp", json={"request_cadences": [
        {"request_type": "placement_request", "every_weeks": 2, "anchor": "2026-12-02"}]})
    assert wrong.status_code == 422
    assert "request_cadences.0.anchor" in wrong.json["errors"]
    changed = admin.patch("/api/v1/panels/ctmp", json={"request_cadences": [
        {"request_type": "placement_request", "every_weeks": 2, "anchor": "2026-12-04"}]})
    assert changed.status_code == 200, changed.json
    assert changed.json["request_cadences"][0]["anchor"] == "2026-12-04"
    case = walk()
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-12-04"  # not 27 November any more


def _refused(case: Walk, sample: str, **changes) -> set[str]:
    answers = {**ANSWERS[sample], **changes}
    response = case.submit("prepare_cdmf", {k: v for k, v in answers.items() if v is not None})
    assert response.status_code == 422, response.json
    return set(response.json["errors"])


def test_an_agency_search_goes_on_only_if_no_in_house_placement_is_available(app, as_user,
                                                                              traveller):
    """Seed 1b: "If an in-house placement is not available - a CDMF is completed ... which
    authorises the search for an agency placement": "in-house not available" must be yes."""
    case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller)
    assert "in_house_unavailable" in _refused(case, "prepare_cdmf__commissioned",
                                              in_house_unavailable=False)


def test_extra_costs_are_agreed_only_on_a_tps2(app, as_user, traveller):
    """Seed 1b: additional costs "must always be presented to the panel and agreed on a
    TPS2": a CDMF or TPS1 that asks for them is refused, a TPS2 takes them."""
    case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller)
    assert "additional_costs" in _refused(case, "prepare_cdmf__commissioned",
                                          additional_costs="Mileage: 40 pounds a week.")
    assert "additional_costs" in _refused(case, "prepare_cdmf",
                                          additional_costs="Mileage: 40 pounds a week.")


def test_residential_care_needs_its_exit_strategy_and_a_distant_placement_its_reason(
        app, as_user, traveller):
    """Issue 19 item 7 (principles): every route to residential care, CTMP's included, needs
    the exit strategy at the point of placement, and a placement that is not local its
    reason."""
    case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller)
    assert "exit_strategy" in _refused(case, "prepare_cdmf", residential=True)
    assert "reason_not_local" in _refused(case, "prepare_cdmf", local_placement=False)
    assert {"residential", "local_placement"} <= _refused(
        case, "prepare_cdmf", residential=None, local_placement=None)


def test_an_emergency_older_than_the_week_before_the_panel_is_not_listed_retrospectively(
        app, as_user, traveller):
    """Seed, Emergency Placements, and the panel's remit: "not in retrospect unless there was
    an emergency placement made during the week before panel". An emergency of 10 November,
    brought after Thursday's cut-off, is not waved onto Friday's panel."""
    case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller,
                subject={"child_ref": "C-7101", "name": "Drew Example"})
    case.do("prepare_cdmf", "prepare_cdmf__emergency", emergency_date="2026-11-10")
    case.at("2026-11-26T15:00:00+00:00")
    case.do("commissioning_notified")
    case.at("2026-11-26T15:00:00+00:00")
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-12-04"
    assert _agenda_item(case)["retrospective"] is False


def test_a_joint_funded_high_cost_placement_goes_back_until_marp_has_agreed_it(
        app, as_user, traveller, walk):
    """Issue 19 item 6: a joint-funded high-cost placement must go to MARP before CTMP agrees
    it. Known from Panelflow's own MARP cases for the same child: until MARP has approved,
    the request goes back to the social worker; once it has, it goes on to be signed."""
    case = walk("prepare_cdmf__joint_funded")
    assert case.ready() == ["prepare_cdmf"]  # back: MARP first
    assert case.data()["needs_marp"] is True
    assert case.instance().get("listing") is None  # not listed for CTMP

    marp = Walk(app, as_user, "marp", MARP_ROLES, samples("marp"), "social_worker", traveller,
                subject={"child_ref": "C-7101", "name": "Drew Example"})
    for step in ("prepare_request", "tm_review", "sm_approval", "list_for_panel"):
        marp.do(step)
    marp.at(marp.data()["panel_meeting_date"] + "T12:00:00+00:00")
    marp.do("record_decision", "record_decision__approved")

    case.at(marp.data()["panel_meeting_date"] + "T12:00:00+00:00")
    case.do("prepare_cdmf", "prepare_cdmf__joint_funded")
    assert case.data()["marp_decision"] == "approved"
    # On to be signed: a commissioned placement's agency search first (seed 1b).
    assert case.ready() == ["search_cdmf"]


def test_a_commissioned_service_end_to_end(app, walk):
    """Seed 1c: "Where an externally provided service, other than a placement is required, a
    CDMF is completed by the Social Worker and signed off by the Team Manager and Service
    Leader", with a TPS1 signed by the Head of Service, heard at the weekly Friday panel; the
    decision is emailed on the day; the funding is tracked and ends."""
    case = walk("prepare_cdmf__service")
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-11-27"  # weekly, not alternate Fridays
    case.do("sign_sl")
    assert case.ready() == ["sign_hos"]
    case.do("sign_hos")
    case.at("2026-11-27T08:31:00+00:00")
    case.do("record_decision", "record_decision__service")
    data = case.do("send_decision")["data"]
    assert (data["funding_end"], data["committed_spend"]) == ("2027-02-22", 3600)
    case.at("2027-01-25T09:01:00+00:00")
    done = case.do("tps2_reminder", "tps2_reminder__ends")
    assert done["status"] == "completed"


def test_a_tps2_allocated_after_the_funding_ends_warns_then_escalates(walk):
    """Seed 1b: the TPS2 is submitted "in advance of an agreed funding period coming to an
    end", on the date the administrator allocates. Allocated on or after the end of the
    funding, the team manager is warned; if it cannot be heard earlier, the head of service
    decides the interim funding; then the request goes on to be signed and heard."""
    case = walk("prepare_cdmf__commissioned")
    for step in AGENCY_SEARCH:
        case.do(step)
    case.do("sign_tm")
    case.do("sign_slp")
    case.at("2026-11-27T08:31:00+00:00")
    case.do("record_decision", "record_decision__funded")
    case.do("send_decision")
    case.at("2027-01-25T09:01:00+00:00")
    case.do("tps2_reminder", "tps2_reminder__late")
    case.do("prepare_cdmf", "prepare_cdmf__tps2")
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2027-02-26"  # after the funding ends, 22 Feb
    assert case.ready() == ["tps2_late_warning"]
    case.do("tps2_late_warning")
    assert case.ready() == ["tps2_late_escalation"]
    escalation = case.task("tps2_late_escalation")
    assert escalation["due_at"].startswith("2027-02-22")
    case.do("tps2_late_escalation")
    assert case.ready() == ["sign_sl"]
    case.do("sign_sl")
    case.at("2027-02-26T08:31:00+00:00")
    assert case.ready() == ["record_decision"]
