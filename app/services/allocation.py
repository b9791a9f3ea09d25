"""The child's allocated social worker (issue 19 item 3).

The seeds give some steps to "the child's social worker" (the CDMF, the weekly update for a
tracked place, the permanence tracker, the note of a panel's discussion on the child's
record). The diagram says so with `assignTo="case_allocated_worker"`; the person is the case's
data, not whoever happened to start it (a service manager for Placement Forum Part 2, the
service for Part 3 begun from Part 1, the administrator for permanence planning).

Set at start: whoever is named (a social worker in the case's team), else the starter if they
are a social worker, else nobody yet (the steps wait in the team's social-work queue until the
team manager allocates someone). A case one pathway begins from another keeps its parent's.
Changed by the managers of the case's team or service (and `manager`): the open steps the
diagram gives to the child's social worker move to the new worker.
"""
from __future__ import annotations

from app.extensions import db
from app.models import ProcessInstance, TaskStatus, User
from app.services import access, history, progress
from app.services.errors import Invalid

SOCIAL_WORKER = "social_worker"
FIELD = "allocated_worker"


def person(username: str | None) -> User | None:
    if not username:
        return None
    return db.session.scalar(db.select(User).where(User.username == username))


def name_of(username: str | None) -> str | None:
    """The allocated worker's name as people read it (never their username)."""
    user = person(username)
    return user.display_name if user else username


def why_not(user: User | None, team: str | None) -> str | None:
    """Why this person cannot be a case's allocated worker, or None if they can."""
    if user is None or not user.active:
        return "Choose a social worker who works here"
    if SOCIAL_WORKER not in user.role_keys:
        return f"{user.display_name} is not a social worker"
    if team and user.team != team:
        return f"{user.display_name} is not in this case's team"
    return None


def at_start(starter: User, team: str | None, named: str | None) -> str | None:
    """The allocated worker of a case the starter begins in `team` (Invalid if the named
    person cannot be)."""
    if named:
        user = person(named)
        if problem := why_not(user, team):
            raise Invalid("The allocated worker cannot be given this case", {FIELD: [problem]})
        return user.username
    return starter.username if why_not(starter, team) is None else None


def may_change(user: User, instance: ProcessInstance) -> bool:
    """The same people who may move the case to another team: managers of its team or
    service, and the manager role (app/services/access.py)."""
    return access.can_move_team(user, instance)


def social_workers(team: str | None) -> list[User]:
    """The active social workers of a team (of every team when there is none), by name."""
    query = db.select(User).where(User.active.is_(True)).order_by(User.display_name)
    if team:
        query = query.where(User.team == team)
    return [u for u in db.session.scalars(query) if SOCIAL_WORKER in u.role_keys]


def candidates(instance: ProcessInstance) -> list[User]:
    """The social workers of the case's team: whom the allocation may go to."""
    return social_workers(instance.team)


def move_open_steps(instance: ProcessInstance, old: str | None, new: str, actor: str) -> None:
    """The open steps the diagram gives to the child's social worker, held by the old worker
    or waiting unallocated in the queue, go to the new one (a step someone else was given by
    hand stays with them)."""
    model = progress.model_for_version(instance.model_version)
    for task in instance.tasks:
        spec = model.user_tasks.get(task.name)
        if (task.status != TaskStatus.READY or spec is None
                or spec.assign_to != progress.ALLOCATED_WORKER
                or task.assignee not in (old, None)):
            continue
        task.assignee = new
        history.record(instance.id, "assigned", actor, task,
                       {"assignee": new, "reason": "allocated worker changed"})
