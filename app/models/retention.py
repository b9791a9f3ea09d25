"""Retention: closed cases whose records are due for deletion, and the anonymised trace a
deleted case leaves for statistics."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONType, UTCDateTime, utcnow


class RetentionDue(db.Model):
    """A closed case the scheduled job found past its pathway's retention rule, waiting for an
    administrator to confirm its deletion. Goes with the case."""

    __tablename__ = "retention_due"

    instance_id: Mapped[str] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE"), primary_key=True)
    rule: Mapped[dict] = mapped_column(JSONType)
    due_since: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RetentionTrace(db.Model):
    """What is left of a deleted case: no child, no person, no text anyone wrote; months,
    not days, so it cannot be matched back to a child by dates."""

    __tablename__ = "retention_traces"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(sa.String(120), index=True)
    model_version: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16))
    outcome: Mapped[str | None] = mapped_column(sa.String(80))  # the recorded decision's code
    started_month: Mapped[str] = mapped_column(sa.String(7))  # "2019-03"
    closed_month: Mapped[str | None] = mapped_column(sa.String(7))
    days_open: Mapped[int | None]
    steps_done: Mapped[int] = mapped_column(default=0)
    # {step name: [days each time it was done]}, e.g. {"tm_review": [2, 1]}.
    step_days: Mapped[dict] = mapped_column(JSONType, default=dict)
    rule: Mapped[dict | None] = mapped_column(JSONType)
    deleted_month: Mapped[str] = mapped_column(sa.String(7))
