"""GOV.UK Notify as the email transport, tested at the true edge: a local HTTP server started
here stands where Notify's API would be and checks every request notifications-python-client
sends: the endpoint, a JWT signed with the key's secret and naming the service, the template
id configured for the kind of email, and personalisation that never names the child.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from app.extensions import db
from app.models import Notification
from tests.pathways.test_marp import ROLES, SAMPLES
from tests.pathways.walker import Walk

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"panelflow_test-{SERVICE_ID}-{SECRET}"  # Notify's format: name, service, secret
TEMPLATES = {"new_work": str(uuid.uuid4()), "reminder": str(uuid.uuid4()),
             "digest": str(uuid.uuid4()), "default": None}
CHILD = {"child_ref": "C-8201", "name": "Robin Notify"}


class FakeNotify(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), NotifyHandler)
        self.received: list[dict] = []
        self.refusals: list[str] = []
        self.fail_with: int | None = None
        self.bad_addresses: set[str] = set()


class NotifyHandler(BaseHTTPRequestHandler):
    server: FakeNotify

    def log_message(self, *args) -> None:  # quiet
        pass

    def _refuse(self, status: int, why: str) -> None:
        self.server.refusals.append(why)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"status_code": status, "errors": [
            {"error": "BadRequestError", "message": why}]}).encode())

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/v2/notifications/email":
            return self._refuse(404, f"unknown endpoint {self.path}")
        if self.headers.get("Content-Type") != "application/json":
            return self._refuse(400, "not JSON")
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        try:  # as Notify checks it: HS256 with the key's secret, issued by the service, now
            claims = jwt.decode(token, SECRET, algorithms=["HS256"],
                                options={"verify_iat": False})
        except jwt.PyJWTError as exc:
            return self._refuse(403, f"bad token: {exc}")
        if scheme != "Bearer" or claims["iss"] != SERVICE_ID:
            return self._refuse(403, "wrong service")
        if abs(claims["iat"] - time.time()) > 30:
            return self._refuse(403, "token issued at another time")
        if self.server.fail_with:
            return self._refuse(self.server.fail_with, "Notify is having a bad day")
        if body["email_address"] in self.server.bad_addresses:
            return self._refuse(400, "email_address Not a valid email address")
        self.server.received.append(body)
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": str(uuid.uuid4()), "reference": body.get("reference"),
                                     "content": {"subject": "x", "body": "y"},
                                     "template": {"id": body["template_id"]}}).encode())
        return None


@pytest.fixture
def notify_api(app):
    server = FakeNotify()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(NOTIFY_API_KEY=API_KEY, NOTIFY_TEMPLATES=TEMPLATES,
                      NOTIFY_BASE_URL=f"http://127.0.0.1:{server.server_address[1]}",
                      PUBLIC_URL="https://panelflow.test")
    yield server
    app.config.update(NOTIFY_API_KEY=None)
    server.shutdown()
    server.server_close()


def _unsent(app, username: str | None = None) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
            Notification.emailed_at.is_(None),
            Notification.username == username if username else db.true()))


def test_new_work_and_reminders_go_through_notify(app, as_user, traveller, notify_api):
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    walk.do("prepare_request")  # "Team manager review" arrives in Locality Team A's queue
    task_id = walk.task("tm_review")["id"]
    walk.at("2026-11-23T10:05:00+00:00")
    assert notify_api.refusals == []
    [sent] = [r for r in notify_api.received
              if r["email_address"] == "team_manager@panelflow.example"]
    assert sent["template_id"] == TEMPLATES["new_work"]
    assert sent["personalisation"]["step"] == "Team manager review"
    assert sent["personalisation"]["pathway"] == "Multi-Agency Resource Panel (MARP)"
    assert sent["personalisation"]["due"] == "26 November 2026"
    assert sent["personalisation"]["link"] == f"https://panelflow.test/tasks/{task_id}"
    assert sent["personalisation"]["subject"] == "A new task is waiting for your team"
    assert sent["reference"].startswith("notification-")

    walk.at("2026-11-27T09:00:00+00:00")  # overdue: a reminder and an escalation
    reminders = [r for r in notify_api.received if r["template_id"] == TEMPLATES["reminder"]]
    assert {r["personalisation"]["subject"] for r in reminders} >= {"Task overdue"}
    everything = json.dumps(notify_api.received)
    assert "Robin" not in everything and "C-8201" not in everything, \
        "no child's name or reference is sent to Notify"
    assert notify_api.refusals == []


def test_a_notify_failure_leaves_the_email_for_the_next_pass(app, as_user, traveller,
                                                             notify_api):
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    notify_api.fail_with = 500
    walk.do("prepare_request")
    walk.at("2026-11-23T10:05:00+00:00")
    assert notify_api.received == [] and _unsent(app) >= 1
    notify_api.fail_with = None
    walk.at("2026-11-23T10:10:00+00:00")
    assert any(r["email_address"] == "team_manager@panelflow.example"
               for r in notify_api.received)
    assert _unsent(app) == 0


def test_an_address_notify_refuses_does_not_hold_up_the_others(app, as_user, traveller,
                                                               notify_api):
    notify_api.bad_addresses = {"team_manager@panelflow.example"}
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    walk.do("prepare_request")  # new work for team_manager, whose address Notify refuses
    other = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    assert as_user("team_manager").post(  # and then new work for social_worker_2
        f"/api/v1/tasks/{other.task('prepare_request')['id']}/assign",
        json={"username": "social_worker_2"}).status_code == 200
    walk.at("2026-11-23T10:05:00+00:00")
    # (the scheduler also begins CTMP's weekly return: its officer's new work goes too)
    sent_to = [r["email_address"] for r in notify_api.received]
    assert "social_worker_2@panelflow.example" in sent_to
    assert "team_manager@panelflow.example" not in sent_to
    with app.app_context():
        refused = db.session.scalar(db.select(Notification).where(
            Notification.username == "team_manager"))
        assert refused.emailed_at is not None
        assert "Not a valid email address" in refused.email_error
    assert _unsent(app) == 0


def test_a_kind_with_no_template_waits_and_says_why(app, as_user, traveller, notify_api,
                                                    caplog):
    app.config["NOTIFY_TEMPLATES"] = {"reminder": TEMPLATES["reminder"]}
    try:
        walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
        walk.do("prepare_request")
        walk.at("2026-11-23T10:05:00+00:00")
        assert notify_api.received == [] and _unsent(app, "team_manager") == 1
        assert "PANELFLOW_NOTIFY_TEMPLATE_NEW_WORK" in caplog.text
    finally:
        app.config["NOTIFY_TEMPLATES"] = TEMPLATES
    walk.at("2026-11-23T10:10:00+00:00")  # configured now: it goes
    assert [r["template_id"] for r in notify_api.received
            if r["email_address"] == "team_manager@panelflow.example"] == [TEMPLATES["new_work"]]
    assert _unsent(app, "team_manager") == 0
