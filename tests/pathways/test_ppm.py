"""Permanency Planning and Monitoring tracking, walked through the API on every route.

The clock starts on Monday 23 November 2026; the PPM panel meets fortnightly on Thursdays
from 3 December 2026 (17 and 31 December, 14 January, ... 25 February, 11 March).
"""
from __future__ import annotations

import pytest

from tests.pathways.walker import Walk, samples

ANSWERS = samples("ppm")
ROLES = {
    "record_review": "panel_administrator", "invite": "panel_administrator",
    "distribute_notes": "panel_administrator", "complete_tracker": "social_worker",
    "record_outcome": "panel_chair", "raise_practice": "panel_chair",
    "practice_escalated": "service_manager",
}



@pytest.fixture
def case(app, as_user, traveller) -> Walk:
    walk = Walk(app, as_user, "ppm", ROLES, ANSWERS, "panel_administrator", traveller,
                subject={"child_ref": "C-4001", "name": "Alex Example"})
    walk.do("record_review")
    return walk


def _to_first_outcome(case: Walk) -> None:
    case.do("invite")
    case.do("complete_tracker")
    case.at("2026-12-03T13:01:00+00:00")


def test_only_the_panel_administrator_starts_tracking(as_user):
    """Overview of Decision-Making Forums, PPM, "Main administrator": business support books the
    tracking; practitioners are invited."""
    for role in ("social_worker", "team_manager", "panel_chair"):
        response = as_user(role).post("/api/v1/process-instances", json={"process_model": "ppm"})
        assert response.status_code == 403, role


def test_invitation_is_due_within_two_weeks_of_the_second_review(case):
    """Overview of Decision-Making Forums, PPM, "Bookings/attendance": "SW & TM will be invited to
    attend Permanence Tracking Meeting within two weeks of the second CLA Review meeting";
    "Frequency & when held": fortnightly on Thursday afternoons; "Paperwork required": the pro-forma
    before the meeting."""
    invite = case.task("invite")
    assert invite["due_at"].startswith("2026-12-03T17:00")  # 19 November + 14 days
    assert "within two weeks of the second looked-after review" in invite["due_rule"]
    assert case.data()["tracking_meeting_date"] == "2026-12-03"  # the next Thursday meeting
    case.do("invite")
    tracker = case.task("complete_tracker")
    assert tracker["role"] == "social_worker"
    assert tracker["due_at"].startswith("2026-12-01T17:00")  # 2 working days before


def test_endorsed_plan_returns_on_the_tracking_date_until_permanence_is_achieved(case):
    """Overview of Decision-Making Forums, PPM, "Bookings/attendance": "Attendees may be asked to
    return at an agreed date for review. The outcome of this meeting will determine the next
    invitation / tracking date(s) - until permanence is achieved"."""
    _to_first_outcome(case)
    assert case.ready() == ["record_outcome"]
    case.do("record_outcome", "record_outcome__endorsed")
    instance = case.do("distribute_notes")
    assert instance["status"] == "waiting"
    # The forum said 4 March; the first meeting on or after it is 11 March. The invitation
    # opens 15 working days before that, on 18 February, and is due 10 before, on 25 February.
    assert instance["data"]["tracking_meeting_date"] == "2027-03-11"
    assert case.instance()["listing"]["starts_at"].startswith("2027-03-11T14:00")  # GMT
    assert instance["data"]["invite_opens_on"] == "2027-02-18"
    case.at("2027-02-18T08:59:00+00:00")
    assert case.ready() == []
    case.at("2027-02-18T09:01:00+00:00")
    assert case.ready() == ["invite"]
    assert case.task("invite")["due_at"].startswith("2027-02-25T17:00")
    case.do("invite", "invite__return")
    case.do("complete_tracker")
    case.at("2027-03-11T14:01:00+00:00")
    case.do("record_outcome", "record_outcome__achieved")
    # The chair flagged practice: it is raised by the next working day (seed L45) beside the notes.
    case.do("raise_practice", practice_raised_on="2027-03-12")
    # Its date is on that step only, not asked again when the tracker is updated.
    instance = case.do("distribute_notes")
    assert instance["status"] == "completed"
    assert instance["data"]["tracking_round"] == 2


