"""The inbox query and what a person does with a task: claim, release, assign, complete."""
from __future__ import annotations

from sqlalchemy import and_, func, literal_column, or_
from sqlalchemy.orm.exc import StaleDataError

from app import audit, metrics
from app.engine import workflows
from app.extensions import db
from app.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus, User, utcnow
from app.services import (
    access,
    decisions,
    documents,
    forms,
    history,
    instances,
    meeting_changes,
    panels,
    progress,
)
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.form_conditions import drop_inapplicable, settle
from app.services.rounds import unanswered_own


def _queues(user: User, filter_: str) -> list:
    """The inbox as disjoint queues, each one range of an inbox index."""
    ready = HumanTask.status == TaskStatus.READY
    queues = []
    if filter_ in ("mine", "all"):
        queues.append(and_(ready, HumanTask.assignee == user.username))
        absent = sorted(access.covering_for(user))
        if absent:  # the work of colleagues whose absence they cover (access.covers)
            queues.append(and_(ready, HumanTask.assignee.in_(absent)))
    if filter_ in ("claimable", "all"):
        # Written inline, not as bound parameters: only then can either database prove the
        # query matches the partial index ix_human_tasks_inbox_claimable.
        unassigned = and_(HumanTask.status == literal_column("'ready'"),
                          HumanTask.assignee.is_(None))
        bound, teams = access.team_bound_roles(), sorted(access.member_teams(user))
        for role in sorted(user.role_keys):
            queue = and_(unassigned, HumanTask.role == role)
            if role in bound:  # offered within the case's team only (access.py)
                queue = and_(queue, HumanTask.team.in_(teams)) if teams else None
            if queue is not None:
                queues.append(queue)
    return queues


def _narrowed(queue, overdue: bool, process_key: str | None, search: str | None):
    if overdue:
        queue = and_(queue, HumanTask.due_sort < utcnow())
    if process_key:
        queue = and_(queue, HumanTask.process_key == process_key)
    if search:
        term = search.strip()
        queue = and_(queue, or_(
            HumanTask.subject["child_ref"].as_string() == term,
            HumanTask.subject["name"].as_string().ilike(f"%{term}%"),
        ))
    return queue


def inbox(user: User, filter_: str = "all", overdue: bool = False, page: int = 1,
          per_page: int = 50, process_key: str | None = None, search: str | None = None) -> dict:
    """Ready tasks the user can act on, soonest due first: `{"items", "total"}`.

    An OR across queues would make the database sort every matching row; instead each
    queue gives at most one page's worth of rows in index order and they are merged here.
    """
    queues = [_narrowed(q, overdue, process_key, search) for q in _queues(user, filter_)]
    needed = page * per_page
    total = 0
    rows: list[HumanTask] = []
    for queue in queues:
        total += db.session.scalar(db.select(func.count()).select_from(HumanTask).where(queue))
        rows += db.session.scalars(db.select(HumanTask).where(queue)
                                   .order_by(HumanTask.due_sort, HumanTask.id).limit(needed))
    rows.sort(key=lambda task: (task.due_sort, task.id))
    # A step kept apart from this person (they made the request) is not offered to them, nor
    # is an absent colleague's step they could not be handed themselves.
    rows = [task for task in rows if user.username not in access.excluded_from(task)
            and task.assignee in (None, user.username) or access.covers(user, task)]
    return {"items": rows[(page - 1) * per_page:needed], "total": total}


def get_visible(user: User, task_id: str) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    child_ref = (task.subject or {}).get("child_ref") if task is not None else None
    if task is None or not access.can_view_task(user, task):
        if task is not None:
            audit.note("task", task_id, child_ref, refused=True)
        raise NotFound("No such task")
    audit.note("task", task.id, child_ref)
    return task


def _require_workable(user: User, task: HumanTask) -> None:
    if user.username in access.excluded_from(task):
        raise Forbidden("You made this request or did an earlier step that this one must be "
                        "kept apart from: someone else must do it")
    if not access.can_work_on(user, task):
        raise Forbidden("This task is for another role or team")


def _holds(user: User, task: HumanTask) -> bool:
    """The step is the user's, or free, or its holder is away and the user covers them."""
    return task.assignee in (None, user.username) or access.covers(user, task) is not None


def _on_behalf(user: User, task: HumanTask, detail: dict | None = None) -> dict | None:
    """History detail for what a cover does: {"for": the absent holder}, added to `detail`."""
    absent = access.covers(user, task)
    return {**(detail or {}), "for": absent} if absent else detail


def _hand_over(user: User, task: HumanTask, assignee: str | None, event: str,
               detail: dict | None = None) -> HumanTask:
    """Change who holds a ready task, under the instance's row lock.

    Every change to an instance or its tasks takes that lock first, so writers queue in one
    order (instance, then task) and never deadlock; locking also reloads the task
    (populate_existing), so the checks below see whatever another request just committed.
    """
    progress.lock(task.instance_id)
    if task.status != TaskStatus.READY:
        raise Conflict(f"This task is already {task.status}")
    if event == "claimed" and not _holds(user, task):
        raise Conflict(f"This task is held by {task.assignee}")
    if event in ("claimed", "assigned") and task.assignee == assignee:
        return task  # already theirs: nothing happened, so nothing is recorded
    task.assignee = assignee
    history.record(task.instance_id, event, user.username, task, detail)
    return task


def claim(user: User, task_id: str) -> HumanTask:
    task = get_visible(user, task_id)
    _require_workable(user, task)
    return _hand_over(user, task, user.username, "claimed", _on_behalf(user, task))


