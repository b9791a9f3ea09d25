"""Outgoing webhooks: a council's case system (Mosaic, Liquidlogic, Eclipse, through its own
middleware) is told when a case starts, a step is done, a decision is recorded and a case ends.

An event only adds a delivery row, in the same transaction as the change it reports, so the
request that caused it never waits for a receiver, and a change rolled back tells nobody. The
scheduler pass (embedded, `flask run-due`, or Celery's beat) calls `deliver_due`, which posts
each due delivery and keeps the answer in the delivery log; a refused or failed post is tried
again later, each wait twice the last, until WEBHOOK_MAX_ATTEMPTS.

The body is signed: `X-Panelflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" with the subscription's secret>`, so the receiver knows it came from us and
can refuse a replay. The body carries ids and the decision; the child's reference only for a
subscription set to `reference`; never a name.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from flask import Flask, current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    DeliveryStatus,
    HumanTask,
    InstanceStatus,
    PersonalData,
    ProcessInstance,
    TaskStatus,
    User,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    utcnow,
)
from app.models.instances import new_id
from app.services.errors import Invalid, NotFound
from app.services.webhook_addresses import UnsafeUrl, check_url, checked_session

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Panelflow-Signature"
BATCH = 50
LEASE = timedelta(minutes=2)  # a delivery being posted is not taken by another pass meanwhile
ENDED = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)


# --- subscriptions -------------------------------------------------------------------------

def validate(values: dict[str, Any], partial: bool = False) -> dict[str, list[str]]:
    """Field errors (empty when none) for a subscription's fields."""
    errors: dict[str, list[str]] = {}
    if not partial or "name" in values:
        name = str(values.get("name") or "").strip()
        if not name or len(name) > 120:
            errors["name"] = ["Enter a name of up to 120 characters, such as “Mosaic”"]
    if not partial or "url" in values:
        url = str(values.get("url") or "").strip()
        try:
            if len(url) > 2000:
                raise UnsafeUrl("The address is too long")
            check_url(url, resolve=False)  # resolved again at each delivery
        except UnsafeUrl as exc:
            errors["url"] = [str(exc)]
    if not partial or "events" in values:
        events = values.get("events")
        if (not isinstance(events, list) or not events
                or any(e not in WebhookEvent.ALL for e in events)):
            errors["events"] = ["Choose one or more of: " + ", ".join(WebhookEvent.ALL)]
    if "personal_data" in values and values["personal_data"] not in PersonalData.ALL:
        errors["personal_data"] = ["Choose ids or reference"]
    return errors


def create(user: User, values: dict[str, Any]) -> WebhookSubscription:
    errors = validate(values)
    if errors:
        raise Invalid("The webhook has errors", errors)
    subscription = WebhookSubscription(
        name=values["name"].strip(), url=values["url"].strip(),
        events=sorted(set(values["events"]), key=WebhookEvent.ALL.index),
        secret=values.get("secret") or secrets.token_urlsafe(32),
        personal_data=values.get("personal_data") or PersonalData.IDS,
        active=values.get("active", True), created_by=user.username)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def get(subscription_id: int) -> WebhookSubscription:
    if not 0 < subscription_id < 2**31:  # beyond any id, and beyond the column's type
        raise NotFound("No such webhook")
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound("No such webhook")
    return subscription


def update(subscription_id: int, values: dict[str, Any]) -> WebhookSubscription:
    subscription = get(subscription_id)
    errors = validate(values, partial=True)
    if errors:
        raise Invalid("The webhook has errors", errors)
    for key in ("name", "url"):
        if key in values:
            setattr(subscription, key, values[key].strip())
    if "events" in values:
        subscription.events = sorted(set(values["events"]), key=WebhookEvent.ALL.index)
    for key in ("personal_data", "active", "secret"):
        if values.get(key) is not None:
            setattr(subscription, key, values[key])
    return subscription


def delete(subscription_id: int) -> None:
    subscription = get(subscription_id)
    db.session.execute(db.delete(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription.id))
    db.session.delete(subscription)


def all_subscriptions() -> list[WebhookSubscription]:
    return list(db.session.scalars(db.select(WebhookSubscription).order_by(
        WebhookSubscription.name, WebhookSubscription.id)))


