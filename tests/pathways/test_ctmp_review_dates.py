"""The panel CTMP's standing reviews are heard at: the meeting the panel's calendar holds for
that Friday, which moves to the next working day when the Friday is a bank holiday, as the
weekly new-children return already finds it (processes/ctmp_new_cla), not a Friday counted
on the calendar.

Seed (the council's CTMP procedure): the panel is "held every Friday"; "The panel reviews
every quarter: External placements – Fostering, Residential and Residential Schools. On a
weekly basis it reviews In-House Residential placements [and] In-house fostering
availability."

The clock starts on Monday 23 November 2026 (the `traveller` fixture).
"""
from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import Meeting
from tests.pathways.test_ctmp_reviews import at  # noqa: F401 - the clock-moving fixture

INHOUSE, EXTERNAL = "ctmp_inhouse_review", "ctmp_external_review"


def _review_for(as_user, key: str, review_date: str) -> dict:
    [case] = [c for c in as_user("manager").get(
        f"/api/v1/process-instances?process_model={key}").json["items"]
        if c["data"]["review_date"] == review_date]
    return case


def _papers_due(as_user, role: str, case: dict) -> str:
    [task] = [t for t in as_user(role).get("/api/v1/tasks?filter=claimable").json["items"]
              if t["instance_id"] == case["id"]]
    return task["due_at"]


def _panel_meets(app, scheduled_on: date) -> date:
    """The day the panel's own calendar holds the meeting scheduled for that Friday."""
    with app.app_context():
        [meeting] = db.session.scalars(db.select(Meeting).where(
            Meeting.panel_key == "ctmp", Meeting.scheduled_on == scheduled_on)).all()
        return meeting.starts_at.date()


def test_the_in_house_review_in_an_ordinary_week_is_heard_that_friday(at, as_user):  # noqa: F811
    """Seed: "On a weekly basis it reviews In-House Residential placements", at the panel
    "held every Friday": an ordinary week's review names that Friday, papers Thursday noon."""
    at("2027-03-15T08:01:00+00:00")
    case = _review_for(as_user, INHOUSE, "2027-03-15")
    assert case["data"]["panel_meeting_date"] == "2027-03-19"
    assert _papers_due(as_user, "panel_administrator", case).startswith("2027-03-18T12:00")


def test_the_in_house_review_in_good_friday_week_names_the_moved_panel(app, at, as_user):  # noqa: F811, E501
    """Seed: the panel is "held every Friday" and reviews in-house placements weekly. Good
    Friday 2027 (26 March) is a bank holiday and Easter Monday too: the panel meets on
    Tuesday 30 March, so the week's review names that meeting, papers the working day before
    it (Thursday 25 March), not a Friday with no panel."""
    at("2027-03-22T08:01:00+00:00")
    assert _panel_meets(app, date(2027, 3, 26)) == date(2027, 3, 30)
    case = _review_for(as_user, INHOUSE, "2027-03-22")
    assert case["data"]["panel_meeting_date"] == "2027-03-30"
    assert _papers_due(as_user, "panel_administrator", case).startswith("2027-03-25T12:00")


def test_the_in_house_review_in_christmas_week_names_the_moved_panel(app, at, as_user):  # noqa: F811, E501
    """Seed: the panel is "held every Friday". Christmas Day 2026 is a Friday and Boxing
    Day's substitute the Monday after: the week's review names Tuesday 29 December."""
    at("2026-12-21T08:01:00+00:00")
    assert _panel_meets(app, date(2026, 12, 25)) == date(2026, 12, 29)
    case = _review_for(as_user, INHOUSE, "2026-12-21")
    assert case["data"]["panel_meeting_date"] == "2026-12-29"
    assert _papers_due(as_user, "panel_administrator", case).startswith("2026-12-24T12:00")


def test_the_quarterly_review_in_an_ordinary_quarter_is_heard_the_friday_after(at, as_user):  # noqa: F811, E501
    """Seed: "The panel reviews every quarter: External placements". Heard at the panel on
    the Friday of the week after the quarter's review begins (Monday 4 January 2027)."""
    at("2027-01-04T08:01:00+00:00")
    case = _review_for(as_user, EXTERNAL, "2027-01-04")
    assert case["data"]["panel_meeting_date"] == "2027-01-15"
    assert _papers_due(as_user, "commissioning_officer", case).startswith("2027-01-14T12:00")


def test_the_quarterly_review_whose_friday_is_good_friday_names_the_moved_panel(app, at, as_user):  # noqa: F811, E501
    """Seed: "The panel reviews every quarter: External placements", at the panel "held
    every Friday". The April 2028 quarter begins on Tuesday 4 April; the Friday of the week
    after is Good Friday (14 April 2028) and the Monday Easter Monday, so the panel meets on
    Tuesday 18 April and the quarter's review names that meeting, papers Thursday 13 April."""
    at("2028-04-04T08:01:00+00:00")
    assert _panel_meets(app, date(2028, 4, 14)) == date(2028, 4, 18)
    case = _review_for(as_user, EXTERNAL, "2028-04-04")
    assert case["data"]["panel_meeting_date"] == "2028-04-18"
    # Thursday 12 noon in London, British Summer Time
    assert _papers_due(as_user, "commissioning_officer", case) == "2028-04-13T11:00:00+00:00"
