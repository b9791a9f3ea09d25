"""Placement Forum Part 3: weekly tracking for as long as the place is unregulated,
unregistered or out of authority. The forum meets on Fridays at 12:30; updates are due the
week before (5 working days), so from Monday 23 November the first meeting open is 4 December.
Christmas Day's meeting moves to Tuesday 29 December."""
from __future__ import annotations

import csv
import io

import pytest

from tests.pages.conftest import Browser
from tests.pathways.agenda import listings
from tests.pathways.walker import Walk, samples

ANSWERS = samples("placement_forum_3")
ROLES = {"record_placement": "team_manager", "notify_ofsted": "panel_administrator",
         "sw_update": "social_worker", "update_tracker": "panel_administrator",
         "record_tracking": "panel_chair", "exec_decision": "executive_director",
         "raise_practice": "panel_chair", "practice_escalated": "service_manager"}
OUT_OF_AUTHORITY = {"placement_location": "out_of_authority", "registration_status": "registered",
                    "placement_setting": "childrens_home", "child_age": 12}



@pytest.fixture
def case(app, as_user, traveller) -> Walk:
    return Walk(app, as_user, "placement_forum_3", ROLES, ANSWERS, "team_manager", traveller,
                subject={"child_ref": "C-5301", "name": "Casey Example"})


def _week(case: Walk, meeting: str, status: str = "record_tracking") -> dict:
    assert case.data()["tracking_meeting_date"] == meeting
    case.do("sw_update")
    case.do("update_tracker")
    case.at(f"{meeting}T12:01:00+00:00")
    return case.do("record_tracking", status)


def test_an_unregistered_place_is_reported_to_ofsted_then_tracked_weekly_until_it_ends(case):
    case.do("record_placement")
    assert "reg 27A" not in " ".join(case.data()["legal_flags"])  # unregistered, not 27A
    assert case.ready() == ["notify_ofsted"]
    case.do("notify_ofsted")
    update = case.task("sw_update")
    assert update["due_at"].startswith("2026-11-27T17:00")  # the week before 4 December
    assert "the week before the meeting" in update["due_rule"]
    for meeting in ["2026-12-04", "2026-12-11", "2026-12-18"]:
        _week(case, meeting)
        # recorded for every unregistered place; next week is already asked for
        assert case.ready() == ["exec_decision", "sw_update"]
        case.do("exec_decision")
    _week(case, "2026-12-29", "record_tracking__ended")
    assert case.ready() == ["exec_decision", "sw_update"]
    instance = case.do("exec_decision")
    assert instance["status"] == "completed"
    assert case.ready() == []  # the next week's update is withdrawn with the tracking


def test_an_out_of_authority_place_needs_no_ofsted_report_or_executive_decision(case):
    case.do("record_placement", **OUT_OF_AUTHORITY)
    assert case.ready() == ["sw_update"]
    _week(case, "2026-12-04")
    assert case.ready() == ["sw_update"]  # next week's cycle
    instance = _week(case, "2026-12-11", "record_tracking__ended")
    assert instance["status"] == "completed"


def test_an_under_16_other_arrangement_is_flagged(case):
    case.do("record_placement", registration_status="unregulated",
            placement_setting="unregulated_other_arrangement", child_age=14)
    assert "reg 27A" in case.data()["legal_flags"][0]


def test_the_update_asks_for_the_order_when_one_is_made(case):
    case.do("record_placement", **OUT_OF_AUTHORITY)
    answers = {k: v for k, v in ANSWERS["sw_update"].items() if k != "dol_order_date"}
    response = case.submit("sw_update", answers)
    assert response.status_code == 422 and "dol_order_date" in response.json["errors"]


def _reported_and_decided_weekly(case: Walk) -> None:
    assert case.ready() == ["notify_ofsted"]
    case.do("notify_ofsted")
    for meeting in ["2026-12-04", "2026-12-11"]:
        _week(case, meeting)
        assert case.ready() == ["exec_decision", "sw_update"]
        case.do("exec_decision")


