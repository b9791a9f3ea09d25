"""Due-soon reminders and overdue escalations: in the inbox, and by email through a real
SMTP server (aiosmtpd on a local port: the outgoing mail server is the edge of the system)."""
from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from app.extensions import db
from app.models import Notification
from tests.pages.conftest import Browser
from tests.pathways.test_marp import ROLES, SAMPLES
from tests.pathways.walker import Walk


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, PUBLIC_URL="https://panelflow.test")
    yield sink
    app.config.update(MAIL_SERVER=None)
    controller.stop()



def _notes(app, username: str) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(db.select(Notification).where(
            Notification.username == username).order_by(Notification.id)).all()
        return [(n.kind, n.message) for n in rows]


def test_due_soon_then_overdue_then_escalated_to_the_team_manager(app, as_user, traveller, smtp):
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller,
                subject={"child_ref": "C-8001", "name": "Kit Reminder"})
    # "Prepare MARP request" is due in 10 working days: Monday 7 December, 23 November + 10.
    walk.at("2026-12-04T09:00:00+00:00")
    assert _notes(app, "social_worker") == []
    walk.at("2026-12-06T18:00:00+00:00")  # within a day of the due time
    [(kind, message)] = _notes(app, "social_worker")
    assert kind == "due_soon" and "Prepare MARP request" in message and "Kit Reminder" in message
    walk.at("2026-12-08T09:00:00+00:00")
    assert [k for k, _m in _notes(app, "social_worker")] == ["due_soon", "overdue"]
    [(kind, message)] = _notes(app, "team_manager")  # same team: Locality Team A
    assert kind == "escalation" and "held by social_worker" in message
    walk.at("2026-12-09T09:00:00+00:00")  # later runs add nothing
    assert len(_notes(app, "social_worker")) == 2 and len(_notes(app, "team_manager")) == 1

    # Only this case's emails: the scheduler also begins CTMP's weekly return, with its own.
    recipients = sorted(to for tos, body in smtp.messages for to in tos
                        if "Prepare MARP request" in body)
    assert recipients == ["social_worker@panelflow.example", "social_worker@panelflow.example",
                          "team_manager@panelflow.example"]
    assert all("https://panelflow.test/tasks/" in body for _to, body in smtp.messages)
    assert not any("Kit Reminder" in body for _to, body in smtp.messages), \
        "no child's name leaves the system by email"


def test_notifications_show_in_the_inbox_and_can_be_dismissed(app, as_user, traveller):
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
    walk.at("2026-12-08T09:00:00+00:00")
    browser = Browser(app)
    browser.sign_in("social_worker")
    page = browser.get("/").get_data(as_text=True)
    assert "is overdue" in page and "New work and reminders" in page
    api = as_user("social_worker").get("/api/v1/notifications").json
    assert [n["kind"] for n in api] == ["overdue"]
    browser.post("/notifications/read")
    assert "is overdue" not in browser.get("/").get_data(as_text=True)
    assert as_user("social_worker").get("/api/v1/notifications").json[0]["read_at"]


def test_an_unclaimed_task_reminds_its_role_and_escalates_to_the_starters_manager(
        app, as_user, traveller):
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
    walk.do("prepare_request")  # "Review MARP request" waits, unclaimed, for team managers
    walk.at("2026-12-01T09:00:00+00:00")  # due in 3 working days: 26 November
    notes = _notes(app, "team_manager")
    assert [kind for kind, _m in notes] == ["queued", "overdue", "escalation"]  # new, then late
    notes = notes[1:]
    assert "not yet claimed" in notes[1][1]
    assert _notes(app, "social_worker") == []  # the request itself was done in time


def test_a_failed_send_is_retried(app, as_user, traveller):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())  # nothing listens
    try:
        walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
        walk.at("2026-12-08T09:00:00+00:00")
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
                Notification.emailed_at.is_(None))) >= 1
    finally:
        app.config.update(MAIL_SERVER=None)
