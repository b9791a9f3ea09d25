"""The one channel every Panelflow email goes through: reminders, new work, the daily digest,
and anything later (decisions) that registers a renderer for its kind of notification.

The notifications table is the queue. Whatever makes a notice (reminders, new work) only
adds a row, in the same transaction as the change it is about, so no request waits for a mail
server; the scheduler pass (embedded, `flask run-due`, or Celery's beat) calls
`send_pending`, which emails each unsent row and stamps `emailed_at`. A failed send leaves
the rest unsent for the next pass; an email that can never go (an address refused) is marked
with the reason instead, so it cannot hold up the others.

Two transports: GOV.UK Notify (notifications-python-client) when PANELFLOW_NOTIFY_API_KEY is
set, with a template id per kind of email; SMTP when PANELFLOW_MAIL_SERVER is set; neither,
and nothing is emailed (the notices are still in the inbox).

No email names the child or gives their reference: an email leaves the council's systems.
It says which step, which pathway, when it is due, and links to it; the page says who.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from email.message import EmailMessage
from typing import Any, Protocol

import requests
from flask import current_app
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy import exists, or_

from app.engine.working_days import LONDON
from app.extensions import db
from app.models import (
    HumanTask,
    Notification,
    NotificationKind,
    ProcessModelVersion,
    TaskStatus,
    User,
    utcnow,
)
from app.models.notifications import NEW_WORK_KINDS

log = logging.getLogger(__name__)
IMMEDIATE, DAILY = "immediate", "daily"
FREQUENCIES = {IMMEDIATE: "As soon as it arrives", DAILY: "In one email each morning"}
BATCH = 100  # notices emailed per transaction


@dataclass(frozen=True)
class Email:
    to: str
    template: str  # which kind of email: Notify sends it with that template's id
    subject: str
    body: str  # the whole text: SMTP's body, and the default Notify template's ((body))
    fields: dict[str, Any] = field(default_factory=dict)  # a kind's own placeholders
    reference: str | None = None  # ours, kept by Notify with the message

    def personalisation(self) -> dict[str, Any]:
        return {**self.fields, "subject": self.subject, "body": self.body}


class SendFailed(Exception):
    """The transport is unavailable (a mail server or Notify down, a key refused): the pass
    stops and everything still unsent waits for the next one."""


class Undeliverable(SendFailed):
    """This one email can never go as it is (an address refused): it is marked with the
    reason, not retried, and the others go on."""


class NotConfigured(SendFailed):
    """This kind of email has no template yet: it waits, unsent, while the others go on."""


class Transport(Protocol):
    def send(self, email: Email) -> None: ...
    def close(self) -> None: ...


class SmtpTransport:
    """One connection for a pass, opened at the first email (none if nothing is due)."""

    def __init__(self, host: str, port: int, sender: str):
        self.host, self.port, self.sender = host, port, sender
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: Email) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.body)
        try:
            if self.smtp is None:
                self.smtp = smtplib.SMTP(self.host, self.port, timeout=10)
            self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise Undeliverable(f"address refused: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(str(exc)) from exc

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass


class NotifyTransport:
    """GOV.UK Notify's API: each email is a template id and its personalisation."""

    def __init__(self, api_key: str, base_url: str, templates: dict[str, str | None]):
        self.client = NotificationsAPIClient(api_key, base_url=base_url, timeout=10)
        self.templates = templates

    def send(self, email: Email) -> None:
        template = self.templates.get(email.template) or self.templates.get("default")
        if not template:
            raise NotConfigured(f"No Notify template for {email.template!r}: set "
                             f"PANELFLOW_NOTIFY_TEMPLATE_{email.template.upper()} or "
                             "PANELFLOW_NOTIFY_TEMPLATE")
        try:
            self.client.send_email_notification(email.to, template, email.personalisation(),
                                                reference=email.reference)
        except APIError as exc:
            # 400: Notify refuses this email itself (a bad address); 403, 429, 5xx: any email
            if exc.status_code == 400:
                raise Undeliverable(str(exc)) from exc
            raise SendFailed(str(exc)) from exc
        except requests.RequestException as exc:
            raise SendFailed(str(exc)) from exc

    def close(self) -> None:
        self.client.request_session.close()