def test_an_out_of_authority_place_that_is_also_unregistered_is_reported_and_decided(case):
    """Seed, Placement Forum Part 3, Purpose: "All unregistered placements are reported to
    Ofsted", and What is required: the Executive Director's decision "for all unregistered
    places to live", wherever the place is."""
    case.do("record_placement", placement_location="out_of_authority",
            registration_status="unregistered")
    assert case.data()["unregistered_place"] is True
    _reported_and_decided_weekly(case)


def test_unregistered_supported_accommodation_is_reported_and_decided(case):
    """Seed, Placement Forum Part 3, Purpose: every unregistered place is reported to Ofsted;
    supported accommodation for 16-17-year-olds must be registered (reg 27C), so one that is
    not is unregistered, even when recorded as merely unregulated."""
    case.do("record_placement", placement_setting="supported_accommodation",
            registration_status="unregulated", child_age=17)
    assert "reg 27C" in case.data()["legal_flags"][0]
    _reported_and_decided_weekly(case)


def test_the_notification_form_and_the_ddr_form_are_on_the_record_for_the_meeting(case):
    """Seed, Placement Forum Part 3, Paperwork needed: "Bring the Unregulated Notification
    Form / unregistered place to live DDR form" (the unregulated notification form; the
    unregistered DDR form). An unregulated place names its notification form, an unregistered
    one (unregistered supported accommodation too) also its DDR form; a registered place out of
    authority needs neither."""
    refs = ("unregulated_notification_ref", "unregistered_ddr_ref")
    bare = {k: v for k, v in ANSWERS["record_placement"].items() if k not in refs}
    refused = case.submit("record_placement", bare)  # unregistered
    assert refused.status_code == 422 and set(refs) <= set(refused.json["errors"])
    refused = case.submit("record_placement", {**bare, "registration_status": "unregulated",
                                               "placement_setting": "supported_lodgings"})
    assert refused.status_code == 422
    assert set(refused.json["errors"]) & set(refs) == {"unregulated_notification_ref"}
    refused = case.submit("record_placement", {
        **bare, "registration_status": "unregulated", "child_age": 17,
        "placement_setting": "supported_accommodation", "unregulated_notification_ref": "UN-1"})
    assert refused.status_code == 422 and "unregistered_ddr_ref" in refused.json["errors"]
    registered = case.submit("record_placement", {**bare, **OUT_OF_AUTHORITY})
    assert registered.status_code == 200  # registered, out of authority: neither form
    assert case.ready() == ["sw_update"]


def test_a_registered_place_within_the_authority_is_not_tracked(case):
    instance = case.do("record_placement", placement_location="in_authority",
                       registration_status="registered", placement_setting="childrens_home")
    assert instance["status"] == "completed" and case.ready() == []


def test_the_update_covers_the_childs_safety_and_permanency_planning(case):
    """Seed, Placement Forum Part 3, Purpose: tracking ensures the child "is safe" and
    "Permanency planning is in place"."""
    case.do("record_placement", **OUT_OF_AUTHORITY)
    fields = ("child_safe", "safety_evidence", "permanency_plan", "permanency_plan_in_place")
    answers = {k: v for k, v in ANSWERS["sw_update"].items() if k not in fields}
    response = case.submit("sw_update", answers)
    assert response.status_code == 422 and set(fields) <= set(response.json["errors"])
    case.do("sw_update")
    assert case.data()["permanency_plan"].startswith("Long-term fostering")


def test_next_week_is_listed_however_late_the_record_and_decision_are_made(case):
    """Seed, Placement Forum Part 3, When you need to attend: "a weekly update for each child
    ... for as long as the place to live remains unregulated or unregistered". The chair
    records on Monday 7 December and the Executive Director decides on Tuesday 8 December,
    after 11 December's cut-off: the child is still on 11 December's agenda."""
    case.do("record_placement")
    case.do("notify_ofsted")
    assert case.data()["tracking_meeting_date"] == "2026-12-04"
    case.do("sw_update")
    case.do("update_tracker")
    case.at("2026-12-04T12:01:00+00:00")
    assert case.ready() == ["record_tracking", "sw_update"]  # listed as the meeting is held
    assert case.instance()["listing"]["starts_at"].startswith("2026-12-11")
    assert case.data()["tracking_meeting_date"] == "2026-12-11"  # the tracker log's next one
    case.at("2026-12-07T09:30:00+00:00")
    case.do("record_tracking")
    case.at("2026-12-08T15:00:00+00:00")
    case.do("exec_decision")
    agendas = listings(case, "placement_forum_3", "2026-12-01", "2026-12-20")
    assert agendas["2026-12-04"]["decision"]["outcome"] == "continue"  # this week's record
    assert agendas["2026-12-11"] is not None and agendas["2026-12-11"]["decision"] is None
    assert agendas["2026-12-18"] is None
    assert case.data()["tracking_meeting_date"] == "2026-12-11"
    assert case.task("sw_update")["due_at"].startswith("2026-12-04T17:00")
    _week(case, "2026-12-11")  # the late update is still heard that week