def deliveries(subscription_id: int, limit: int = 100) -> list[WebhookDelivery]:
    get(subscription_id)
    return list(db.session.scalars(db.select(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))


# --- events --------------------------------------------------------------------------------

def _body(subscription: WebhookSubscription, name: str, instance: ProcessInstance,
          details: dict[str, Any], delivery_id: str) -> str:
    case: dict[str, Any] = {"id": instance.id, "process_key": instance.process_key,
                            "status": instance.status}
    shared = {key: value for key, value in details.items() if key != "decision"}
    decision = details.get("decision")
    if subscription.personal_data == PersonalData.REFERENCE:
        case["child_ref"] = instance.child_ref
    elif decision is not None:  # conditions and review are free text about the child
        decision = {"outcome": decision.get("outcome")}
    body = {"id": delivery_id, "event": name, "occurred_at": utcnow().isoformat(),
            "case": case, **shared}
    if decision is not None:
        body["decision"] = decision
    return json.dumps(body, default=str, sort_keys=True)


def _subscribers(session: Session, name: str) -> list[WebhookSubscription]:
    return [s for s in session.scalars(db.select(WebhookSubscription).where(
        WebhookSubscription.active)) if name in (s.events or [])]


def enqueue(name: str, instance: ProcessInstance, session: Session | None = None,
            **details: Any) -> list[WebhookDelivery]:
    """Add a delivery of event `name` about `instance` for each subscriber (in the caller's
    transaction: it goes only if the change is committed)."""
    session = session or db.session
    made = []
    for subscription in _subscribers(session, name):
        delivery_id = new_id()
        made.append(WebhookDelivery(
            subscription_id=subscription.id, event=name, instance_id=instance.id,
            body=_body(subscription, name, instance, details, delivery_id),
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=utcnow(),
            created_at=utcnow()))
    session.add_all(made)
    return made


def _status_changed_to(obj, attribute: str, values: Iterable[str]) -> bool:
    history = getattr(inspect(obj).attrs, attribute).history
    return history.has_changes() and getattr(obj, attribute) in values


def _before_flush(session: Session, _context, _instances) -> None:
    """Cases started and ended and steps done, whatever path did them, become events in the
    same flush (as new_work.py does for notices)."""
    if not has_app_context():
        return
    started = [o for o in session.new if isinstance(o, ProcessInstance)]
    ended = [o for o in session.dirty if isinstance(o, ProcessInstance)
             and _status_changed_to(o, "status", ENDED)]
    ended += [o for o in started if o.status in ENDED]
    done = [o for o in list(session.new) + list(session.dirty) if isinstance(o, HumanTask)
            and _status_changed_to(o, "status", (TaskStatus.COMPLETED,))]
    if not (started or ended or done):
        return
    with session.no_autoflush:
        if not session.scalar(db.select(WebhookSubscription.id).where(
                WebhookSubscription.active).limit(1)):
            return
        for instance in started:
            instance.id = instance.id or new_id()
            enqueue(WebhookEvent.CASE_STARTED, instance, session)
        for task in done:
            instance = task.instance or session.get(ProcessInstance, task.instance_id)
            if instance is not None:
                enqueue(WebhookEvent.STEP_DONE, instance, session,
                        step={"id": task.id, "name": task.name, "title": task.title})
        for instance in ended:
            enqueue(WebhookEvent.CASE_ENDED, instance, session)


def init_app(app: Flask) -> None:
    session_class = db.session.session_factory.class_
    if not sa_event.contains(session_class, "before_flush", _before_flush):
        sa_event.listen(session_class, "before_flush", _before_flush)


# --- delivering ----------------------------------------------------------------------------

def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: doubling from WEBHOOK_RETRY_SECONDS."""
    base = current_app.config.get("WEBHOOK_RETRY_SECONDS", 30)
    return timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def _claim(moment: datetime) -> list[int]:
    """Take up to BATCH due deliveries: each gets its attempt counted and a lease, committed
    before any post, so another pass skips it and no transaction waits on a receiver."""
    rows = list(db.session.scalars(
        db.select(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.PENDING,
                                         WebhookDelivery.next_attempt_at <= moment)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(BATCH)
        .with_for_update(skip_locked=True)))
    for row in rows:
        row.attempts += 1
        row.last_attempt_at = moment
        row.next_attempt_at = moment + LEASE
    ids = [row.id for row in rows]
    db.session.commit()
    return ids


@dataclass(frozen=True)
class _Outgoing:
    """What one post needs, read before the transaction ends: nothing is loaded while the
    receiver answers (on SQLite even a read would hold the database's lock)."""
    id: int
    event: str
    body: bytes
    url: str
    secret: str


def _post(item: _Outgoing) -> tuple[int | None, str]:
    timestamp = int(time.time())
    try:
        check_url(item.url)
        with checked_session() as session:
            response = session.post(
                item.url, data=item.body, allow_redirects=False,
                timeout=current_app.config.get("WEBHOOK_TIMEOUT_SECONDS", 5),
                headers={"Content-Type": "application/json",
                         "User-Agent": "Panelflow-Webhooks/1",
                         "X-Panelflow-Event": item.event,
                         "X-Panelflow-Delivery": str(item.id),
                         SIGNATURE_HEADER: sign(item.secret, item.body, timestamp)})
    except UnsafeUrl as exc:
        return None, f"Refused: {exc}"
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, response.text[:500]


def deliver_due(moment: datetime | None = None) -> int:
    """Post every delivery due by `moment`; returns how many were attempted."""
    moment = moment or utcnow()
    attempted = 0
    limit = current_app.config.get("WEBHOOK_MAX_ATTEMPTS", 8)
    while ids := _claim(moment):
        for delivery_id in ids:
            delivery = db.session.get(WebhookDelivery, delivery_id)
            subscription = db.session.get(WebhookSubscription, delivery.subscription_id)
            if subscription is None or not subscription.active:
                # Paused (or deleted meanwhile): kept, uncounted, for when it is resumed.
                delivery.attempts -= 1
                delivery.next_attempt_at = moment + backoff(1)
                db.session.commit()
                continue
            item = _Outgoing(delivery.id, delivery.event, delivery.body.encode(),
                             subscription.url, subscription.secret)
            db.session.commit()  # no transaction is open while the receiver answers
            code, excerpt = _post(item)
            delivery = db.session.get(WebhookDelivery, delivery_id)
            delivery.response_code, delivery.response_excerpt = code, excerpt
            if code is not None and 200 <= code < 300:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
            elif delivery.attempts >= limit:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                delivery.next_attempt_at = moment + backoff(delivery.attempts)
            db.session.commit()
            attempted += 1
        if len(ids) < BATCH:
            break
    return attempted
