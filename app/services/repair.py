"""Case repair, for managers and process owners: send a case back to an earlier step, skip a
step that cannot be done, correct a recorded answer. Each is recorded in the case's history
(`sent_back`, `skipped`, `corrected`, with the reason) and the audit trail.

Before this, a manager who endorsed in error had to end the case and start again.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from app import audit
from app.engine import migration, workflows
from app.extensions import db
from app.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus, User, utcnow
from app.services import access, forms, history, instances, progress
from app.services.errors import Conflict, Forbidden, Invalid, NotFound


def _repairable(user: User, instance_id: str) -> ProcessInstance:
    instances.get_visible(user, instance_id)
    if not access.can_repair(user):
        raise Forbidden("Only a manager or process owner may repair a case")
    instance = progress.lock(instance_id, for_step=True)
    if instance.status not in InstanceStatus.OPEN:
        raise Conflict(f"The case is {instance.status}, not running")
    return instance


def _row(instance: ProcessInstance, task_id: str, status: str) -> HumanTask:
    row = next((t for t in instance.tasks if t.id == task_id), None)
    if row is None:
        raise Invalid("Unknown step", {"task_id": ["This case has no such step"]})
    if row.status != status:
        raise Conflict(f"This step is {row.status}, not {status}")
    return row


def _noted(instance: ProcessInstance, what: str, detail: dict) -> None:
    audit.note("instance", instance.id, instance.child_ref, detail={what: detail})


def done_steps(instance: ProcessInstance) -> list[HumanTask]:
    """The last completed round of each step the case has done, latest first."""
    last: dict[str, HumanTask] = {}
    for row in instance.tasks:
        if row.status == TaskStatus.COMPLETED and row.completed_at:
            if row.name not in last or row.completed_at >= last[row.name].completed_at:
                last[row.name] = row
    return sorted(last.values(), key=lambda t: t.completed_at, reverse=True)


def _holder(row: HumanTask, new: HumanTask) -> str | None:
    """Who did the step last, if they may still do it; else it goes to its role's queue."""
    person = db.session.scalar(db.select(User).where(User.username == row.completed_by))
    if person is None or access.may_be_assigned(person, new) is not None:
        return None
    return person.username


def send_back(user: User, instance_id: str, task_name: str, reason: str) -> ProcessInstance:
    """The step is ready again, with its last answers as a draft; whatever came after it is
    withdrawn (its open steps cancelled, its timers cleared), by SpiffWorkflow's reset."""
    instance = _repairable(user, instance_id)
    earlier = next((t for t in done_steps(instance) if t.name == task_name), None)
    if earlier is None:
        raise Invalid("Not an earlier step",
                      {"task_name": ["The case has not done this step; choose one it has done"]})
    workflow, model = progress.load(instance)
    if workflow.get_task_from_id(UUID(earlier.engine_task_id)) is None:
        raise Conflict("The engine no longer holds this step; it cannot be sent back to")
    try:
        workflow.reset_from_task_id(UUID(earlier.engine_task_id))
        migration.forget_dropped_events(workflow)
        workflows._run_engine(workflow)
    except Exception as exc:  # noqa: BLE001 - whatever the engine raises, nothing is saved
        raise Conflict(f"The case cannot be sent back to this step: {exc}") from None
    open_before = {t.id for t in instance.tasks if t.status == TaskStatus.READY}
    created = progress.save(instance, workflow, model, user.username)
    withdrawn = [t.title for t in instance.tasks
                 if t.id in open_before and t.status == TaskStatus.CANCELLED]
    again = next((t for t in created if t.name == task_name), None)
    if again is not None:
        again.draft_data, again.draft_raw = dict(earlier.submitted_data or {}), None
        if again.assignee is None and (holder := _holder(earlier, again)):
            again.assignee = holder
    db.session.flush()
    history.record(instance.id, "sent_back", user.username, again or earlier,
                   {"reason": reason, "to": earlier.title, "withdrawn": withdrawn,
                    "holder": again.assignee if again else None})
    _noted(instance, "sent_back", {"task_name": task_name, "reason": reason})
    return instance


def skip(user: User, instance_id: str, task_id: str, reason: str) -> ProcessInstance:
    """The open step completes with no answers and the case moves on; refused (nothing
    changes) when the diagram needs the step's answers to go on."""
    instance = _repairable(user, instance_id)
    row = _row(instance, task_id, TaskStatus.READY)
    workflow, model = progress.load(instance)
    try:
        workflows.complete_user_task(workflow, row.engine_task_id, {})
    except workflows.EngineError as exc:
        raise Conflict(f"This step cannot be skipped: the diagram needs its answers to go on "
                       f"({exc})") from None
    row.status, row.completed_at, row.completed_by = TaskStatus.COMPLETED, utcnow(), \
        user.username
    row.submitted_data, row.draft_data, row.draft_raw = {}, None, None
    history.record(instance.id, "skipped", user.username, row, {"reason": reason})
    progress.save(instance, workflow, model, user.username)
    _noted(instance, "skipped", {"task_id": row.id, "task_name": row.name, "reason": reason})
    return instance


def _last_writer(instance: ProcessInstance, field: str) -> HumanTask | None:
    done = [t for t in instance.tasks if t.status == TaskStatus.COMPLETED and t.completed_at
            and field in (t.submitted_data or {})]
    return max(done, key=lambda t: t.completed_at, default=None)


def correct(user: User, instance_id: str, task_id: str, field: str, value: Any,
            reason: str) -> ProcessInstance:
    """Change one recorded answer of a completed step, keeping the old value in the history.
    The case's data (and what its open and waiting steps hold, so a date a timer reads is
    worked out again) changes too, unless a later step has since answered the same field."""
    instance = _repairable(user, instance_id)
    row = _row(instance, task_id, TaskStatus.COMPLETED)
    schema = forms.task_form(row)
    if field not in (schema.get("properties") or {}):
        raise Invalid("Unknown field", {"field": [f"“{row.title}” asks no question {field!r}"]})
    old = dict(row.submitted_data or {})
    answers = {**old, field: value}
    errors = forms.validate(schema, answers, context=instance.data)
    if errors.get(field):
        raise Invalid("The new answer is not valid", {"value": errors[field]})
    writer = _last_writer(instance, field)
    follows = writer is None or writer.id == row.id
    if follows:
        workflow, model = progress.load(instance)
        workflows.update_waiting(workflow, {field: value})
        progress.save(instance, workflow, model, user.username)
        instance.data = {**(instance.data or {}), field: value}
    row.submitted_data = answers
    history.record(instance.id, "corrected", user.username, row, {
        "field": field, "old": old.get(field), "new": value, "reason": reason,
        "case_data_updated": follows})
    _noted(instance, "corrected", {"task_id": row.id, "field": field, "old": old.get(field),
                                   "new": value, "reason": reason})
    return instance


def visible_step(user: User, instance_id: str, task_id: str) -> HumanTask:
    """A step of a case the user may see (for the pages)."""
    instance = instances.get_visible(user, instance_id)
    row = next((t for t in instance.tasks if t.id == task_id), None)
    if row is None:
        raise NotFound("No such step")
    return row
