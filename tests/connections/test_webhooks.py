"""Issue 20 part 4, outgoing webhooks: an administrator subscribes a case system's receiver
(a real local HTTP server) to events; each is posted after the change is committed, by the
scheduler pass, signed with HMAC-SHA256 over the raw body and a timestamp, retried with
doubling waits after a failure, and logged with the receiver's answers."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import WebhookDelivery
from tests.connections.receiver import receiver, verify  # noqa: F401 - the fixture
from tests.pathways.test_marp import ROLES, SAMPLES
from tests.pathways.walker import Walk

CHILD = {"child_ref": "C-9401", "name": "Ash Hook"}
SECRET = "another-shared-secret-1234"


def _subscribe(as_user, url: str, events: list[str], **more) -> dict:
    made = as_user("administrator").post("/api/v1/webhooks", json={
        "name": "Liquidlogic", "url": url, "events": events, "secret": SECRET, **more})
    assert made.status_code == 201, made.json
    return made.json


def _log(as_user, subscription: dict, instance_id: str) -> list[dict]:
    log = as_user("administrator").get(f"/api/v1/webhooks/{subscription['id']}/deliveries")
    assert log.status_code == 200, log.json
    return [entry for entry in log.json if entry["instance_id"] == instance_id]


def _scheduler_pass(app) -> None:
    result = app.test_cli_runner().invoke(args=["run-due"])
    assert result.exit_code == 0, result.output


def test_case_started_and_step_done_are_posted_signed_after_the_request(
        app, as_user, traveller, receiver):  # noqa: F811 - the fixture
    _subscribe(as_user, receiver.url, ["case.started", "step.done"], personal_data="reference")
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    walk.do("prepare_request")
    assert receiver.received == [], "the requests waited for no receiver"

    _scheduler_pass(app)
    assert [r["headers"]["X-Panelflow-Event"] for r in receiver.about(walk.id)] == \
        ["case.started", "step.done"]
    for request in receiver.received:
        assert verify(SECRET, request)
        assert request["headers"]["Content-Type"] == "application/json"
        assert b"Ash Hook" not in request["body"], "never the child's name"
    started, done = receiver.bodies(instance_id=walk.id)
    assert started["case"] == {"id": walk.id, "process_key": "marp", "status": "running",
                               "child_ref": "C-9401"}  # this subscriber is sent the reference
    assert done["step"]["name"] == "prepare_request"
    count = len(receiver.received)
    _scheduler_pass(app)
    assert len(receiver.received) == count, "each event is posted once"


def test_a_tampered_body_fails_the_signature(app, as_user, traveller, receiver):  # noqa: F811
    _subscribe(as_user, receiver.url, ["case.started"])
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    _scheduler_pass(app)
    [request] = receiver.about(walk.id)
    assert verify(SECRET, request)
    assert not verify(SECRET, {**request, "body": request["body"].replace(b"marp", b"ctmp")})
    assert not verify("the wrong secret", request)
    assert "child_ref" not in receiver.bodies(instance_id=walk.id)[0]["case"], \
        "ids only unless configured"


def test_a_refused_delivery_is_retried_with_doubling_waits_and_logged(
        app, as_user, traveller, receiver):  # noqa: F811 - the fixture
    subscription = _subscribe(as_user, receiver.url, ["case.started"])
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    receiver.statuses_for[walk.id] = [500, 503]
    _scheduler_pass(app)  # 10:00: refused (500), next attempt 30 seconds later
    [entry] = _log(as_user, subscription, walk.id)
    assert (entry["status"], entry["attempts"], entry["response_code"]) == ("pending", 1, 500)
    assert entry["response_excerpt"] == "receiver down for maintenance"
    assert entry["next_attempt_at"].startswith("2026-11-23T10:00:30")
    assert entry["instance_id"] == walk.id

    traveller.shift(timedelta(seconds=20))
    _scheduler_pass(app)  # not yet due: nothing posted
    assert len(receiver.about(walk.id)) == 1
    traveller.shift(timedelta(seconds=10))
    _scheduler_pass(app)  # 10:00:30: refused again (503), the wait doubles to a minute
    [entry] = _log(as_user, subscription, walk.id)
    assert (entry["attempts"], entry["response_code"]) == (2, 503)
    assert entry["next_attempt_at"].startswith("2026-11-23T10:01:30")
    traveller.shift(timedelta(minutes=1))
    _scheduler_pass(app)
    [entry] = _log(as_user, subscription, walk.id)
    assert (entry["status"], entry["attempts"], entry["response_code"]) == ("delivered", 3, 200)
    bodies = [r["body"] for r in receiver.about(walk.id)]
    assert len(bodies) == 3 and len(set(bodies)) == 1, "each retry sends the same event"


def test_a_delivery_is_given_up_after_the_last_attempt(app, as_user, traveller, receiver):  # noqa: F811
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
    try:
        subscription = _subscribe(as_user, receiver.url, ["case.started"])
        walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller,
                    subject=CHILD)
        receiver.statuses_for[walk.id] = [500, 500, 500]
        _scheduler_pass(app)
        traveller.shift(timedelta(minutes=5))
        _scheduler_pass(app)
        traveller.shift(timedelta(hours=5))
        _scheduler_pass(app)
    finally:
        app.config["WEBHOOK_MAX_ATTEMPTS"] = 8
    assert len(receiver.about(walk.id)) == 2
    [entry] = _log(as_user, subscription, walk.id)
    assert (entry["status"], entry["attempts"]) == ("failed", 2)


def test_an_unreachable_receiver_is_logged_and_retried(app, as_user, traveller, receiver):  # noqa: F811
    receiver.shutdown()
    receiver.server_close()  # nothing listens on that port now
    subscription = _subscribe(as_user, receiver.url, ["case.started"])
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    _scheduler_pass(app)
    [entry] = _log(as_user, subscription, walk.id)
    assert entry["status"] == "pending" and entry["response_code"] is None
    assert "ConnectionError" in entry["response_excerpt"]


def test_a_case_ended_by_a_manager_is_an_event(app, as_user, traveller, receiver):  # noqa: F811
    _subscribe(as_user, receiver.url, ["case.ended"])
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    ended = as_user("manager").post(f"/api/v1/process-instances/{walk.id}/terminate",
                                    json={"reason": "Duplicate request"})
    assert ended.status_code == 200, ended.json
    _scheduler_pass(app)
    [body] = receiver.bodies("case.ended")
    assert body["case"]["status"] == "terminated"


def test_an_event_rolled_back_is_never_sent(app, as_user, traveller, receiver):  # noqa: F811
    """A step refused (an invalid form) makes no event: the delivery is in the change's own
    transaction."""
    _subscribe(as_user, receiver.url, ["step.done"])
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    assert walk.submit("prepare_request", {}).status_code == 422
    _scheduler_pass(app)
    assert receiver.received == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id))) == 0


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "http://[fe80::1]/hook", "ftp://example.org/hook", "file:///etc/passwd",
    "http://user:pw@example.org/hook", "not a url"])
def test_unsafe_receivers_are_refused(as_user, url):
    made = as_user("administrator").post("/api/v1/webhooks", json={
        "name": "Bad", "url": url, "events": ["case.started"]})
    assert made.status_code == 422 and "url" in made.json["errors"], made.json


def test_administrators_list_change_and_delete_subscriptions(as_user, receiver):  # noqa: F811
    admin = as_user("administrator")
    made = admin.post("/api/v1/webhooks", json={
        "name": "Eclipse", "url": receiver.url, "events": ["decision.recorded"]})
    assert made.status_code == 201 and len(made.json["secret"]) >= 32  # made for them
    [listed] = admin.get("/api/v1/webhooks").json
    assert "secret" not in listed, "the secret is shown once, never read back"
    changed = admin.patch(f"/api/v1/webhooks/{listed['id']}",
                          json={"events": ["case.started", "case.ended"], "active": False})
    assert changed.status_code == 200
    assert (changed.json["events"], changed.json["active"]) == (["case.started", "case.ended"],
                                                                False)
    assert admin.patch(f"/api/v1/webhooks/{listed['id']}",
                       json={"events": ["case.exploded"]}).status_code == 422
    assert admin.client.delete(f"/api/v1/webhooks/{listed['id']}",
                               headers=admin.headers).status_code == 204
    assert admin.get(f"/api/v1/webhooks/{listed['id']}").status_code == 404
    assert as_user("manager").get("/api/v1/webhooks").status_code == 403


def test_a_paused_subscription_keeps_its_events_until_resumed(
        app, as_user, traveller, receiver):  # noqa: F811 - the fixture
    subscription = _subscribe(as_user, receiver.url, ["case.started"])
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    admin = as_user("administrator")
    assert admin.patch(f"/api/v1/webhooks/{subscription['id']}",
                       json={"active": False}).status_code == 200
    _scheduler_pass(app)
    assert receiver.about(walk.id) == []
    [entry] = _log(as_user, subscription, walk.id)
    assert (entry["status"], entry["attempts"]) == ("pending", 0)
    assert admin.patch(f"/api/v1/webhooks/{subscription['id']}",
                       json={"active": True}).status_code == 200
    traveller.shift(timedelta(seconds=31))
    _scheduler_pass(app)
    assert len(receiver.about(walk.id)) == 1
