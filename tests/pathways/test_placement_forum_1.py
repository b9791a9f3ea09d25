"""Placement Forum Part 1, walked through the API on every route, including the hand-over of
out-of-authority, unregulated and unregistered places to Part 3 and the legal checks.

The clock starts on Monday 23 November 2026; the forum meets on Fridays at 9 (27 November,
4 December, ...), with papers by 12 noon the day before.
"""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import ProcessInstance
from tests.pathways.walker import Walk, samples

ANSWERS = samples("placement_forum_1")
ROLES = {"prepare_request": "social_worker", "provide_information": "social_worker",
         "tm_review": "team_manager", "allocate_slot": "panel_administrator",
         "record_decision": "panel_chair", "director_decision": "director"}



@pytest.fixture
def walk(app, as_user, traveller):
    def start(request: str = "prepare_request", **overrides) -> Walk:
        case = Walk(app, as_user, "placement_forum_1", ROLES, ANSWERS, "social_worker",
                    traveller, subject={"child_ref": "C-5101", "name": "Taylor Example"})
        case.do("prepare_request", request, **overrides)
        return case
    return start


def _to_forum(case: Walk, meeting: str = "2026-11-27") -> None:
    case.do("tm_review")
    assert case.data()["panel_meeting_date"] == meeting
    case.do("allocate_slot", panel_meeting_date=meeting)
    case.at(f"{meeting}T08:01:00+00:00")
    assert case.ready() == ["record_decision"]


def _tracking(case: Walk) -> list[dict]:
    return case.clients["team_manager"].get(
        "/api/v1/process-instances?process_model=placement_forum_3").json["items"]


def test_only_social_workers_start_a_request(as_user):
    for role in ("team_manager", "panel_chair", "director"):
        assert as_user(role).post("/api/v1/process-instances", json={
            "process_model": "placement_forum_1"}).status_code == 403, role


def test_an_in_house_search_is_agreed_and_not_tracked(walk):
    case = walk()
    _to_forum(case)
    instance = case.do("record_decision")
    assert instance["status"] == "completed"
    assert (instance["data"]["to_track"], instance["data"]["legal_flags"]) == (False, [])
    assert _tracking(case) == []


def test_the_team_manager_returns_it(walk):
    case = walk()
    case.do("tm_review", "tm_review__return")
    assert case.ready() == ["prepare_request"]
    assert case.task("prepare_request")["assignee"] == "social_worker"


def test_declined(walk):
    case = walk()
    _to_forum(case)
    assert case.do("record_decision", "record_decision__declined")["status"] == "completed"
    assert case.data()["forum_decision"] == "declined"


def test_deferred_then_relisted_on_the_next_forum_and_agreed(walk):
    case = walk()
    _to_forum(case)
    case.do("record_decision", "record_decision__deferred")
    assert case.task("provide_information")["assignee"] == "social_worker"
    case.do("provide_information")
    assert case.data()["panel_meeting_date"] == "2026-12-04"
    case.do("allocate_slot", panel_meeting_date="2026-12-04")
    case.at("2026-12-04T08:01:00+00:00")
    assert case.do("record_decision")["status"] == "completed"


def test_an_out_of_authority_place_is_handed_to_part_3(walk, app):
    case = walk("prepare_request__ooa_residential")
    _to_forum(case)
    instance = case.do("record_decision")
    assert instance["status"] == "completed" and instance["data"]["to_track"] is True
    [tracked] = _tracking(case)
    assert tracked["subject"]["child_ref"] == "C-5101"
    assert tracked["data"]["begun_by_case"] == case.id
    assert (tracked["data"]["placement_location"], tracked["data"]["registration_status"]) == \
        ("out_of_authority", "registered")
    with app.app_context():  # begun by the service, it stays with the starting team
        begun = db.session.get(ProcessInstance, tracked["id"])
        assert (begun.team, begun.service) == ("Locality Team A", "Locality Services")
        db.session.remove()
    [task] = [t for t in tracked["tasks"] if t["status"] == "ready"]
    assert (task["name"], task["role"]) == ("record_placement", "team_manager")


def test_an_external_or_residential_option_needs_the_principles_answered(walk, app, as_user,
                                                                           traveller):
    case = Walk(app, as_user, "placement_forum_1", ROLES, ANSWERS, "social_worker", traveller)
    answers = {k: v for k, v in ANSWERS["prepare_request__ooa_residential"].items()
               if k not in ("in_house_fostering_considered", "residential_exit_strategy")}
    response = case.submit("prepare_request", answers)
    assert response.status_code == 422
    assert {"in_house_fostering_considered", "residential_exit_strategy"} <= \
        set(response.json["errors"])


