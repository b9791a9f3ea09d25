"""Placement Forum Part 2, Best Care and Value: review, decision, return on the date set,
and the unmet-needs register. The forum meets on Wednesdays at 9 (25 November, ...)."""
from __future__ import annotations

import csv
import io

import pytest

from tests.pages.conftest import Browser
from tests.pathways.walker import Walk, samples

ANSWERS = samples("placement_forum_2")
ROLES = {"prepare_review": "service_manager", "record_decision": "panel_chair",
         "raise_practice": "panel_chair", "practice_escalated": "service_manager"}



@pytest.fixture
def case(app, as_user, traveller) -> Walk:
    walk = Walk(app, as_user, "placement_forum_2", ROLES, ANSWERS, "service_manager", traveller,
                subject={"child_ref": "C-5201", "name": "Morgan Example"})
    walk.do("prepare_review")
    return walk


def test_a_review_returns_on_the_date_set_then_ends(case):
    assert case.data()["panel_meeting_date"] == "2026-11-25"
    case.at("2026-11-25T08:01:00+00:00")
    case.do("record_decision", "record_decision__return")
    assert case.ready() == ["prepare_review"]
    assert case.task("prepare_review")["assignee"] == "service_manager"
    case.do("prepare_review")
    assert case.data()["panel_meeting_date"] == "2027-02-24"  # first forum on or after the date
    case.at("2027-02-24T08:01:00+00:00")
    instance = case.do("record_decision")
    assert instance["status"] == "completed"
    assert instance["data"]["review_round"] == 2


def test_a_return_needs_its_date(case):
    case.at("2026-11-25T08:01:00+00:00")
    answers = {k: v for k, v in ANSWERS["record_decision__return"].items()
               if k != "review_return_date"}
    response = case.submit("record_decision", answers)
    assert response.status_code == 422 and "review_return_date" in response.json["errors"]


def test_unmet_needs_go_to_the_register_and_export_as_csv(app, case):
    case.at("2026-11-25T08:01:00+00:00")
    case.do("record_decision", "record_decision__return")
    manager = Browser(app)
    manager.sign_in("manager")
    page = manager.get("/registers/unmet-needs").get_data(as_text=True)
    assert "No local therapeutic fostering" in page and "Morgan Example" in page
    exported = manager.get("/registers/unmet-needs.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [r["gap"] for r in rows] == ["Specialist support not available", "No local provision"]
    assert rows[0]["child_ref"] == "C-5201" and rows[0]["review_kind"] == "Residential placement"
    social_worker = Browser(app)
    social_worker.sign_in("social_worker")
    assert social_worker.get("/registers/unmet-needs").status_code == 403


def test_only_service_managers_start_a_review(as_user):
    assert as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "placement_forum_2"}).status_code == 403


@pytest.mark.parametrize(("kind", "needed"), [
    ("residential", {"exit_strategy", "placement_location"}),
    ("parent_and_baby", {"exit_strategy", "placement_location"}),
    ("high_cost", {"placement_location"}),
    ("uasc", {"placement_location"}),
    ("new_childrens_home", set()),
])
def test_a_residential_review_needs_its_exit_strategy_and_where_it_is(app, as_user, traveller,
                                                                       kind, needed):
    """Principles all forums are guided by: "every child/young person placed in residential
    care will need a clear 'exit strategy' at the point of being placed", and placements that
    are not local only where there is no suitable local option or needs or safety require it
    (issue 19, item 7)."""
    walk = Walk(app, as_user, "placement_forum_2", ROLES, ANSWERS, "service_manager", traveller,
                subject={"child_ref": "C-5202", "name": "Alex Example"})
    answers = {k: v for k, v in ANSWERS["prepare_review"].items()
               if k not in ("exit_strategy", "placement_location", "not_local_reason")}
    response = walk.submit("prepare_review", {**answers, "review_kind": kind})
    if needed:
        assert response.status_code == 422
        assert set(response.json["errors"]) == needed
    else:
        assert response.status_code == 200, response.json


def test_a_placement_that_is_not_local_needs_its_reason(app, as_user, traveller):
    walk = Walk(app, as_user, "placement_forum_2", ROLES, ANSWERS, "service_manager", traveller,
                subject={"child_ref": "C-5203", "name": "Sam Example"})
    answers = {k: v for k, v in ANSWERS["prepare_review"].items() if k != "not_local_reason"}
    response = walk.submit("prepare_review", answers)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"not_local_reason"}
    walk.do("prepare_review", placement_location="local")
    assert walk.data()["panel_meeting_date"] == "2026-11-25"


