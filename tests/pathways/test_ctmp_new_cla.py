"""CTMP's weekly return of the children newly looked after, begun by the service on the
schedule in the diagram's timer start event (processes/ctmp_new_cla), as CTMP's standing
reviews are, not by a mapping in the code.

Seed (the council's CTMP procedure), "The panel must consider: ... All new CLA that week
(... will notify CTMP administrator by Thursday afternoon of any new CLA that week)", with
the panel "held every Friday".

The clock starts on Monday 23 November 2026 (the `traveller` fixture).
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from app.extensions import db
from app.models import Meeting, ScheduledStart
from tests.pathways.test_ctmp_reviews import at  # noqa: F401 - the clock-moving fixture

NEW_CLA = "ctmp_new_cla"


def _returns(as_user) -> list[dict]:
    return sorted(as_user("manager").get(
        f"/api/v1/process-instances?process_model={NEW_CLA}").json["items"],
        key=lambda case: case["data"]["panel_meeting_date"])


def _notify_due(as_user, meeting_date: str) -> str:
    [task] = [t for t in as_user("lac_data_officer").get("/api/v1/tasks?filter=claimable")
              .json["items"] if t["process_model"] == NEW_CLA
              and t["instance_id"] in {c["id"] for c in _returns(as_user)
                                       if c["data"]["panel_meeting_date"] == meeting_date}]
    return task["due_at"]


def test_each_weeks_return_begins_on_the_diagrams_monday_timer(app, at, as_user):  # noqa: F811
    """Seed: "All new CLA that week (... will notify CTMP administrator by Thursday afternoon
    of any new CLA that week)". The week's return begins when the diagram's timer says
    (Monday morning), not earlier however near the panel, once, for that Friday's panel."""
    at("2026-11-23T10:00:00+00:00")
    [first] = _returns(as_user)
    assert first["data"]["panel_meeting_date"] == "2026-11-27"
    at("2026-11-30T07:59:00+00:00")  # the next panel is four days away: not yet
    assert len(_returns(as_user)) == 1
    at("2026-11-30T08:00:00+00:00")
    first, second = _returns(as_user)
    assert second["started_by"] == "system"
    assert second["data"]["panel_meeting_date"] == "2026-12-04"
    assert _notify_due(as_user, "2026-12-04").startswith("2026-12-03T16:00")  # Thursday pm
    with app.app_context():  # begun by the diagram's timer start event, this occurrence
        assert db.session.scalar(db.select(ScheduledStart.instance_id).where(
            ScheduledStart.process_key == NEW_CLA,
            ScheduledStart.occurs_at == datetime(2026, 11, 30, 8, tzinfo=UTC))) == second["id"]
    at("2026-12-03T12:00:00+00:00")
    assert len(_returns(as_user)) == 2  # once a week, not once a run


def test_a_week_whose_friday_is_a_bank_holiday_returns_for_the_moved_panel(app, at, as_user):  # noqa: F811, E501
    """Seed: "by Thursday afternoon" before the panel. Christmas Day 2026 is a Friday: the
    panel moves to the next working day (29 December, after Boxing Day's substitute), and the
    week's return is for that meeting, due the working day before it."""
    at("2026-12-21T08:30:00+00:00")
    with app.app_context():
        [moved] = db.session.scalars(db.select(Meeting).where(
            Meeting.panel_key == "ctmp", Meeting.scheduled_on == date(2026, 12, 25))).all()
        assert moved.starts_at.date() == date(2026, 12, 29)  # the panel's own calendar
    [week] = [c for c in _returns(as_user) if c["data"]["review_date"] == "2026-12-21"]
    assert week["data"]["panel_meeting_date"] == "2026-12-29"
    assert _notify_due(as_user, "2026-12-29").startswith("2026-12-24T16:00")
