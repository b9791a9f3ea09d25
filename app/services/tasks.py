"""The inbox query and what a person does with a task: claim, release, assign, complete."""
from __future__ import annotations

from sqlalchemy import and_, or_, update
from sqlalchemy.orm.exc import StaleDataError

from app.engine import workflows
from app.extensions import db
from app.models import HumanTask, InstanceStatus, TaskStatus, User, utcnow
from app.services import access, forms, history, instances, progress
from app.services.errors import Conflict, Forbidden, Invalid, NotFound


def inbox_query(user: User, filter_: str = "all", overdue: bool = False):
    """Ready tasks the user can act on, soonest due first; served by the status indexes."""
    mine = and_(HumanTask.status == TaskStatus.READY, HumanTask.assignee == user.username)
    claimable = and_(HumanTask.status == TaskStatus.READY, HumanTask.assignee.is_(None),
                     HumanTask.role.in_(sorted(user.role_keys)))
    condition = {"mine": mine, "claimable": claimable}.get(filter_, or_(mine, claimable))
    query = db.select(HumanTask).where(condition)
    if overdue:
        query = query.where(HumanTask.due_at < utcnow())
    return query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at,
                          HumanTask.id)


def get_visible(user: User, task_id: str) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    if task is None or not access.can_view_task(user, task):
        raise NotFound("No such task")
    return task


def _require_workable(user: User, task: HumanTask) -> None:
    if not access.can_work_on(user, task):
        raise Forbidden("This task is for another role")


def _lock_instance_of(task: HumanTask) -> None:
    """Every change to an instance or its tasks takes the instance's row lock first, so
    writers queue in one order (instance, then task) and can never deadlock."""
    progress.lock(task.instance_id)


def claim(user: User, task_id: str) -> HumanTask:
    task = get_visible(user, task_id)
    _require_workable(user, task)
    _lock_instance_of(task)
    result = db.session.execute(
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.status == TaskStatus.READY,
               or_(HumanTask.assignee.is_(None), HumanTask.assignee == user.username))
        .values(assignee=user.username)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(task)
    if result.rowcount == 0:
        if task.status != TaskStatus.READY:
            raise Conflict(f"This task is already {task.status}")
        raise Conflict(f"This task is held by {task.assignee}")
    history.record(task.instance_id, "claimed", user.username, task)
    return task


def release(user: User, task_id: str) -> HumanTask:
    task = get_visible(user, task_id)
    if task.assignee != user.username and not access.can_assign(user):
        raise Forbidden("Only the holder or a manager may release this task")
    _lock_instance_of(task)
    if task.status != TaskStatus.READY:
        raise Conflict(f"This task is already {task.status}")
    result = db.session.execute(
        update(HumanTask).where(HumanTask.id == task_id, HumanTask.status == TaskStatus.READY)
        .values(assignee=None).execution_options(synchronize_session=False))
    db.session.refresh(task)
    if result.rowcount == 0:
        raise Conflict(f"This task is already {task.status}")
    history.record(task.instance_id, "released", user.username, task)
    return task


def assign(user: User, task_id: str, username: str) -> HumanTask:
    task = get_visible(user, task_id)
    if not access.can_assign(user):
        raise Forbidden("Only a team manager or above may assign tasks")
    assignee = db.session.scalar(db.select(User).where(User.username == username))
    if assignee is None or not assignee.active:
        raise Invalid("Unknown user", {"username": [f"There is no active user {username!r}"]})
    _lock_instance_of(task)
    if task.status != TaskStatus.READY:
        raise Conflict(f"This task is already {task.status}")
    result = db.session.execute(
        update(HumanTask).where(HumanTask.id == task_id, HumanTask.status == TaskStatus.READY)
        .values(assignee=username).execution_options(synchronize_session=False))
    db.session.refresh(task)
    if result.rowcount == 0:
        raise Conflict(f"This task is already {task.status}")
    history.record(task.instance_id, "assigned", user.username, task, {"assignee": username})
    return task


def complete(user: User, task_id: str, data: dict) -> tuple[HumanTask, list[HumanTask]]:
    """Validate, run the engine on, and save in one transaction; (task, tasks now ready)."""
    task = get_visible(user, task_id)
    _require_workable(user, task)
    instance = progress.lock(task.instance_id)
    db.session.refresh(task)
    if task.status != TaskStatus.READY:
        raise Conflict(f"This task is already {task.status}")
    if task.assignee not in (None, user.username):
        raise Conflict(f"This task is held by {task.assignee}")
    if instance.status not in InstanceStatus.OPEN:
        raise Conflict(f"The instance is {instance.status}, not running")
    schema = forms.load_form(task.form_schema_file)
    errors = forms.validate(schema, data)
    if errors:
        raise Invalid("The form has errors", errors)
    data = forms.keep_form_fields(schema, data)

    if task.assignee is None:
        task.assignee = user.username
        history.record(instance.id, "claimed", user.username, task)
    workflow, model = progress.load(instance)
    try:
        workflows.complete_user_task(workflow, task.engine_task_id, data)
    except workflows.EngineError as exc:
        raise instances.mark_error(instance.id, user.username, str(exc),
                                   {"task": task.name, "submitted": data}) from None
    now = utcnow()
    task.status = TaskStatus.COMPLETED
    task.completed_at = now
    task.completed_by = user.username
    task.submitted_data = data
    history.record(instance.id, "completed", user.username, task, {"data": data})
    created = progress.save(instance, workflow, model, user.username)
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(
            "Someone else changed this case at the same moment; reload and retry") from None
    return task, created
