"""Reminders and escalations about tasks, shown in the inbox and sent by email."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class NotificationKind:
    DUE_SOON = "due_soon"  # to whoever holds the task, or its role's queue
    OVERDUE = "overdue"  # the same people, once it is late
    ESCALATION = "escalation"  # to the holder's team manager, once it is late
    MEETING_CHANGED = "meeting_changed"  # a case's meeting was moved or cancelled
    CHASE = "chase"  # the administrator asked for missing papers before a meeting
    ASSIGNED = "assigned"  # a task was given to this person (diagram, manager, handover)
    QUEUED = "queued"  # a task arrived unassigned in a queue this person works from
    DECISION = "decision"  # a panel's decision, to whoever its step's decisionNotify names


# Emailed at once or in the person's daily digest, as they choose (User.email_frequency);
# every other kind is about a date and goes at once.
NEW_WORK_KINDS = frozenset({NotificationKind.ASSIGNED, NotificationKind.QUEUED})


class Notification(db.Model):
    __tablename__ = "notifications"
    # One of each kind per task and person, however often the scheduler runs.
    # The unsent ones are the email queue (services/notify.py), found by a partial index.
    __table_args__ = (sa.UniqueConstraint("task_id", "username", "kind"),
                      sa.Index("ix_notifications_unsent", "id",
                               postgresql_where=sa.text("emailed_at IS NULL"),
                               sqlite_where=sa.text("emailed_at IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    task_id: Mapped[str | None] = mapped_column(sa.ForeignKey("human_tasks.id"), index=True)
    instance_id: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(16))
    message: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # or given up on:
    email_error: Mapped[str | None] = mapped_column(sa.String(255))  # why it was not delivered
    # So that a notice made in the same flush as its task is inserted after it.
    task = relationship("HumanTask", lazy="select")
