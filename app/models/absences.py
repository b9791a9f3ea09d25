"""Absences: while one runs, the covering person works on the absent person's tasks."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Absence(db.Model):
    """`username` is away from `starts_on` to `ends_on` (both included, dates in England);
    `cover_username` does their work meanwhile (app/services/absences.py)."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(
        sa.ForeignKey("users.username", ondelete="CASCADE"), index=True)
    cover_username: Mapped[str] = mapped_column(
        sa.ForeignKey("users.username", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(sa.Date())
    ends_on: Mapped[date] = mapped_column(sa.Date())
    recorded_by: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
