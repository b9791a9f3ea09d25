"""Firing due timers. Runs from `flask run-due` and from the in-app scheduler."""
from __future__ import annotations

from datetime import datetime

from app.engine import workflows
from app.engine.clock import engine_time
from app.extensions import db
from app.models import InstanceStatus, utcnow
from app.services import history, instances, progress

SCHEDULER_ACTOR = "scheduler"  # history's "who" for what time, not a person, did


def run_due(as_of: datetime | None = None) -> list[dict]:
    """Fire every timer due at `as_of` (default now); one transaction per instance."""
    moment = as_of or utcnow()
    fired = []
    for instance_id in instances.due_before(moment):
        instance = progress.lock(instance_id)
        if (instance is None or instance.status not in InstanceStatus.OPEN
                or instance.next_timer_at is None or instance.next_timer_at > moment):
            db.session.rollback()
            continue
        due_at = instance.next_timer_at
        history.record(instance_id, "timer_fired", SCHEDULER_ACTOR,
                       detail={"due_at": due_at.isoformat(), "as_of": moment.isoformat()})
        try:
            with engine_time(moment):
                workflow, model = progress.load(instance)
                workflows.fire_timers(workflow)
                progress.save(instance, workflow, model, SCHEDULER_ACTOR)
            if instance.next_timer_at == due_at:  # the engine fires strictly after the due time
                db.session.rollback()
                continue
        except workflows.EngineError as exc:
            instances.mark_error(instance_id, SCHEDULER_ACTOR, str(exc),
                                 {"timer_due_at": due_at.isoformat()})
            db.session.commit()
            fired.append({"instance_id": instance_id, "due_at": due_at, "error": str(exc)})
            continue
        db.session.commit()
        fired.append({"instance_id": instance_id, "due_at": due_at, "status": instance.status})
    return fired
