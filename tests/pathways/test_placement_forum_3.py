"""Placement Forum Part 3: weekly tracking for as long as the place is unregulated,
unregistered or out of authority. The forum meets on Fridays at 12:30; updates are due the
week before (5 working days), so from Monday 23 November the first meeting open is 4 December.
Christmas Day's meeting moves to Tuesday 29 December."""
from __future__ import annotations

import csv
import io

import pytest

from tests.pages.conftest import Browser
from tests.pathways.walker import Walk, samples

ANSWERS = samples("placement_forum_3")
ROLES = {"record_placement": "team_manager", "notify_ofsted": "panel_administrator",
         "sw_update": "social_worker", "update_tracker": "panel_administrator",
         "record_tracking": "panel_chair", "exec_decision": "executive_director"}



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
    for week, meeting in enumerate(["2026-12-04", "2026-12-11", "2026-12-18"], start=1):
        assert _week(case, meeting)["data"]["tracking_week"] == week
        assert case.ready() == ["exec_decision"]  # recorded for every unregistered place
        case.do("exec_decision")
    instance = _week(case, "2026-12-29", "record_tracking__ended")
    assert case.ready() == ["exec_decision"]
    instance = case.do("exec_decision")
    assert instance["status"] == "completed"
    assert instance["data"]["tracking_week"] == 4


def test_an_out_of_authority_place_needs_no_ofsted_report_or_executive_decision(case):
    case.do("record_placement", tracking_reason="out_of_authority", child_age=12)
    assert case.ready() == ["sw_update"]
    _week(case, "2026-12-04")
    assert case.ready() == ["sw_update"]  # next week's cycle
    instance = _week(case, "2026-12-11", "record_tracking__ended")
    assert instance["status"] == "completed"


def test_an_under_16_other_arrangement_is_flagged(case):
    case.do("record_placement", tracking_reason="unregulated_other_arrangement", child_age=14)
    assert "reg 27A" in case.data()["legal_flags"][0]


def test_the_update_asks_for_the_order_when_one_is_made(case):
    case.do("record_placement", tracking_reason="out_of_authority")
    answers = {k: v for k, v in ANSWERS["sw_update"].items() if k != "dol_order_date"}
    response = case.submit("sw_update", answers)
    assert response.status_code == 422 and "dol_order_date" in response.json["errors"]


def test_only_team_managers_start_tracking_by_hand(as_user):
    assert as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "placement_forum_3"}).status_code == 403


def test_the_tracker_log_is_a_live_view_with_a_csv_export(app, case):
    case.do("record_placement", tracking_reason="out_of_authority", child_age=12)
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
