"""Outgoing webhooks: who is told of which events (an administrator's choice) and each
delivery's attempts, kept as the delivery log."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONType, UTCDateTime, utcnow


class WebhookEvent:
    CASE_STARTED = "case.started"
    STEP_DONE = "step.done"
    DECISION_RECORDED = "decision.recorded"
    CASE_ENDED = "case.ended"
    ALL = (CASE_STARTED, STEP_DONE, DECISION_RECORDED, CASE_ENDED)


class PersonalData:
    """How much about the child a subscriber is sent: `ids` (the case's id, pathway, step and
    outcome: nothing that identifies a child outside Panelflow) or `reference` (also the
    child's reference in the case system, and a decision's conditions). Never the name."""
    IDS = "ids"
    REFERENCE = "reference"
    ALL = (IDS, REFERENCE)


class DeliveryStatus:
    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # given up after the last attempt
    ALL = (PENDING, DELIVERED, FAILED)


class WebhookSubscription(db.Model):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list] = mapped_column(JSONType, default=list)
    secret: Mapped[str] = mapped_column(sa.String(200))
    personal_data: Mapped[str] = mapped_column(sa.String(16), default=PersonalData.IDS)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    instance_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    body: Mapped[str] = mapped_column(sa.Text)  # the exact bytes signed and sent (UTF-8)
    status: Mapped[str] = mapped_column(sa.String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_code: Mapped[int | None] = mapped_column()
    response_excerpt: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    subscription = relationship(WebhookSubscription, lazy="select")
