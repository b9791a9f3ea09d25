"""Timers fired by Celery workers through Redis (127.0.0.1:6379): the scaled-out scheduler.

Two real worker processes share one queue while every due instance is enqueued twice, as a
beat that ran twice (or two beats) would. Each timer must fire exactly once: the row lock and
the re-check after it make the second message a no-op. Then `enqueue_due` (what beat runs)
finds and fires new due work on its own.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis

from app.extensions import db
from app.models import HistoryEvent, InstanceStatus, ProcessInstance
from app.worker import make_celery
from tests.conftest import ROOT
from tests.diagrams import two_step
from tests.helpers import deploy, waiting_on_its_timer

REDIS_URL = os.environ.get("PANELFLOW_TEST_REDIS", "redis://127.0.0.1:6379/0")
TIMER_SECONDS = 2


def _waiting_on_a_timer(as_user) -> str:
    """A case whose timer falls due TIMER_SECONDS after it starts waiting."""
    return waiting_on_its_timer(as_user)


def _start_worker(database_url: str, forms_dir: Path, queue: str, name: str):
    env = {**os.environ, "DATABASE_URL": database_url, "PANELFLOW_ENV": "testing",
           "PANELFLOW_DEPLOY_ON_START": "0", "PANELFLOW_FORMS_DIR": str(forms_dir),
           "PANELFLOW_CELERY_QUEUE": queue, "PANELFLOW_REDIS_URL": REDIS_URL,
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "celery_app", "worker",
         "--pool", "solo", "-Q", queue, "-n", f"{name}@%h", "--without-mingle",
         "--without-gossip", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _fired(app, ids: list[str]) -> tuple[Counter, set[str]]:
    """Timer firings per instance, and the instances the timer has carried to their end."""
    with app.app_context():
        fired = Counter(db.session.scalars(db.select(HistoryEvent.instance_id).where(
            HistoryEvent.instance_id.in_(ids), HistoryEvent.event == "timer_fired")))
        done = set(db.session.scalars(db.select(ProcessInstance.id).where(
            ProcessInstance.id.in_(ids), ProcessInstance.status == InstanceStatus.COMPLETED)))
        db.session.remove()
        return fired, done


def _wait_until(check, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError("the workers did not finish in time")


@pytest.fixture
def queue(app):
    name = f"panelflow-test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Redis is part of the production set-up: fail, never skip, without it
    yield name
    client.delete(name)


@pytest.fixture
def short_timer(app):
    deploy(app, two_step(timer=f'"PT{TIMER_SECONDS}S"'))


def test_two_workers_fire_each_due_timer_exactly_once(app, as_user, database_url, forms_dir,
                                                      queue, short_timer):
    ids = [_waiting_on_a_timer(as_user) for _ in range(6)]
    workers = [_start_worker(database_url, forms_dir, queue, f"w{n}") for n in (1, 2)]
    try:
        app.config.update(CELERY_QUEUE=queue, CELERY_BROKER_URL=REDIS_URL)
        producer = make_celery(app)
        time.sleep(TIMER_SECONDS + 0.5)  # real workers run on the real clock
        assert _fired(app, ids) == (Counter(), set()), "nothing fires without the scheduler"
        for _ in range(2):  # every message twice
            for instance_id in ids:
                producer.send_task("panelflow.fire_instance", args=[instance_id], queue=queue)
        _wait_until(lambda: _fired(app, ids)[1] == set(ids))
        time.sleep(1.0)  # let the duplicates land too
        fired, _done = _fired(app, ids)
        assert fired == Counter({i: 1 for i in ids}), "each timer fired exactly once"

        # What beat runs every interval: find due work and enqueue it.
        late = _waiting_on_a_timer(as_user)
        time.sleep(TIMER_SECONDS + 0.5)
        producer.send_task("panelflow.enqueue_due", queue=queue)
        _wait_until(lambda: _fired(app, [late]) == (Counter({late: 1}), {late}))
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=20)
