"""Starting pathways, finding the instances a user may see, and controlling them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists

from app import audit
from app.engine import workflows
from app.engine.specs import SPECS
from app.extensions import db
from app.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus, User, utcnow
from app.services import access, deployment, history, panels, progress
from app.services.errors import Conflict, Forbidden, Invalid, NotFound, StepFailed


def start(user: User, process_key: str, subject: dict, data: dict) -> ProcessInstance:
    version = deployment.latest_version(process_key)
    if version is None:
        raise Invalid("Unknown process model",
                      {"process_model": [f"No process model is deployed as {process_key!r}"]})
    if not set(version.start_roles) & user.role_keys:
        raise Forbidden("None of your roles may start this pathway")
    return _start(version, user.username, subject, data, (user.team, user.service))


def start_as_system(process_key: str, subject: dict, data: dict, actor: str = "system",
                    owner: tuple[str | None, str | None] = (None, None)) -> ProcessInstance:
    """Start a pathway the service itself begins (a panel's minutes, a note to file), inside
    the caller's transaction; the case whose step is running stays the current one."""
    version = deployment.latest_version(process_key)
    if version is None:
        raise LookupError(f"no process model {process_key!r} is deployed")
    token = panels.current_instance.set(None)
    try:
        return _start(version, actor, subject, data, owner)
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
                            owner=(parent.team, parent.service))
    history.record(parent.id, "began_pathway", "system",
                   detail={"process_model": process_key, "instance_id": child.id})
    return child.id


def _start(version, started_by: str, subject: dict, data: dict,
           owner: tuple[str | None, str | None]) -> ProcessInstance:
    model = SPECS.get(version.id, version.content_hash, lambda: version.bpmn_xml)
    instance = ProcessInstance(
        model_version_id=version.id, model_version=version, process_key=version.key,
        status=InstanceStatus.RUNNING, child_ref=subject.get("child_ref"), subject=subject,
        started_at=utcnow(), started_by=started_by, workflow_json="", data={},
        team=owner[0], service=owner[1],
    )
    db.session.add(instance)
    db.session.flush()
    history.record(instance.id, "started", started_by, detail={"subject": subject, "data": data})
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
    """Every team someone active works in, with its service."""
    found: dict[str, str | None] = {}
    for team, service in db.session.execute(
            db.select(User.team, User.service).where(User.active, User.team.is_not(None))
            .distinct().order_by(User.team)):
        if found.get(team) is None:
            found[team] = service
    return found


def change_team(user: User, instance_id: str, team: str | None) -> ProcessInstance:
    """Hand a case to another team (and that team's service): its managers see it from then
    on. A case belongs to its starter's team until someone moves it."""
    get_visible(user, instance_id)
    if not access.can_assign(user):
        raise Forbidden("Only a team manager or above may move a case to another team")
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
            task.draft_data = detail["submitted"]
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
    return StepFailed(f"The pathway failed at this step and was stopped: {message}. "
                      "Nothing you submitted is lost; a manager can retry it.")


def due_before(as_of: datetime) -> list[str]:
    return list(db.session.scalars(db.select(ProcessInstance.id).where(
        ProcessInstance.next_timer_at <= as_of,
        ProcessInstance.status.in_(InstanceStatus.OPEN)).order_by(ProcessInstance.next_timer_at)))
