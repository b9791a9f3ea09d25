"""Answers posted to a task after the session had ended, kept until their author signs in."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONType, UTCDateTime, utcnow


class PendingDraft(db.Model):
    """One person's answers for one task, [[input name, text], ...] as typed: only the
    inputs of that task's form. Put back as the task's draft when that person next opens it
    signed in; gone after `expires_at`."""

    __tablename__ = "pending_drafts"
    __table_args__ = (sa.UniqueConstraint("user_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(
        sa.ForeignKey("human_tasks.id", ondelete="CASCADE"), index=True)
    typed: Mapped[list] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