def transport() -> Transport | None:
    """Notify when its key is set, SMTP when a server is named, else None (no email)."""
    config = current_app.config
    if config.get("NOTIFY_API_KEY"):
        return NotifyTransport(config["NOTIFY_API_KEY"], config["NOTIFY_BASE_URL"],
                               config.get("NOTIFY_TEMPLATES") or {})
    if config.get("MAIL_SERVER"):
        return SmtpTransport(config["MAIL_SERVER"], config.get("MAIL_PORT", 25),
                             config.get("MAIL_FROM", "panelflow@localhost"))
    return None


# --- what each kind of notice says by email ---------------------------------------------

# (notice, its task or None) -> (template, subject, body, fields)
Renderer = Callable[[Notification, HumanTask | None], tuple[str, str, str, dict[str, Any]]]
_RENDERERS: dict[str, Renderer] = {}


def renders(*kinds: str) -> Callable[[Renderer], Renderer]:
    """Register how notices of these kinds are emailed (another module's kinds too)."""
    def register(renderer: Renderer) -> Renderer:
        for kind in kinds:
            _RENDERERS[kind] = renderer
        return renderer
    return register


def link(path: str) -> str:
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + path


def long_date(moment: datetime | None) -> str:
    return f"{moment.day} {moment:%B %Y}" if moment else "no date"


def pathway_name(key: str) -> str:
    name = db.session.scalar(db.select(ProcessModelVersion.name).where(
        ProcessModelVersion.key == key).order_by(ProcessModelVersion.version.desc()).limit(1))
    return name or key


def task_fields(task: HumanTask) -> dict[str, str]:
    """What an email may say about a task: never the child's name or reference."""
    return {"step": task.title, "pathway": pathway_name(task.process_key),
            "due": long_date(task.due_at) if task.due_at else "no due date",
            "link": link(f"/tasks/{task.id}")}


NEW_WORK_SUBJECTS = {NotificationKind.ASSIGNED: "A task has been assigned to you",
                     NotificationKind.QUEUED: "A new task is waiting for your team"}
REMINDER_SUBJECTS = {NotificationKind.DUE_SOON: "Task due soon",
                     NotificationKind.OVERDUE: "Task overdue",
                     NotificationKind.ESCALATION: "Overdue task in your team",
                     NotificationKind.CHASE: "Papers needed before a panel meeting"}


@renders(*NEW_WORK_KINDS)
def _new_work(note: Notification, task: HumanTask | None):
    if task is None:
        return _anything(note, task)
    fields = task_fields(task)
    where = ("has been assigned to you" if note.kind == NotificationKind.ASSIGNED
             else "is waiting in your team's queue")
    body = (f"“{fields['step']}” ({fields['pathway']}) {where}. It is due {fields['due']}."
            f"\n\nOpen it in Panelflow: {fields['link']}\n")
    return "new_work", NEW_WORK_SUBJECTS[note.kind], body, fields


@renders(*REMINDER_SUBJECTS)
def _reminder(note: Notification, task: HumanTask | None):
    if task is None:
        return _anything(note, task)
    fields = task_fields(task)
    state = {NotificationKind.DUE_SOON: f"is due {fields['due']}",
             NotificationKind.OVERDUE: f"was due {fields['due']} and is overdue",
             NotificationKind.ESCALATION: f"in your team was due {fields['due']} and is overdue",
             NotificationKind.CHASE: "must be done before the panel meets"}[note.kind]
    body = (f"“{fields['step']}” ({fields['pathway']}) {state}: it needs attention."
            f"\n\nOpen it in Panelflow: {fields['link']}\n")
    return "reminder", REMINDER_SUBJECTS[note.kind], body, fields


def _anything(note: Notification, task: HumanTask | None):
    """Kinds with no renderer of their own (a meeting moved): the inbox says what."""
    fields = {"link": link("/")}
    body = ("There is something new for you in Panelflow about one of your cases."
            f"\n\nSee your inbox: {fields['link']}\n")
    return "reminder", "Something new in Panelflow", body, fields


def render(note: Notification, address: str) -> Email:
    task = db.session.get(HumanTask, note.task_id) if note.task_id else None
    template, subject, body, fields = _RENDERERS.get(note.kind, _anything)(note, task)
    return Email(address, template, subject, body, fields, reference=f"notification-{note.id}")


