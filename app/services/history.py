"""The one place history events are written."""
from __future__ import annotations

from app.extensions import db
from app.models import HistoryEvent, HumanTask, utcnow


def record(instance_id: str, event: str, actor: str | None, task: HumanTask | None = None,
           detail: dict | None = None) -> HistoryEvent:
    entry = HistoryEvent(
        instance_id=instance_id, at=utcnow(), actor=actor, event=event,
        task_id=task.id if task else None, task_name=task.name if task else None, detail=detail,
    )
    db.session.add(entry)
    return entry


# The engine's own record of which diagram elements a save completed ({"elements": {id: n}}),
# for the case diagram's "done N times": bookkeeping, not something a person did, so the
# case's story and the API's history leave it out.
PROGRESSED = "progressed"


def for_instance(instance_id: str) -> list[HistoryEvent]:
    return list(db.session.scalars(
        db.select(HistoryEvent).where(HistoryEvent.instance_id == instance_id,
                                      HistoryEvent.event != PROGRESSED)
        .order_by(HistoryEvent.at, HistoryEvent.id)
    ))


def latest(instance_id: str, event: str) -> HistoryEvent | None:
    """The case's most recent event of one kind."""
    return db.session.scalar(
        db.select(HistoryEvent).where(HistoryEvent.instance_id == instance_id,
                                      HistoryEvent.event == event)
        .order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc()).limit(1))
