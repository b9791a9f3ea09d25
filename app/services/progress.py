"""Persistence of instances: load a workflow for its row, and save it back after a step.

Saving synchronises the ready user tasks into human-task rows (which the inbox queries),
derives the status, and stores the earliest timer in an indexed column for the scheduler.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy.orm import joinedload, lazyload, undefer

from app.engine import workflows
from app.engine.parsing import ParsedModel, UserTaskSpec
from app.engine.sandbox import SandboxLimitError
from app.engine.specs import SPECS
from app.engine.working_days import LONDON
from app.extensions import db
from app.models import (
    HistoryEvent,
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
    User,
    utcnow,
)
from app.models.instances import new_id
from app.services import access, history, panels
from app.services.calendar import add_working_days

END_OF_DAY = time(17, 0)


def model_for(instance: ProcessInstance) -> ParsedModel:
    return model_for_version(instance.model_version)


def model_for_version(version) -> ParsedModel:
    return SPECS.get(version.id, version.content_hash, lambda: version.bpmn_xml)


def load(instance: ProcessInstance) -> tuple[BpmnWorkflow, ParsedModel]:
    panels.current_instance.set(instance.id)  # every step loads first; see list_on_panel
    model = model_for(instance)
    return workflows.loads(instance.workflow_json, model.spec, model.subprocess_specs), model


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """Task data as plain JSON (scripts may leave dates or other objects in it)."""
    return json.loads(json.dumps(data, default=str))


def _due_on(spec: UserTaskSpec, data: dict) -> datetime | None:
    """A `dueDate` rule's answer: the end of that working day in England, as UTC."""
    try:
        value = workflows.SCRIPT_ENGINE.environment.evaluate(spec.due_date, dict(data))
        moment = datetime.fromisoformat(str(value))
    except SandboxLimitError as exc:  # too slow or too big: a diagram error, not missing data
        raise workflows.EngineError(f"dueDate of {spec.title!r}: {exc}") from exc
    except Exception:
        return None  # the data the rule needs is not there yet: fall back to the other rules
    if moment.tzinfo is None:  # a date is due at the end of that day; a time is London time
        moment = (moment.replace(tzinfo=LONDON) if "T" in str(value)
                  else datetime.combine(moment.date(), END_OF_DAY, LONDON))
    return moment.astimezone(UTC)


def _due_at(spec: UserTaskSpec, created: datetime, data: dict) -> datetime | None:
    if spec.due_date and (due := _due_on(spec, data)) is not None:
        return due
    if spec.due_in_working_days is not None:
        return add_working_days(created, spec.due_in_working_days)
    if spec.due_in:
        duration = TimerEventDefinition.parse_iso_duration(spec.due_in)
        return created + TimerEventDefinition.get_timedelta_from_start(duration, created)
    return None


def _assignee(spec: UserTaskSpec, data: dict) -> str | None:
    if not spec.assign_to:
        return None
    try:
        value = workflows.SCRIPT_ENGINE.environment.evaluate(spec.assign_to, dict(data))
    except SandboxLimitError as exc:
        raise workflows.EngineError(f"assignTo of {spec.title!r}: {exc}") from exc
    except Exception:
        return None  # no named person: the task stays with the role's queue
    return str(value) if value else None


# The name a diagram's assignTo uses for "the child's social worker": the case's allocated
# worker as it is now (the team manager may have changed it since the case began), never a
# copy in the workflow's data.
ALLOCATED_WORKER = "case_allocated_worker"


def _with_case_facts(instance: ProcessInstance, data: dict) -> dict:
    worker = instance.allocated_worker
    if worker and not db.session.scalar(db.select(User.active).where(User.username == worker)):
        worker = None  # they have left: the step waits in the team's queue, not with them
    return {**data, ALLOCATED_WORKER: worker}


def _kept_apart(instance: ProcessInstance, spec: UserTaskSpec) -> list[str] | None:
    """Who the step's separateFrom names: the case's initiator, and whoever did the named
    earlier steps (one indexed query: a long-lived case's rows are not all loaded)."""
    if not spec.separate_from:
        return None
    people = {instance.started_by} if "initiator" in spec.separate_from else set()
    people |= set(db.session.scalars(db.select(HumanTask.completed_by).where(
        HumanTask.instance_id == instance.id, HumanTask.name.in_(spec.separate_from),
        HumanTask.status == TaskStatus.COMPLETED, HumanTask.completed_by.is_not(None))))
    return sorted(people)


def _new_task(instance: ProcessInstance, ready: workflows.ReadyUserTask, spec: UserTaskSpec,
              now: datetime) -> HumanTask:
    return HumanTask(
        id=new_id(), instance_id=instance.id, engine_task_id=ready.engine_task_id, name=spec.name,
        title=spec.title, role=spec.role, assignee=_assignee(spec, _with_case_facts(
            instance, ready.data) if ALLOCATED_WORKER in (spec.assign_to or "") else ready.data),
        status=TaskStatus.READY, created_at=now, due_at=_due_at(spec, now, ready.data),
        due_rule=spec.due_rule,
        form_schema_file=spec.form_schema_file, form_ui_schema_file=spec.form_ui_schema_file,
        instructions=spec.instructions, process_key=instance.process_key,
        subject=instance.subject or {}, team=instance.team, not_for=_kept_apart(instance, spec),
    )


