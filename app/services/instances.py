"""Starting pathways, finding the instances a user may see, and controlling them."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import exists

from app import audit, metrics
from app.engine import form_schema, workflows
from app.engine.specs import SPECS
from app.extensions import db
from app.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus, Team, User, utcnow
from app.services import access, allocation, deployment, forms, history, panels, progress
from app.services.errors import Conflict, Forbidden, Invalid, NotFound, StepFailed

# What a person may give when starting a case: its subject (who the child is) and answers
# to the start form, if the diagram has one. Everything else is the pathway's own.
START_DATA_MAX_BYTES = 64 * 1024
START_DATA_MAX_DEPTH = 8
SUBJECT_MAX_BYTES = 4 * 1024
SUBJECT_MAX_DEPTH = 2


def _too_big(value, max_bytes: int, max_depth: int, what: str) -> str | None:
    size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    if size > max_bytes:
        return f"The {what} is {size:,} bytes; at most {max_bytes:,} are accepted"
    if form_schema.json_depth(value) > max_depth:
        return f"The {what} is nested more than {max_depth} levels deep"
    return None


def start_data_errors(version, subject: dict, data: dict) -> dict[str, list[str]]:
    """Field errors (empty when none) for what a person gives to start a case: only the start
    form's fields, none of the names the pathway keeps for itself, valid against the form,
    within size and depth limits."""
    errors: dict[str, list[str]] = {}
    if problem := _too_big(subject, SUBJECT_MAX_BYTES, SUBJECT_MAX_DEPTH, "subject"):
        errors["subject"] = [problem]
    if problem := _too_big(data, START_DATA_MAX_BYTES, START_DATA_MAX_DEPTH, "start data"):
        return {**errors, "data": [problem]}
    model = progress.model_for_version(version)
    schema = forms.load_form(model.start_form, version) if model.start_form else {}
    fields = set(schema.get("properties") or {})
    for key in data:
        if key in forms.RESERVED_NAMES or key.startswith("_"):
            errors[f"data.{key}"] = [f"{key!r} is a name the pathway keeps for itself"]
        elif key not in fields:
            errors[f"data.{key}"] = [f"{key!r} is not a field of this pathway's start form"
                                     if schema else "This pathway takes no start data"]
    if errors or not schema:
        return errors
    return {f"data.{field}" if field != "_form" else "data": messages
            for field, messages in forms.validate(schema, data).items()}


def start(user: User, process_key: str, subject: dict, data: dict,
          allocated_worker: str | None = None) -> ProcessInstance:
    """`allocated_worker`: the username of the child's social worker (app/services/
    allocation.py); by default the starter, if they are a social worker."""
    version = deployment.latest_version(process_key)
    if version is None:
        raise Invalid("Unknown process model",
                      {"process_model": [f"No process model is deployed as {process_key!r}"]})
    if not set(version.start_roles) & user.role_keys:
        raise Forbidden("None of your roles may start this pathway")
    errors = start_data_errors(version, subject, data)
    if errors:
        raise Invalid("The start data has errors", errors)
    allocated = allocation.at_start(user, user.team, allocated_worker)
    # A start form's field left out takes the form's default, so the diagram can rely on it
    # being there (a case begun on the web page, which asks none of them, included).
    data = {**_start_defaults(version), **data}
    return _start(version, user.username, subject, data, (user.team, user.service), allocated)


def _start_defaults(version) -> dict:
    model = progress.model_for_version(version)
    schema = forms.load_form(model.start_form, version) if model.start_form else {}
    return {name: field["default"] for name, field in (schema.get("properties") or {}).items()
            if isinstance(field, dict) and "default" in field}


def start_as_system(process_key: str, subject: dict, data: dict, actor: str = "system",
                    owner: tuple[str | None, str | None] = (None, None),
                    allocated_worker: str | None = None) -> ProcessInstance:
    """Start a pathway the service itself begins (a panel's minutes, a note to file), inside
    the caller's transaction; the case whose step is running stays the current one. A case
    begun for a child's case keeps that case's allocated worker."""
    version = deployment.latest_version(process_key)
    if version is None:
        raise LookupError(f"no process model {process_key!r} is deployed")
    token = panels.current_instance.set(None)
    try:
        return _start(version, actor, subject, data, owner, allocated_worker)
    finally:
        panels.current_instance.reset(token)


def begin_from_diagram(process_key: str, data: dict) -> str:
    """What a diagram's `begin_pathway(...)` runs: a new case for the same child, begun by the
    service, knowing which case began it."""
    parent_id = panels.current_instance.get()
    parent = db.session.get(ProcessInstance, parent_id) if parent_id else None
    if parent is None:
        raise RuntimeError("begin_pathway() can only run within a case's step")
    child = start_as_system(process_key, parent.subject or {},
                            {**data, "begun_by_case": parent.id,
                             "begun_by_pathway": parent.process_key,
                             "case_initiator": parent.started_by},
                            owner=(parent.team, parent.service),
                            allocated_worker=parent.allocated_worker)
    history.record(parent.id, "began_pathway", "system",
                   detail={"process_model": process_key, "instance_id": child.id})
    return child.id


def _start(version, started_by: str, subject: dict, data: dict,
           owner: tuple[str | None, str | None],
           allocated_worker: str | None = None) -> ProcessInstance:
    model = SPECS.get(version.id, version.content_hash, lambda: version.bpmn_xml)
    instance = ProcessInstance(
        model_version_id=version.id, model_version=version, process_key=version.key,
        status=InstanceStatus.RUNNING, child_ref=subject.get("child_ref"), subject=subject,
        started_at=utcnow(), started_by=started_by, workflow_json="", data={},
        team=owner[0], service=owner[1], allocated_worker=allocated_worker,
    )
    db.session.add(instance)
    db.session.flush()
    history.record(instance.id, "started", started_by, detail={
        "subject": subject, "data": data, "allocated_worker": allocated_worker})
    panels.current_instance.set(instance.id)
    initial = {**data, "initiator": started_by, "subject": subject}
    try:
        workflow = workflows.start(model.spec, model.subprocess_specs, initial)
        progress.save(instance, workflow, model, started_by)
    except workflows.EngineError as exc:
        raise Invalid(f"The pathway could not start: {exc}") from None
    return instance


def query_visible(user: User, process_model: str | None = None, status: str | None = None,
                  child_ref: str | None = None, overdue: bool = False, team: str | None = None):
    query = db.select(ProcessInstance).where(access.visible_instances(user))
    if process_model:
        query = query.where(ProcessInstance.process_key == process_model)
    if status:
        query = query.where(ProcessInstance.status == status)
    if child_ref:
        query = query.where(ProcessInstance.child_ref == child_ref)
    if team:
        query = query.where(ProcessInstance.team == team)
    if overdue:
        query = query.where(exists().where(
            HumanTask.instance_id == ProcessInstance.id, HumanTask.status == TaskStatus.READY,
            HumanTask.due_at < utcnow()))
    return query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)


def get_visible(user: User, instance_id: str) -> ProcessInstance:
    instance = db.session.scalar(db.select(ProcessInstance).where(
        ProcessInstance.id == instance_id, access.visible_instances(user)))
    if instance is None:
        hidden = db.session.get(ProcessInstance, instance_id)
        if hidden is not None:  # it exists: a look at a child's record the user may not see
            audit.note("instance", instance_id, hidden.child_ref, refused=True)
        raise NotFound("No such process instance")
    audit.note("instance", instance.id, instance.child_ref)
    return instance


def _controlled(user: User, instance_id: str) -> ProcessInstance:
    get_visible(user, instance_id)
    if not access.can_control_instances(user):
        raise Forbidden("Only a manager or process owner may do this")
    return progress.lock(instance_id)


def suspend(user: User, instance_id: str, reason: str | None = None) -> ProcessInstance:
    instance = _controlled(user, instance_id)
    if instance.status not in InstanceStatus.OPEN:
        raise Conflict(f"The instance is {instance.status}, not running")
    history.record(instance.id, "suspended", user.username,
                   detail={"reason": reason, "was": instance.status})
    instance.status = InstanceStatus.SUSPENDED
    instance.updated_at = utcnow()
    return instance


def resume(user: User, instance_id: str) -> ProcessInstance:
    instance = _controlled(user, instance_id)
    if instance.status != InstanceStatus.SUSPENDED:
        raise Conflict(f"The instance is {instance.status}, not suspended")
    workflow, model = progress.load(instance)
    history.record(instance.id, "resumed", user.username)
    progress.save(instance, workflow, model, user.username)
    return instance


def terminate(user: User, instance_id: str, reason: str | None = None) -> ProcessInstance:
    instance = _controlled(user, instance_id)
    if instance.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
        raise Conflict(f"The instance is already {instance.status}")
    now = utcnow()
    for task in instance.tasks:
        if task.status == TaskStatus.READY:
            task.status = TaskStatus.CANCELLED
            task.completed_at = now
    history.record(instance.id, "terminated", user.username, detail={"reason": reason})
    instance.status = InstanceStatus.TERMINATED
    instance.completed_at = now
    instance.next_timer_at = None
    instance.updated_at = now
    return instance


def teams() -> dict[str, str | None]:
    """Every team (its key), with its service's key, in the order of their names."""
    return {team.key: team.service_key
            for team in db.session.scalars(db.select(Team).order_by(Team.name, Team.key))}


def change_team(user: User, instance_id: str, team: str | None) -> ProcessInstance:
    """Hand a case to another team (and that team's service): its managers see it from then
    on. A case belongs to its starter's team until someone moves it."""
    if not access.can_move_team(user, get_visible(user, instance_id)):
        raise Forbidden("Only a manager of the case's team or service may move it to another "
                        "team")
    known = teams()
    if team not in known:
        raise Invalid("Unknown team", {"team": ["Choose one of the teams in the list"]})
    instance = progress.lock(instance_id)
    if instance.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
        raise Conflict(f"The case is {instance.status}; it stays with the team it ended in")
    if instance.team == team:
        raise Invalid("Same team", {"team": [f"The case is already with {team}"]})
    history.record(instance.id, "team_changed", user.username,
                   detail={"from": instance.team, "to": team})
    instance.team, instance.service = team, known[team]
    for task in instance.tasks:  # its open work is offered in the new team from now on
        if task.status == TaskStatus.READY:
            task.team = team
    instance.updated_at = utcnow()
    return instance


def change_allocated_worker(user: User, instance_id: str, username: str | None) -> ProcessInstance:
    """Allocate the case to another social worker; their open steps follow."""
    seen = get_visible(user, instance_id)
    if not allocation.may_change(user, seen):
        raise Forbidden("Only a manager of the case's team or service may change its "
                        "allocated worker")
    instance = progress.lock(instance_id)
    if instance.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
        raise Conflict(f"The case is {instance.status}; its allocation is kept as it ended")
    new = allocation.person(username)
    if problem := allocation.why_not(new, instance.team):
        raise Invalid("The allocated worker cannot be given this case",
                      {allocation.FIELD: [problem]})
    old = instance.allocated_worker
    if old == new.username:
        raise Invalid("Same worker",
                      {allocation.FIELD: [f"{new.display_name} is already allocated"]})
    history.record(instance.id, "allocated_worker_changed", user.username,
                   detail={"from": old, "to": new.username})
    audit.note("instance", instance.id, instance.child_ref,
               detail={allocation.FIELD: {"from": old, "to": new.username}})
    instance.allocated_worker = new.username
    allocation.move_open_steps(instance, old, new.username, user.username)
    instance.updated_at = utcnow()
    return instance


def retry(user: User, instance_id: str) -> ProcessInstance:
    """After an error: the case runs again from where it stood before the failed step (which
    was rolled back). A failed timer fires again when the scheduler next looks; a failed step
    is ready again, with what was submitted kept as its draft, to submit as it was or
    corrected."""
    instance = _controlled(user, instance_id)
    if instance.status != InstanceStatus.ERROR:
        raise Conflict(f"The instance is {instance.status}, not stopped by an error")
    failed = history.latest(instance.id, "error")
    detail = (failed.detail or {}) if failed else {}
    for task in instance.tasks:
        if (task.status == TaskStatus.READY and task.name == detail.get("task")
                and not task.draft_data and detail.get("submitted")):
            task.draft_data, task.draft_raw = detail["submitted"], None
    workflow, model = progress.load(instance)
    history.record(instance.id, "retried", user.username,
                   detail={"error": instance.error_message})
    instance.error_message = None
    progress.save(instance, workflow, model, user.username)
    return instance


def mark_error(instance_id: str, actor: str | None, message: str, detail: dict) -> StepFailed:
    """After a rolled-back step: record the error (and what was submitted) on the instance."""
    db.session.rollback()
    instance = progress.lock(instance_id)
    instance.status = InstanceStatus.ERROR
    instance.error_message = message
    instance.updated_at = utcnow()
    history.record(instance_id, "error", actor, detail={"message": message, **detail})
    metrics.count_on_commit(metrics.STEPS_FAILED, pathway=instance.process_key)
    return StepFailed(f"The pathway failed at this step and was stopped: {message}. "
                      "Nothing you submitted is lost; a manager can retry it.")


def due_query(as_of: datetime):
    """Open cases with a timer due by `as_of`: one range of ix_process_instances_due per open
    status, so its cost follows the due cases, not the waiting ones."""
    return db.select(ProcessInstance.id).where(
        ProcessInstance.next_timer_at <= as_of,
        ProcessInstance.status.in_(InstanceStatus.OPEN)).order_by(ProcessInstance.next_timer_at)


def due_before(as_of: datetime) -> list[str]:
    return list(db.session.scalars(due_query(as_of)))
