"""CTMP's standing reviews name the meeting the panel's calendar holds, not a bank holiday.

Seed (the council's CTMP procedure): the panel "is held every Friday morning"; "The panel
reviews every quarter: External placements ... On a weekly basis it reviews In-House
Residential placements [and] In-house fostering availability." A Friday that is a bank holiday
has no panel: the meeting moves to the next working day (the panel's own calendar), and the
review is heard there, its papers due the working day before.
"""
from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import Meeting
from tests.pathways.test_ctmp_reviews import (
    EXTERNAL,
    INHOUSE,
    _cases,
    _ready,
    at,  # noqa: F401 - the clock-moving fixture
)


def _for_week(as_user, key: str, review_date: str) -> dict:
    [case] = [c for c in _cases(as_user, key) if c["data"]["review_date"] == review_date]
    return case


def test_the_weekly_in_house_review_in_christmas_week_is_for_the_moved_panel(app, at, as_user):  # noqa: F811, E501
    """Christmas Day 2026 is a Friday: the panel meets on Tuesday 29 December (after Boxing
    Day's substitute Monday), and that week's in-house review is heard there."""
    at("2026-12-21T08:30:00+00:00")
    with app.app_context():
        [moved] = db.session.scalars(db.select(Meeting).where(
            Meeting.panel_key == "ctmp", Meeting.scheduled_on == date(2026, 12, 25))).all()
        assert moved.starts_at.date() == date(2026, 12, 29)
    week = _for_week(as_user, INHOUSE, "2026-12-21")
    assert week["data"]["panel_meeting_date"] == "2026-12-29"
    assert _ready(as_user("panel_administrator"), INHOUSE)["due_at"].startswith(
        "2026-12-24T12:00")  # Thursday noon, the working day before


def test_an_ordinary_week_is_still_reviewed_on_its_friday(at, as_user):  # noqa: F811
    at("2026-12-07T08:30:00+00:00")
    assert _for_week(as_user, INHOUSE, "2026-12-07")["data"]["panel_meeting_date"] == "2026-12-11"


def test_a_quarterly_review_whose_friday_is_good_friday_is_for_the_moved_panel(at, as_user):  # noqa: F811, E501
    """April 2028's quarter begins on Tuesday 4 April; the Friday of the next week is Good
    Friday (14 April) and the Monday after is Easter Monday, so the panel meets on Tuesday
    18 April."""
    at("2028-04-04T08:30:00+00:00")
    quarter = _for_week(as_user, EXTERNAL, "2028-04-04")
    assert quarter["data"]["panel_meeting_date"] == "2028-04-18"
    assert _ready(as_user("commissioning_officer"), EXTERNAL)["due_at"].startswith(
        "2028-04-13T11:00")  # noon, London summer time: the working day before