def test_more_information_must_be_answered_on_the_return(case):
    """Overview of Decision-Making Forums, PPM, "Bookings/attendance": asked to return at an agreed
    date: what the forum asked for is answered on the return."""
    _to_first_outcome(case)
    case.do("record_outcome", "record_outcome__more_information")
    instance = case.do("distribute_notes")
    assert instance["data"]["invite_opens_on"] == "2026-12-21"  # 15 working days before 14 Jan
    case.at("2026-12-21T09:01:00+00:00")
    case.do("invite", tracking_meeting_date="2027-01-14", invitation_sent_on="2026-12-21")
    response = case.submit("complete_tracker", ANSWERS["complete_tracker"])
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["response_to_information_requested"]
    case.do("complete_tracker", response_to_information_requested="In-house carers A and B; "
            "a match could be made by April 2027.")
    case.at("2027-01-14T13:01:00+00:00")
    assert case.ready() == ["record_outcome"]


def test_the_pro_forma_asks_for_transition_to_independence_at_15_or_over(case):
    """Overview of Decision-Making Forums, PPM, "Purpose": "all proposed permanence plans for
    current CLA, including rehabilitation home and Transition to Independence"."""
    case.do("invite")
    response = case.submit("complete_tracker", {**ANSWERS["complete_tracker"], "child_age": 16})
    assert response.status_code == 422
    assert "transition_to_independence_plan" in response.json["errors"]


def test_the_forum_must_set_a_return_date_unless_permanence_is_achieved(case):
    """Overview of Decision-Making Forums, PPM, "Bookings/attendance": the outcome "will determine
    the next invitation / tracking date(s) - until permanence is achieved"."""
    _to_first_outcome(case)
    endorsed = {k: v for k, v in ANSWERS["record_outcome__endorsed"].items()
                if k != "next_tracking_date"}
    response = case.submit("record_outcome", endorsed)
    assert response.status_code == 422
    assert "next_tracking_date" in response.json["errors"]


def test_every_task_has_a_form_instructions_and_a_due_date_with_its_rule(case):
    """Overview of Decision-Making Forums, PPM, "Paperwork required" and "Bookings/attendance": each
    step has its form, instructions and a deadline with the rule behind it."""
    _to_first_outcome(case)
    for task in case.instance()["tasks"]:
        detail = case.clients[task["role"]].get(f"/api/v1/tasks/{task['id']}").json
        assert detail["form"]["schema"]["properties"], task["name"]
        assert detail["instructions"], task["name"]
        assert detail["due_at"] and detail["due_rule"], task["name"]


PRO_FORMA_PARTS = ("permanence_options", "rehabilitation_home_analysis", "best_option",
                   "best_option_reasons", "contingency_option", "contingency_reasons",
                   "planned_timescales", "childs_wishes_and_feelings",
                   "planning_meeting_and_review_held", "discussed_with_team_manager")


def test_the_permanence_tracker_pro_forma_cannot_go_without_its_required_parts(case):
    """Overview of Decision-Making Forums, PPM: "What is required of attendees: SW/TM to explain
    what permanency options are available and propose the best option, a contingency and
    planned timescales"; "Paperwork required: 1. Permanence Tracker Meeting Pro-Forma"; "Other
    information: ... care/permanency planning meeting [and] CLA reviews ... should take place
    before attendance". Each part left out is refused by name; so are an empty list of options
    or timescales and a planning meeting not yet held."""
    case.do("invite")
    full = ANSWERS["complete_tracker"]
    for part in PRO_FORMA_PARTS:
        response = case.submit("complete_tracker", {k: v for k, v in full.items() if k != part})
        assert response.status_code == 422, part
        assert part in response.json["errors"], part
    for part, value in (("permanence_options", []), ("planned_timescales", []),
                        ("planning_meeting_and_review_held", False),
                        ("discussed_with_team_manager", False)):
        response = case.submit("complete_tracker", {**full, part: value})
        assert response.status_code == 422, part
        assert part in response.json["errors"], part
    assert case.ready() == ["complete_tracker"]
    case.do("complete_tracker")
    assert case.ready() == []  # waits for the meeting


def test_the_contingency_is_a_different_option_from_the_best_one(case):
    """Overview of Decision-Making Forums, PPM, "What is required of attendees": "propose the
    best option, a contingency and planned timescales": a contingency that is the best option
    again is no contingency, and is refused in words."""
    case.do("invite")
    same = {**ANSWERS["complete_tracker"], "best_option": "long_term_fostering",
            "contingency_option": "long_term_fostering"}
    response = case.submit("complete_tracker", same)
    assert response.status_code == 422
    assert response.json["errors"]["contingency_option"] == [
        "The contingency must be a different option from the best option"]
    case.do("complete_tracker", best_option="long_term_fostering",
            contingency_option="connected_carers")