def release(user: User, task_id: str) -> HumanTask:
    task = get_visible(user, task_id)
    if task.assignee != user.username and not (
            access.can_assign(user) and (access.manages(user, task.instance)
                                         or access.oversees(user))):
        raise Forbidden("Only the holder or a manager of this case's team may release this task")
    return _hand_over(user, task, None, "released")


def assign(user: User, task_id: str, username: str) -> HumanTask:
    task = get_visible(user, task_id)
    if not access.can_assign(user):
        raise Forbidden("Only a team manager or above may assign tasks")
    if not (access.manages(user, task.instance) or access.oversees(user)):
        raise Forbidden("Only a manager of this case's team or service may assign its tasks")
    assignee = db.session.scalar(db.select(User).where(User.username == username))
    if assignee is None or not assignee.active:
        raise Invalid("Unknown user", {"username": [f"There is no active user {username!r}"]})
    refused = access.may_be_assigned(assignee, task)
    if refused:
        raise Invalid("Cannot assign to this person", {"username": [refused]})
    return _hand_over(user, task, username, "assigned", {"assignee": username})


def save_draft(user: User, task_id: str, data: dict,
               typed: list[list[str]] | None = None) -> HumanTask:
    """Keep what the person has typed so far, valid or not, without completing the task.

    `data` is what could be read; `typed`, when some answers could not be read, is every
    input as typed ([[name, text], ...]) so the page can show them back exactly.
    """
    task = get_visible(user, task_id)
    _require_workable(user, task)
    progress.lock(task.instance_id)
    if task.status != TaskStatus.READY:
        raise Conflict(f"This task is already {task.status}")
    if not _holds(user, task):
        raise Conflict(f"This task is held by {task.assignee}")
    if task.assignee is None:
        task.assignee = user.username
        history.record(task.instance_id, "claimed", user.username, task)
    task.draft_data = forms.keep_form_fields(forms.task_form(task), data)
    task.draft_raw = typed or None
    return task


def _check_open(user: User, task: HumanTask, instance: ProcessInstance) -> None:
    if task.status != TaskStatus.READY:
        raise Conflict(f"This task is already {task.status}")
    if not _holds(user, task):
        raise Conflict(f"This task is held by {task.assignee}")
    if instance.status not in InstanceStatus.OPEN:
        raise Conflict(f"The instance is {instance.status}, not running")


def _validate(schema: dict, data: dict, known: dict | None) -> None:
    errors = forms.validate(schema, data, context=known)
    if errors:
        raise Invalid("The form has errors", errors)


def complete(user: User, task_id: str, data: dict) -> tuple[ProcessInstance, list[HumanTask]]:
    """Validate (holding no lock), then run the engine and save in one transaction under the
    instance lock; (instance, new tasks)."""
    task = get_visible(user, task_id)
    _require_workable(user, task)
    _check_open(user, task, task.instance)
    schema = forms.task_form(task)
    known = task.instance.data
    # Checking the answers is the costly part of a submission that is refused: do it holding
    # no lock. On SQLite even a read holds the database's write lock (BEGIN IMMEDIATE) until
    # the transaction ends, so end it; nothing has been written yet.
    db.session.commit()
    _validate(schema, data, known)
    return complete_checked(user, task, data, schema, known)


def complete_checked(user: User, task: HumanTask, data: dict, schema: dict | None,
                     known: dict) -> tuple[ProcessInstance, list[HumanTask]]:
    """The rest of `complete`, once the answers were checked against `known` (the case's
    data then): nothing is committed, so several steps can complete in one transaction
    (team_updates.py)."""
    documents.check_answers(task, data)  # a document's id must be this case's own file
    # As in _hand_over: lock first; the reload shows `task` as another request left it.
    instance = progress.lock(task.instance_id, for_step=True)
    _check_open(user, task, instance)
    if instance.data != known:  # another step moved the case on: its rules may now differ
        _validate(schema, data, instance.data)
    # An answer to a question that does not apply (its condition's answer says so) is not
    # recorded, whichever client sent it: the page hides it, and the API must not let it in.
    data = drop_inapplicable(settle(schema or {}, instance.data),
                             forms.keep_form_fields(schema, data), forms.task_form(task, ui=True))
    meeting_changes.follow_date_change(user, instance.id, data)

    if task.assignee is None:
        task.assignee = user.username
        history.record(instance.id, "claimed", user.username, task)
    workflow, model = progress.load(instance)
    try:
        inherited = workflows.task_data(workflow, task.engine_task_id)
        forget = unanswered_own(task, inherited, data)
        workflows.complete_user_task(workflow, task.engine_task_id, data, forget)
    except workflows.EngineError as exc:
        raise instances.mark_error(instance.id, user.username, str(exc),
                                   {"task": task.name, "submitted": data}) from None
    now = utcnow()
    task.status = TaskStatus.COMPLETED
    task.completed_at = now
    task.completed_by = user.username
    task.submitted_data = data
    task.draft_data = task.draft_raw = None
    history.record(instance.id, "completed", user.username, task,
                   _on_behalf(user, task, {"data": data}))
    metrics.count_on_commit(metrics.TASKS_COMPLETED, pathway=task.process_key)
    decision_fields = model.user_tasks[task.name].decision_fields
    if decision_fields:
        panels.record_decision(instance.id, decision_fields, data, inherited)
        decisions.recorded(user, instance, task, model.user_tasks[task.name], data,
                           workflows.task_data(workflow, task.engine_task_id))
    try:
        created = progress.save(instance, workflow, model, user.username)
    except workflows.EngineError as exc:
        raise instances.mark_error(instance.id, user.username, str(exc),
                                   {"task": task.name, "submitted": data}) from None
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(
            "Someone else changed this case at the same moment; reload and retry") from None
    return instance, created
