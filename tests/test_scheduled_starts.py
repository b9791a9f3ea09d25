"""Pathways the service begins on its own schedule: a timer start event in a deployed diagram
(app/services/scheduled_starts.py), which the process owner changes by editing the diagram.

Issue 19 item 4: CTMP's standing reviews are "pathways the service begins on its own
schedule"; the seed's quarterly and weekly reviews are walked in tests/pathways."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.extensions import db
from app.models import ProcessInstance, ScheduledStart
from app.services import scheduled_starts
from tests.helpers import deploy

ROOT = Path(__file__).parents[1]
WEEKLY = "R/2026-11-30T08:00:00+00:00/P7D"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_occurrences_follow_the_calendar_and_a_bounded_cycle_stops():
    quarterly = "R/2027-01-31T08:00:00+00:00/P3M"
    assert scheduled_starts.latest_occurrence(quarterly, _moment("2027-05-01T00:00:00+00:00")) \
        == _moment("2027-04-30T08:00:00+00:00")  # the end of April, not 1 May
    assert scheduled_starts.latest_occurrence(quarterly, _moment("2027-08-01T00:00:00+00:00")) \
        == _moment("2027-07-31T08:00:00+00:00")  # and back to the 31st
    assert scheduled_starts.latest_occurrence(WEEKLY, _moment("2026-11-30T07:59:00+00:00")) \
        is None
    assert scheduled_starts.latest_occurrence("R2/2026-11-30T08:00:00+00:00/P7D",
                                              _moment("2027-06-01T00:00:00+00:00")) \
        == _moment("2026-12-07T08:00:00+00:00")  # two occurrences, then no more


def test_the_process_owner_changes_the_schedule_in_the_diagram(app, traveller):
    """A new version of the diagram with another timer is followed from the next pass."""
    text = (ROOT / "processes/ctmp_inhouse_review/ctmp_inhouse_review.bpmn").read_text()
    assert WEEKLY in text
    deploy(app, text.replace(WEEKLY, "R/2026-11-25T08:00:00+00:00/P14D"), by="process_owner")
    with app.app_context():
        started = scheduled_starts.start_due(_moment("2026-11-26T09:00:00+00:00"))
        db.session.commit()
        [case] = [db.session.get(ProcessInstance, i) for i in started
                  if db.session.get(ProcessInstance, i).process_key == "ctmp_inhouse_review"]
        assert case.data["scheduled_for"] == "2026-11-25T08:00:00+00:00"
        assert case.data["panel_meeting_date"] == "2026-11-27"


def test_an_occurrence_is_begun_once_however_often_the_scheduler_runs(app, traveller):
    with app.app_context():
        moment = _moment("2026-11-30T08:30:00+00:00")
        first = scheduled_starts.start_due(moment)
        again = scheduled_starts.start_due(moment)
        db.session.commit()
        assert again == []
        rows = db.session.scalars(db.select(ScheduledStart).where(
            ScheduledStart.process_key == "ctmp_inhouse_review")).all()
        assert [r.occurs_at for r in rows] == [_moment("2026-11-30T08:00:00+00:00")]
        assert rows[0].instance_id in first
        assert rows[0].occurs_at.tzinfo is not None and rows[0].occurs_at.utcoffset() == \
            UTC.utcoffset(None)
