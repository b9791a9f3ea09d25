"""New work reaches people: whoever a ready task is given to, or whose queue it arrives in, gets
a notice in their inbox (and by email, at once or in their daily digest: services/notify.py).

Work changes hands in many places: a diagram's assignTo when a step becomes ready
(progress.save), a manager's assign, a release back to the queue, a leaver's work handed over
or returned (people.py), a case moved to another team. Rather than each of them remembering
to tell people, the session is watched: before every flush, each ready task that is new, or
whose holder or team changed, makes its notices in the same transaction. So a notice exists
exactly when the change is committed, and a path added later is covered too.

Nobody is told of work they gave themselves (a claim, a step that returns to its doer): the
person making the request is left out.
"""
from __future__ import annotations

from flask import Flask, g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import HumanTask, Notification, NotificationKind, TaskStatus, utcnow
from app.models.instances import new_id
from app.services.reminders import _case, long_date, offered_to


def _actor() -> str | None:
    user = g.get("user") if has_app_context() else None
    return user.username if user is not None else None


def _changed(task: HumanTask) -> bool:
    state = inspect(task)
    return (state.attrs.assignee.history.has_changes()
            or state.attrs.team.history.has_changes())


def _message(task: HumanTask, kind: str) -> str:
    due = f", due {long_date(task.due_at)}" if task.due_at else ""
    where = ("is now yours" if kind == NotificationKind.ASSIGNED
             else "is waiting in your team's queue")
    return f"New work: “{task.title}” for {_case(task)} {where}{due}."


def notices_for(session: Session, task: HumanTask, actor: str | None) -> list[Notification]:
    """The notices a ready task's new holder, or its queue, should now have (none twice)."""
    kind = NotificationKind.ASSIGNED if task.assignee else NotificationKind.QUEUED
    people = [name for name in offered_to(task) if name != actor]
    if not people:
        return []
    if task.id is None:
        task.id = new_id()
    already = set(session.scalars(db.select(Notification.username).where(
        Notification.task_id == task.id, Notification.kind == kind,
        Notification.username.in_(people))))
    message = _message(task, kind)
    return [Notification(username=name, task=task, task_id=task.id, instance_id=task.instance_id,
                         kind=kind, message=message, created_at=utcnow())
            for name in people if name not in already]


def _before_flush(session: Session, _context, _instances) -> None:
    tasks = [obj for obj in session.new if isinstance(obj, HumanTask)]
    tasks += [obj for obj in session.dirty if isinstance(obj, HumanTask) and _changed(obj)]
    tasks = [task for task in tasks if task.status == TaskStatus.READY]
    if not tasks:
        return
    actor = _actor()
    with session.no_autoflush:  # the queries below must not flush the flush being prepared
        for task in tasks:
            session.add_all(notices_for(session, task, actor))


def init_app(app: Flask) -> None:
    # Listened on Flask-SQLAlchemy's session class, once per process however many apps
    # are made (tests make several).
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
