"""Issue 20 part 4: scaled out, webhooks are posted by Celery workers (through Redis, as the
timers are: tests/test_celery_scheduler.py): beat's `enqueue_due` pass enqueues
`panelflow.deliver_webhooks`, which a real worker process runs against a real receiver."""
from __future__ import annotations

import json
import os
import signal

from app.worker import make_celery
from tests.connections.receiver import receiver, verify  # noqa: F401 - the fixture
from tests.helpers import start
from tests.test_celery_scheduler import REDIS_URL, _start_worker, _wait_until, queue  # noqa: F401

SECRET = "celery-shared-secret-12345"


def test_a_worker_delivers_the_events_beat_enqueues(app, as_user, database_url, forms_dir,
                                                    queue, receiver):  # noqa: F811
    made = as_user("administrator").post("/api/v1/webhooks", json={
        "name": "Eclipse", "url": receiver.url, "events": ["case.started"], "secret": SECRET})
    assert made.status_code == 201, made.json
    case = start(as_user("social_worker"), "marp", child_ref="C-9701")  # real clock: due now
    worker = _start_worker(database_url, forms_dir, queue, "hooks")
    try:
        app.config.update(CELERY_QUEUE=queue, CELERY_BROKER_URL=REDIS_URL)
        make_celery(app).send_task("panelflow.enqueue_due", queue=queue)
        _wait_until(lambda: any(json.loads(r["body"])["case"]["id"] == case["id"]
                                for r in receiver.received))
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=20)
    [request] = receiver.about(case["id"])
    assert verify(SECRET, request)