def _returned_it(instance: ProcessInstance, spec: UserTaskSpec, model: ParsedModel
                 ) -> str | None:
    """Who should review a resubmission: whoever did the last round of this review, when
    that round sent the work back and the step it went back to has just been done again."""
    goes_back_to = {s.name for s in model.user_tasks.values() if spec.name in s.returned_from}
    if not goes_back_to:
        return None
    done = db.select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.COMPLETED,
        HumanTask.completed_at.is_not(None)).order_by(HumanTask.completed_at.desc()).limit(1)
    last = db.session.scalar(done)
    if last is None or last.name not in goes_back_to:
        return None
    earlier = db.session.scalar(done.where(HumanTask.name == spec.name))
    return earlier.completed_by if earlier else None


def _back_to_returner(instance: ProcessInstance, row: HumanTask, spec: UserTaskSpec,
                      model: ParsedModel, actor: str | None) -> None:
    person = _returned_it(instance, spec, model)
    if not person:
        return
    user = db.session.scalar(db.select(User).where(User.username == person))
    if user is None or access.may_be_assigned(user, row) is not None:
        return  # left, or may no longer do it: the review stays with the role's queue
    row.assignee = person
    history.record(instance.id, "assigned", actor, row,
                   {"assignee": person, "reason": "returned it for amending"})


def save(instance: ProcessInstance, workflow: BpmnWorkflow, model: ParsedModel,
         actor: str | None) -> list[HumanTask]:
    """Write the workflow's state back to the instance row and its tasks; new tasks returned.

    Raises `workflows.EngineError` if a new task's `dueDate` or `assignTo` runs too long."""
    now = utcnow()
    ready = workflows.ready_user_tasks(workflow)
    ready_ids = {t.engine_task_id for t in ready}
    open_rows = {t.engine_task_id: t for t in open_tasks(instance)}
    tasks_loaded = "tasks" not in sa.inspect(instance).unloaded
    for engine_id, row in open_rows.items():
        if engine_id not in ready_ids:  # withdrawn by the diagram, e.g. an interrupting timer
            row.status = TaskStatus.CANCELLED
            row.completed_at = now
            history.record(instance.id, "cancelled", actor, row)
    created = []
    for item in ready:
        if item.engine_task_id in open_rows:
            continue
        row = _new_task(instance, item, model.user_tasks[item.name], now)
        if tasks_loaded:
            instance.tasks.append(row)
        else:  # appending would load every row the case ever had
            db.session.add(row)
        created.append(row)
        if not row.assignee:
            _back_to_returner(instance, row, model.user_tasks[item.name], model, actor)
        elif row.assignee:
            history.record(instance.id, "assigned", actor, row, {"assignee": row.assignee})

    if workflows.is_completed(workflow):
        instance.status = InstanceStatus.COMPLETED
        instance.completed_at = now
        history.record(instance.id, "completed", actor, detail={"instance": "completed"})
    elif ready:
        instance.status = InstanceStatus.RUNNING
    else:
        instance.status = InstanceStatus.WAITING
    instance.data = json_safe(ready[0].data if ready else workflows.final_data(workflow))
    if done := workflows.newly_done(workflow):  # before dumps: compaction forgets them
        history.record(instance.id, history.PROGRESSED, actor, detail={"elements": done})
    instance.workflow_json = workflows.dumps(workflow)
    instance.next_timer_at = (
        None if instance.status == InstanceStatus.COMPLETED else workflows.next_timer_at(workflow)
    )
    waiting_since = dict(instance.timer_waits or {})
    instance.timer_waits = {} if instance.status == InstanceStatus.COMPLETED else {
        step: waiting_since.get(step, now.isoformat()) for step in workflows.timer_steps(workflow)}
    instance.updated_at = now
    return created


def open_tasks(instance: ProcessInstance) -> list[HumanTask]:
    """The case's ready task rows: from the collection when it is loaded, else only those."""
    if "tasks" not in sa.inspect(instance).unloaded:
        return [t for t in instance.tasks if t.status == TaskStatus.READY]
    return list(db.session.scalars(db.select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.READY)
        .order_by(HumanTask.created_at)))


def elements_done(instance_id: str) -> dict[str, int]:
    """How many times each diagram element has completed, from history (the task tree keeps
    only what the engine still needs)."""
    done: dict[str, int] = {}
    for detail in db.session.scalars(db.select(HistoryEvent.detail).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.event == history.PROGRESSED)):
        for element, times in ((detail or {}).get("elements") or {}).items():
            done[element] = done.get(element, 0) + times
    return done


def lock(instance_id: str, for_step: bool = False) -> ProcessInstance | None:
    """The instance row, locked until commit so only one actor advances it at a time.

    `for_step` also fetches what running the engine needs, in the same round trip. The task
    rows are not loaded with it (a case tracked for years has hundreds): a step reads only
    its ready rows (`open_tasks`); other callers load the collection when they touch it.
    """
    query = (db.select(ProcessInstance).where(ProcessInstance.id == instance_id)
             .with_for_update(of=ProcessInstance).execution_options(populate_existing=True)
             .options(lazyload(ProcessInstance.tasks)))
    if for_step:
        query = query.options(joinedload(ProcessInstance.model_version, innerjoin=True),
                              undefer(ProcessInstance.workflow_json))
    instance = db.session.scalar(query)
    # The case's task rows this request read before the lock (the task being claimed, say)
    # may be stale: another request may have claimed or completed it meanwhile. Expired, they
    # are read again on first use, now under the lock, so the checks after it see the truth.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, HumanTask) and obj.instance_id == instance_id:
            db.session.expire(obj)
    return instance