def test_only_team_managers_start_tracking_by_hand(as_user):
    assert as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "placement_forum_3"}).status_code == 403


def test_the_tracker_log_is_a_live_view_with_a_csv_export(app, case):
    case.do("record_placement", **OUT_OF_AUTHORITY)
    _week(case, "2026-12-04")
    chair = Browser(app)
    chair.sign_in("panel_chair")
    page = chair.get("/registers/placement-tracking").get_data(as_text=True)
    assert "Casey Example" in page and "Out of authority" in page and "Interim care order" in page
    [row] = list(csv.DictReader(io.StringIO(
        chair.get("/registers/placement-tracking.csv").get_data(as_text=True))))
    assert (row["child_ref"], row["provider"], row["tracking_week"]) == \
        ("C-5301", "Example Care Ltd", "2")  # week 2 is being prepared
    _week(case, "2026-12-11", "record_tracking__ended")
    assert "Casey Example" not in chair.get("/registers/placement-tracking").get_data(
        as_text=True)


PRACTICE = {"practice_to_raise": "needs_improvement", "practice_raise_with_service_manager": True,
            "practice_notes": "No risk assessment since the child moved; the team must act."}



def _noted(case: Walk, **practice) -> None:
    case.do("record_placement", **OUT_OF_AUTHORITY)
    case.do("sw_update")
    case.do("update_tracker")
    case.at("2026-12-04T12:01:00+00:00")
    case.do("record_tracking", **practice)


def test_practice_noted_at_part_3_is_raised_by_the_next_working_day(case):
    """Governance & Quality Assurance, for all forums: "Outstanding practice and that requires
    significant improvement will be brought to the attention of the TM and SM (if required)
    the following day at the latest" (issue 19, item 7). Part 3 had no way to note it."""
    case.do("record_placement", **OUT_OF_AUTHORITY)
    case.do("sw_update")
    case.do("update_tracker")
    case.at("2026-12-04T12:01:00+00:00")
    # Practice noted must be described, and say whether the service manager hears of it too.
    missing = case.submit("record_tracking", {**ANSWERS["record_tracking"],
                                              "practice_to_raise": "outstanding"})
    assert missing.status_code == 422
    assert {"practice_notes", "practice_raise_with_service_manager"} <= set(missing.json["errors"])
    case.do("record_tracking", **PRACTICE)
    assert sorted(case.ready()) == ["raise_practice", "sw_update"]
    task = case.task("raise_practice")
    assert task["role"] == "panel_chair"
    assert task["due_at"].startswith("2026-12-07T17:00")  # Friday's meeting: Monday
    case.do("raise_practice")
    assert case.ready() == ["sw_update"]


def test_practice_not_raised_at_part_3_goes_to_the_service_manager(case):
    """Governance & Quality Assurance: not raised by the end of the next working day, the
    service manager is asked to make sure the team manager hears of it."""
    _noted(case, **PRACTICE)
    case.at("2026-12-07T17:01:00+00:00")
    assert "practice_escalated" in case.ready() and "raise_practice" not in case.ready()
    assert case.task("practice_escalated")["role"] == "service_manager"
    case.do("practice_escalated")
    assert case.ready() == ["sw_update"]


def test_no_practice_at_part_3_adds_no_step(case):
    """Governance & Quality Assurance: with no practice noted there is nothing to raise."""
    _noted(case)
    assert case.ready() == ["sw_update"]
