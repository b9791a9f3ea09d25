"""Permanency Planning and Monitoring: practice noted at the forum reaches the TM and SM by the
next working day, as at MARP, Placement Forum 1-3 and PCT.

The clock starts on Monday 23 November 2026; the first PPM meeting is Thursday 3 December 2026,
so the next working day is Friday 4 December.
"""
from __future__ import annotations

import pytest

from tests.pathways.test_ppm import ANSWERS, ROLES
from tests.pathways.walker import Walk

PRACTICE = {"practice_to_raise": "needs_improvement",
            "practice_detail": "The pro-forma gave no contingency timescales; tell the TM."}


@pytest.fixture
def case(app, as_user, traveller) -> Walk:
    walk = Walk(app, as_user, "ppm", ROLES, ANSWERS, "panel_administrator", traveller,
                subject={"child_ref": "C-4002", "name": "Sam Example"})
    walk.do("record_review")
    walk.do("invite")
    walk.do("complete_tracker")
    walk.at("2026-12-03T13:01:00+00:00")
    return walk


def test_practice_noted_at_ppm_is_raised_by_the_next_working_day(case):
    """Governance & Quality Assurance, for all forums: "Outstanding practice and that requires
    significant improvement will be brought to the attention of the TM and SM (if required) the
    following day at the latest" (seed L45): at PPM the chair could flag practice on the outcome,
    but only the notes, due in 3 working days, asked when it was raised."""
    case.do("record_outcome", "record_outcome__endorsed", **PRACTICE)
    assert case.ready() == ["distribute_notes", "raise_practice"]
    task = case.task("raise_practice")
    assert task["role"] == "panel_chair"
    assert task["due_at"].startswith("2026-12-04T17:00")  # Thursday's meeting: Friday
    assert "following day at the latest" in task["due_rule"]
    case.do("raise_practice")
    instance = case.do("distribute_notes")
    assert instance["status"] == "waiting"  # the plan returns on the tracking date
    assert case.ready() == []


def test_practice_not_raised_at_ppm_goes_to_the_service_manager(case):
    """Governance & Quality Assurance (seed L45): not recorded as raised by the end of the next
    working day, the service manager is asked to make sure the team manager hears of it."""
    case.do("record_outcome", "record_outcome__endorsed", **PRACTICE)
    case.do("distribute_notes")
    case.at("2026-12-04T16:59:00+00:00")
    assert case.ready() == ["raise_practice"]
    case.at("2026-12-04T17:01:00+00:00")
    assert case.ready() == ["practice_escalated"]
    assert case.task("practice_escalated")["role"] == "service_manager"
    case.do("practice_escalated")
    assert case.ready() == []


def test_no_practice_at_ppm_adds_no_step(case):
    """Governance & Quality Assurance (seed L45): only practice the forum noted is raised; a
    meeting that noted none goes straight to the notes."""
    case.do("record_outcome", "record_outcome__endorsed")
    assert case.ready() == ["distribute_notes"]


def test_the_step_after_the_forum_asks_only_for_the_tracker(case):
    """Governance & Quality Assurance (seed L44-45): the minutes go out on their own step
    (`panel_minutes`) and flagged practice is dated on `raise_practice`; the per-child step
    after the forum asked both again. It now brings the tracker up to date only."""
    case.do("record_outcome", "record_outcome__endorsed", **PRACTICE)
    step = case.task("distribute_notes")
    form = case.clients[case.roles["distribute_notes"]].get(f"/api/v1/tasks/{step['id']}").json
    assert set(form["form"]["schema"]["properties"]) == {"tracker_updated"}
    assert step["title"] == "Update the tracker"
