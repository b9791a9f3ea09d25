"""Firing due timers. Runs from `flask run-due`, the in-app scheduler, and Celery workers."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from app import metrics
from app.engine import evaluator, workflows
from app.engine.clock import engine_time
from app.extensions import db
from app.models import InstanceStatus, utcnow
from app.services import (
    history,
    instances,
    minutes,
    panels,
    progress,
    reminders,
    retention,
    scheduled_starts,
    webhooks,
)

log = logging.getLogger(__name__)
SCHEDULER_ACTOR = "scheduler"  # history's "who" for what time, not a person, did


def due_instance_ids(moment: datetime | None = None) -> list[str]:
    """Instances with a timer due by `moment`: one indexed query on next_timer_at."""
    return list(instances.due_before(moment or utcnow()))


def fire_instance(instance_id: str, moment: datetime | None = None) -> dict | None:
    """Fire one instance's due timers in its own transaction, under the row lock a user's
    step takes. Whoever gets the lock second finds nothing due and does nothing, so two
    schedulers or workers never fire one timer twice.

    Each case is time-boxed (`evaluator.time_box`, the step limit): a case whose diagram
    fails, runs too long or breaks in any other way is marked `error` with the reason, so the
    next pass skips it instead of trying it again, and the other cases still fire."""
    moment = moment or utcnow()
    # for_step: the diagram's version and the stored workflow come in the locking query, not
    # in two more round trips per due case.
    instance = progress.lock(instance_id, for_step=True)
    if (instance is None or instance.status not in InstanceStatus.OPEN
            or instance.next_timer_at is None or instance.next_timer_at > moment):
        db.session.rollback()
        return None
    due_at = instance.next_timer_at
    history.record(instance_id, "timer_fired", SCHEDULER_ACTOR,
                   detail={"due_at": due_at.isoformat(), "as_of": moment.isoformat()})
    try:
        with engine_time(moment), evaluator.time_box():
            workflow, model = progress.load(instance)
            workflows.fire_timers(workflow)
            progress.save(instance, workflow, model, SCHEDULER_ACTOR)
        if instance.next_timer_at == due_at:  # the engine fires strictly after the due time
            db.session.rollback()
            return None
    except SQLAlchemyError:
        db.session.rollback()
        raise  # the database, not the case: the next pass tries again
    except Exception as exc:  # any other failure stops this case, not the pass
        message = (str(exc) if isinstance(exc, workflows.EngineError)
                   else f"The timer could not fire: {type(exc).__name__}: {exc}")
        # The type only: an error's text may quote a case's data, which never goes in a log.
        log.warning("case %s stopped at a timer: %s", instance_id, type(exc).__name__)
        instances.mark_error(instance_id, SCHEDULER_ACTOR, message,
                             {"timer_due_at": due_at.isoformat()})
        metrics.count_on_commit(metrics.TIMERS_FIRED, pathway=instance.process_key,
                                outcome="error")
        db.session.commit()
        return {"instance_id": instance_id, "due_at": due_at, "error": message}
    metrics.count_on_commit(metrics.TIMERS_FIRED, pathway=instance.process_key, outcome="ok")
    db.session.commit()
    return {"instance_id": instance_id, "due_at": due_at, "status": instance.status}


def keep_calendar(moment: datetime | None = None) -> None:
    """Keep three months of every panel's meetings generated ahead."""
    with engine_time(moment):
        minutes.start_due_minutes(moment)  # before meetings without cases are marked held
        panels.ensure_all_meetings()
        # Diagrams with a timer start event: CTMP's standing reviews and its weekly return
        # of the children newly looked after.
        scheduled_starts.start_due(moment)
    db.session.commit()


def run_due(as_of: datetime | None = None) -> list[dict]:
    """Fire every timer due at `as_of` (default now); one transaction per instance."""
    moment = as_of or utcnow()
    keep_calendar(moment)
    fired = []
    for instance_id in due_instance_ids(moment):
        result = fire_instance(instance_id, moment)
        if result is not None:
            fired.append(result)
    reminders.run(moment)
    retention.mark_due_daily(moment)
    webhooks.deliver_due(moment)
    return fired