def test_a_place_out_of_the_authority_needs_its_reason(walk, app, as_user, traveller):
    """Overview of Decision-Making Forums, principles (third bullet): "Independent fostering,
    and residential placements and placements that are not local, will only be explored where
    there is no suitable, available 'in house' option and/or there are specific
    needs/circumstances that require specialist care and/or a distant location for reasons of
    safety." Part 1 reviews every placement search: one out of the authority says why."""
    case = Walk(app, as_user, "placement_forum_1", ROLES, ANSWERS, "social_worker", traveller)
    answers = {k: v for k, v in ANSWERS["prepare_request__ooa_residential"].items()
               if k != "not_local_reason"}
    response = case.submit("prepare_request", answers)
    assert response.status_code == 422
    assert "not_local_reason" in response.json["errors"]
    local = {**ANSWERS["prepare_request"], "proposed_location": "in_authority"}
    assert case.submit("prepare_request", local).status_code == 200  # local: no reason asked


def test_an_under_16_other_arrangement_needs_the_director_who_refuses(walk):
    case = walk("prepare_request__under_16_unregulated")
    assert "reg 27A" in case.data()["legal_flags"][0]
    _to_forum(case)  # a retrospective emergency goes to the next forum
    case.do("record_decision")
    assert case.ready() == ["director_decision"]
    instance = case.do("director_decision", "director_decision__refused")
    assert instance["status"] == "completed"
    assert _tracking(case) == []


def test_when_the_director_agrees_the_place_is_tracked_in_part_3(walk):
    case = walk("prepare_request__under_16_unregulated")
    _to_forum(case)
    case.do("record_decision")
    case.do("director_decision")
    [tracked] = _tracking(case)
    assert (tracked["data"]["placement_setting"], tracked["data"]["registration_status"]) == \
        ("unregulated_other_arrangement", "unregulated")


def test_unregistered_supported_accommodation_for_a_17_year_old_is_flagged_and_tracked(walk):
    case = walk("prepare_request__supported_unregistered")
    assert "reg 27C" in case.data()["legal_flags"][0]
    _to_forum(case)
    case.do("record_decision")
    [tracked] = _tracking(case)
    assert (tracked["data"]["placement_setting"], tracked["data"]["registration_status"]) == \
        ("supported_accommodation", "unregistered")  # so Part 3 reports it to Ofsted
    part_3 = case.follow(tracked["id"], {"record_placement": "team_manager",
                                         "notify_ofsted": "panel_administrator"},
                         {"record_placement": {  # and the paperwork Part 1 did not have
                             "provider": "Example Housing Ltd",
                             "unregistered_ddr_ref": "DDR-3001"}},
                         "team_manager")
    handed = part_3.data()
    part_3.do("record_placement", **{k: handed[k] for k in (  # as handed over, checked
        "placement_location", "registration_status", "placement_setting", "child_age",
        "placement_start_date", "placement_weekly_cost", "unregulated_notification_ref")})
    assert part_3.ready() == ["notify_ofsted"]  # unregistered: reported to Ofsted


def test_homeless_16_17_is_heard_within_10_days_and_not_after(walk):
    in_time = walk("prepare_request__homeless")  # presented 18 November: 5 days ago
    assert in_time.ready() == ["tm_review"]
    in_time.do("tm_review")
    assert in_time.data()["panel_meeting_date"] == "2026-11-27"
    too_late = walk("prepare_request__homeless", homeless_presented_on="2026-11-10")
    instance = too_late.instance()
    assert instance["status"] == "completed"
    assert instance["data"]["homeless_too_late"] is True


def test_the_resubmitted_request_is_reviewed_afresh(walk):
    case = walk()
    case.do("tm_review", "tm_review__return")
    manager = case.clients["team_manager"]
    worker = case.clients["social_worker"]
    returned = worker.get(f"/api/v1/tasks/{case.task('prepare_request')['id']}").json["data"]
    assert returned["needs_summary"] == ANSWERS["prepare_request"]["needs_summary"]
    case.do("prepare_request")
    review = manager.get(f"/api/v1/tasks/{case.task('tm_review')['id']}").json
    assert "tm_outcome" not in review["data"] and "tm_comments" not in review["data"]
    instance = case.do("tm_review")  # endorsed, with no comment this time
    assert "tm_comments" not in instance["data"]


def test_a_retrospective_emergency_goes_to_the_next_forum_after_the_cut_off(walk):
    """Seed, Placement Forum Part 1, Purpose: "Retrospective emergency placements decisions
    (next available Oversight/Tracking Meeting)". After Thursday's noon cut-off an ordinary
    request waits for the forum a week later; the retrospective emergency is heard the next
    morning."""
    ordinary, emergency = walk(), walk(
        request_kind="retrospective_emergency", emergency_placement_date="2026-11-25",
        approval_to_place_ref="ATP-4102")
    for case in (ordinary, emergency):  # past the cut-off for Friday 27 November
        case.at("2026-11-26T13:00:00+00:00")
    ordinary.do("tm_review")
    emergency.do("tm_review")
    assert ordinary.data()["panel_meeting_date"] == "2026-12-04"
    assert emergency.data()["panel_meeting_date"] == "2026-11-27"
