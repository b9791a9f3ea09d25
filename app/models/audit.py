"""The audit trail: who looked at or changed which child's records, when and from where."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONType, UTCDateTime, utcnow


class AuditEvent(db.Model):
    """Append-only: the application has no update or delete path, and database triggers
    (migration 0004) refuse both."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_actor_at", "actor", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(16))  # view, change, refused
    object_type: Mapped[str] = mapped_column(sa.String(32))  # instance, task
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    child_ref: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    method: Mapped[str] = mapped_column(sa.String(8))
    path: Mapped[str] = mapped_column(sa.String(500))
    address: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[int | None]
    # What a change to something other than a child's record changed (a person's roles, a
    # team), e.g. {"roles": [before, after]}.
    detail: Mapped[dict | None] = mapped_column(JSONType)