def test_practice_noted_at_the_forum_reaches_the_tm_by_the_next_working_day(case):
    """Governance & Quality Assurance, for all forums: practice noted is brought to the
    attention of the TM and SM (if required) the following day at the latest; escalated to the
    service manager when it is not recorded by then (issue 19, item 7)."""
    case.at("2026-11-25T08:01:00+00:00")  # Wednesday's forum
    case.do("record_decision", practice_to_raise="outstanding",
            practice_notes="An exemplary pathway plan, written with the young person.",
            practice_raise_with_service_manager=False)
    assert case.ready() == ["raise_practice"]
    assert case.task("raise_practice")["due_at"].startswith("2026-11-26T17:00")
    case.at("2026-11-26T17:01:00+00:00")
    assert case.ready() == ["practice_escalated"]
    assert case.task("practice_escalated")["role"] == "service_manager"
    assert case.do("practice_escalated")["status"] == "completed"


MARP = samples("marp")
MARP_ROLES = {"prepare_request": "social_worker", "tm_review": "team_manager",
              "sm_approval": "service_manager", "list_for_panel": "panel_administrator",
              "record_decision": "panel_chair"}


def _joint_funded_review(app, as_user, traveller) -> Walk:
    walk = Walk(app, as_user, "placement_forum_2", ROLES, ANSWERS, "service_manager", traveller,
                subject={"child_ref": "C-5250", "name": "Jamie Example"})
    walk.do("prepare_review", joint_funding=True)
    return walk


def test_a_joint_funded_placement_cannot_continue_without_marps_agreement(
        app, as_user, traveller):
    """MARP, "What is required": presentation at MARP is required before a high-cost placement
    needing multi-agency funding is agreed (issue 19, item 6): Part 2 cannot agree it
    continues until MARP has agreed the joint funding for the child."""
    walk = _joint_funded_review(app, as_user, traveller)
    assert walk.data()["marp_missing"] is True
    walk.at("2026-11-25T08:01:00+00:00")
    refused = walk.submit("record_decision", ANSWERS["record_decision__return"])
    assert refused.status_code == 422
    assert "MARP has not agreed" in refused.json["errors"]["bcv_decision"][0]
    walk.do("record_decision", "record_decision__return", bcv_decision="change_plan",
            decision_notes="Refer the joint funding to MARP; return after its decision.")
    assert walk.ready() == ["prepare_review"]


def test_after_marp_agrees_part_2_may_agree_the_placement_continues(app, as_user, traveller):
    marp = Walk(app, as_user, "marp", MARP_ROLES, MARP, "social_worker", traveller,
                subject={"child_ref": "C-5250", "name": "Jamie Example"})
    for step in ("prepare_request", "tm_review", "sm_approval", "list_for_panel"):
        marp.do(step)
    marp.at("2026-12-08T08:00:00+00:00")
    marp.do("record_decision", "record_decision__approved")
    walk = _joint_funded_review(app, as_user, traveller)
    assert (walk.data()["marp_missing"], walk.data()["marp_agreed_on"]) == (False, "2026-12-08")
    walk.at("2026-12-09T08:01:00+00:00")
    walk.do("record_decision", "record_decision__return")


def test_the_presentation_and_its_paperwork_are_required(app, as_user, traveller):
    """Placement Forum Part 2 (Best Care & Value), "What is required of attendees": the
    reasons for requiring specialist placements, the child's journey, the latest care or
    pathway plan and "robust care plans and concrete recommendations"; "Paperwork required
    from SW": the Approval to Accommodate and Search form and the Approval to place form."""
    walk = Walk(app, as_user, "placement_forum_2", ROLES, ANSWERS, "service_manager", traveller,
                subject={"child_ref": "C-5203", "name": "Sam Example"})
    required = {"childs_journey", "needs", "care_plan_summary", "why_specialist",
                "recommendations", "approval_to_accommodate_search_ref", "approval_to_place_ref"}
    answers = {k: v for k, v in ANSWERS["prepare_review"].items() if k not in required}
    response = walk.submit("prepare_review", answers)
    assert response.status_code == 422
    assert required <= set(response.json["errors"])
