"""Answers posted to a task when the session had ended: kept for their author only, until
they sign in and open the task again (or the record expires)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import HumanTask, PendingDraft, User, utcnow


def keep(user: User, task: HumanTask, typed: list[list[str]], hours: float) -> None:
    """Keep `typed` for `user` on `task`, replacing anything kept before; expired records of
    anyone go at the same time."""
    now = utcnow()
    db.session.execute(db.delete(PendingDraft).where(PendingDraft.expires_at < now))
    db.session.execute(db.delete(PendingDraft).where(PendingDraft.user_id == user.id,
                                                     PendingDraft.task_id == task.id))
    db.session.add(PendingDraft(user_id=user.id, task_id=task.id, typed=typed, created_at=now,
                                expires_at=now + timedelta(hours=hours)))
    try:
        db.session.flush()
    except IntegrityError:  # the same answers, kept by a second request at the same moment
        db.session.rollback()


def take(user: User, task: HumanTask) -> list[list[str]] | None:
    """What `user` posted to `task` after their session ended, removed from the store."""
    kept = db.session.scalar(db.select(PendingDraft).where(
        PendingDraft.user_id == user.id, PendingDraft.task_id == task.id,
        PendingDraft.expires_at >= utcnow()))
    if kept is None:
        return None
    db.session.delete(kept)
    return list(kept.typed or [])
