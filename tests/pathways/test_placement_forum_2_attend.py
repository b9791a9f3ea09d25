"""Placement Forum Part 2: a social worker or team manager may request to attend.

Seed, Overview of Decision-Making Forums, Placement Forum Part 2, "Bookings/attendance": "SM
with TM and Social worker to be invited to attend forum or a social worker/ team Manager may
request to attend Oversight/Tracking Meeting on case-by-case basis". Before, every review was
listed as the forum's invitation; a request to attend had nowhere to go and no one to agree it.
The forum meets on Wednesdays at 9 (25 November 2026, ...).
"""
from __future__ import annotations

import pytest

from tests.pathways.test_placement_forum_2 import ANSWERS, ROLES
from tests.pathways.walker import Walk

ATTEND_ROLES = {**ROLES, "consider_attendance": "panel_chair"}
REQUESTED = {"attendance": "requested", "attendance_requested_by": ["social_worker"],
             "attendance_request_reason": "The social worker has known Morgan for four years "
                                          "and can speak to the step-down plan."}


@pytest.fixture
def review(app, as_user, traveller) -> Walk:
    return Walk(app, as_user, "placement_forum_2", ATTEND_ROLES, ANSWERS, "service_manager",
                traveller, subject={"child_ref": "C-5211", "name": "Morgan Example"})


def test_a_request_to_attend_is_listed_once_the_chair_agrees(review):
    """"a social worker/ team Manager may request to attend ... on case-by-case basis": the
    chair agrees the request for this case, then it is listed on the next forum."""
    review.do("prepare_review", **REQUESTED)
    assert review.ready() == ["consider_attendance"]
    assert review.task("consider_attendance")["role"] == "panel_chair"
    assert "panel_meeting_date" not in review.data()  # not on an agenda yet
    review.do("consider_attendance")
    data = review.data()
    assert data["panel_meeting_date"] == "2026-11-25"
    assert data["attendance_requested_by"] == ["social_worker"]
    assert data["attendance_request_agreed"] is True
    review.at("2026-11-25T08:01:00+00:00")
    assert review.ready() == ["record_decision"]


def test_a_request_the_chair_does_not_agree_is_not_listed(review):
    """Case by case: a request the chair does not agree ends without a listing, the chair's
    answer on the case."""
    review.do("prepare_review", **{**REQUESTED, "attendance_requested_by": ["team_manager"]})
    instance = review.do("consider_attendance", attendance_request_agreed=False,
                         attendance_request_response="Not this week: bring it with the SM's "
                                                     "review next month.")
    assert instance["status"] == "completed"
    assert "panel_meeting_date" not in instance["data"]
    assert instance["data"]["attendance_request_response"].startswith("Not this week")


def test_a_request_says_who_asked_and_why(review):
    """The request is the social worker's or team manager's: the presentation says whose and
    why, and the chair must answer it."""
    response = review.submit("prepare_review", {**ANSWERS["prepare_review"],
                                                "attendance": "requested"})
    assert response.status_code == 422
    assert {"attendance_requested_by", "attendance_request_reason"} <= set(response.json["errors"])
    review.do("prepare_review", **REQUESTED)
    response = review.submit("consider_attendance", {})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"attendance_request_agreed",
                                            "attendance_request_response"}


def test_an_invited_case_is_listed_without_asking_the_chair(review):
    """"SM with TM and Social worker to be invited to attend forum": the forum's own
    invitation needs no agreement; the presentation says which way the case came."""
    response = review.submit("prepare_review", {
        k: v for k, v in ANSWERS["prepare_review"].items() if k != "attendance"})
    assert response.status_code == 422 and "attendance" in response.json["errors"]
    review.do("prepare_review", attendance="invited")
    assert review.ready() == []
    assert review.data()["panel_meeting_date"] == "2026-11-25"


def test_a_return_on_the_date_set_is_not_asked_again(review):
    """"Attendees may be asked to return at an agreed date for review": the return is the
    forum's own invitation, so an agreed request is not put to the chair a second time."""
    review.do("prepare_review", **REQUESTED)
    review.do("consider_attendance")
    review.at("2026-11-25T08:01:00+00:00")
    review.do("record_decision", "record_decision__return")
    assert review.ready() == ["prepare_review"]
    review.do("prepare_review", **REQUESTED)
    assert review.ready() == []
    assert review.data()["panel_meeting_date"] == "2027-02-24"
