"""Due-soon reminders and overdue escalations for every task whose diagram gives a due date.

Run by the scheduler (embedded or Celery) with the timers. Each notification is made once per
task, person and kind (a unique key), shown in the person's inbox, and emailed through the
one email channel (services/notify.py) when one is configured and the person has an address.
A failed send is retried on the next run.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    HumanTask,
    Notification,
    NotificationKind,
    Role,
    TaskStatus,
    User,
    utcnow,
)
from app.services import absences, access
from app.services.notify import send_pending


def long_date(moment: datetime | None) -> str:
    return f"{moment.day} {moment:%B %Y}" if moment else "no date"
MANAGER_ROLE = "team_manager"


def role_holders(role: str) -> list[str]:
    return list(db.session.scalars(
        db.select(User.username).join(User.roles).where(Role.key == role, User.active)))


def _team_managers(task: HumanTask) -> list[str]:
    """The managers of the case's team (access.managed_teams), not of whoever holds it."""
    if not task.team:
        return []
    return [user.username for user in db.session.scalars(
        db.select(User).join(User.roles).where(Role.key == MANAGER_ROLE, User.active))
        if task.team in access.managed_teams(user) and user.username != task.assignee]


def notify(task: HumanTask, username: str, kind: str, message: str) -> Notification | None:
    try:
        with db.session.begin_nested():  # made once, even by two schedulers at the same time
            note = Notification(username=username, task_id=task.id, instance_id=task.instance_id,
                                kind=kind, message=message)
            db.session.add(note)
        return note
    except IntegrityError:
        return None


def _already(kind: str):
    return db.select(Notification.task_id).where(Notification.kind == kind)


def offered_to(task: HumanTask) -> list[str]:
    """Its holder (or, while the holder is away, their cover), or everyone it is offered to
    (the role, within the team if team-bound)."""
    if task.assignee:
        return [absences.cover_for_task(task) or task.assignee]
    return [user.username for user in db.session.scalars(
        db.select(User).join(User.roles).where(Role.key == task.role, User.active))
        if access.holds_role_for(user, task) and user.username not in access.excluded_from(task)]


def _case(task: HumanTask) -> str:
    subject = task.subject or {}
    return subject.get("name") or subject.get("child_ref") or "a case"


def _ready(*conditions):
    return db.session.scalars(db.select(HumanTask).where(
        HumanTask.status == TaskStatus.READY, *conditions))


def run(moment: datetime | None = None) -> list[Notification]:
    """Make the notifications now due; returns the new ones (and emails them)."""
    moment = moment or utcnow()
    lead = timedelta(hours=current_app.config.get("REMINDER_LEAD_HOURS", 24))
    made: list[Notification | None] = []
    for task in _ready(HumanTask.due_at > moment, HumanTask.due_at <= moment + lead,
                       HumanTask.id.not_in(_already(NotificationKind.DUE_SOON))):
        message = f"“{task.title}” for {_case(task)} is due {long_date(task.due_at)}."
        made += [notify(task, name, NotificationKind.DUE_SOON, message)
                 for name in offered_to(task)]
    for task in _ready(HumanTask.due_at <= moment,
                       HumanTask.id.not_in(_already(NotificationKind.OVERDUE))):
        when = long_date(task.due_at)
        message = f"“{task.title}” for {_case(task)} was due {when} and is overdue."
        made += [notify(task, name, NotificationKind.OVERDUE, message) for name in offered_to(task)]
        held_by = f"held by {task.assignee}" if task.assignee else "not yet claimed"
        escalation = (f"Overdue in your team: “{task.title}” for {_case(task)}, {held_by}, "
                      f"was due {when}.")
        made += [notify(task, manager, NotificationKind.ESCALATION, escalation)
                 for manager in _team_managers(task)]
    db.session.commit()
    send_pending(moment)  # these, and every other notice waiting to be emailed
    return [note for note in made if note is not None]


def unread(username: str, limit: int = 10) -> list[Notification]:
    return list(db.session.scalars(
        db.select(Notification).where(Notification.username == username,
                                      Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def for_user(username: str, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(
        db.select(Notification).where(Notification.username == username)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_all_read(username: str) -> int:
    notes = unread(username, limit=10_000)
    for note in notes:
        note.read_at = utcnow()
    return len(notes)