def digest(notes: list[Notification], address: str) -> Email | None:
    """One email listing a day's new work still open (None if all of it is done already)."""
    tasks = [task for note in notes if (task := db.session.get(HumanTask, note.task_id))
             is not None and task.status == TaskStatus.READY]
    if not tasks:
        return None
    lines = [f"“{i['step']}” ({i['pathway']}), due {i['due']}: {i['link']}"
             for i in map(task_fields, tasks)]
    count = f"{len(lines)} new task{'' if len(lines) == 1 else 's'}"
    body = ("New work for you or your team in Panelflow since yesterday's email:\n\n"
            + "\n".join(f"* {line}" for line in lines)
            + f"\n\nSee your inbox: {link('/')}\n")
    return Email(address, "digest", f"Your new work in Panelflow: {count}", body,
                 {"count": str(len(lines)), "tasks": lines, "link": link("/")},
                 reference=f"digest-{notes[0].username}-{notes[-1].id}")


# --- sending the queue --------------------------------------------------------------------

def _unsent(*conditions):
    """Unsent notices of active people with an address, oldest first, each locked so that a
    second scheduler skips it (PostgreSQL; SQLite writers queue anyway)."""
    return (db.select(Notification, User)
            .join(User, User.username == Notification.username)
            .where(Notification.emailed_at.is_(None), User.email.is_not(None), User.active,
                   *conditions)
            .order_by(Notification.id)
            .with_for_update(of=Notification, skip_locked=True))


def send_pending(moment: datetime | None = None) -> int:
    """Email every notice due to go now; returns how many emails were sent (or given up
    on)."""
    channel = transport()
    if channel is None:
        return 0
    moment = moment or utcnow()
    try:
        return _send_immediate(channel, moment) + _send_digests(channel, moment)
    except SendFailed:
        log.exception("Sending emails failed; the rest are retried on the next run")
        return 0
    finally:
        db.session.commit()  # what was sent stays marked sent
        channel.close()


def _deliver(channel: Transport, email: Email, notes: list[Notification],
             moment: datetime) -> bool:
    """Send one email for `notes` and mark them; True once dealt with (sent, or given up on),
    False if it waits for a template."""
    try:
        channel.send(email)
    except Undeliverable as exc:
        log.error("Email %s could not be delivered and is not retried: %s", email.reference, exc)
        for note in notes:
            note.email_error = str(exc)[:255]
    except NotConfigured as exc:
        log.error("Email %s waits: %s", email.reference, exc)
        return False
    for note in notes:
        note.emailed_at = moment  # sent, or given up on (email_error says why)
    return True


def _send_immediate(channel: Transport, moment: datetime) -> int:
    at_once = or_(Notification.kind.not_in(NEW_WORK_KINDS), User.email_frequency != DAILY)
    sent, after = 0, 0
    while rows := db.session.execute(
            _unsent(at_once, Notification.id > after).limit(BATCH)).all():
        for note, user in rows:
            sent += _deliver(channel, render(note, user.email), [note], moment)
            after = note.id
        db.session.commit()
    return sent


def digest_cutoff(moment: datetime) -> datetime:
    """Today's digest time (DIGEST_HOUR, London), as UTC."""
    local = moment.astimezone(LONDON)
    hour = current_app.config.get("DIGEST_HOUR", 8)
    return datetime.combine(local.date(), time(hour), LONDON).astimezone(UTC)


def _send_digests(channel: Transport, moment: datetime) -> int:
    """At or after the digest hour, each person who chose a daily digest and has not had
    today's gets one email with the new work that arrived before that hour (work arriving
    later waits for tomorrow's): one email a day, however often the scheduler runs."""
    cutoff = digest_cutoff(moment)
    if moment < cutoff:
        return 0
    earlier = db.aliased(Notification)
    sent_today = exists().where(earlier.username == User.username,
                                earlier.kind.in_(NEW_WORK_KINDS), earlier.emailed_at >= cutoff)
    rows = db.session.execute(_unsent(
        Notification.kind.in_(NEW_WORK_KINDS), User.email_frequency == DAILY,
        Notification.created_at <= cutoff, ~sent_today)).all()
    by_person: dict[str, tuple[str, list[Notification]]] = {}
    for note, user in rows:
        by_person.setdefault(user.username, (user.email, []))[1].append(note)
    sent = 0
    for address, notes in by_person.values():
        email = digest(notes, address)
        if email is None:  # done or taken before the morning: nothing to tell
            for note in notes:
                note.emailed_at = moment
        else:
            sent += _deliver(channel, email, notes, moment)
        db.session.commit()
    return sent
