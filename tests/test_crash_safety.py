"""Crash safety: SIGKILL the server while completions are in flight, restart, and check.

Every step is one transaction, so after the kill each instance is before or after each step,
never in between; a retry of a step that did complete gets 409, and pathways carry on.
The server is real gunicorn on this run's database (SQLite or PostgreSQL).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.client import HTTPConnection, HTTPException
from pathlib import Path

import pytest

from app.engine import workflows
from app.extensions import db
from app.models import HistoryEvent, HumanTask, ProcessInstance
from app.services import progress
from bench.load import free_port
from tests.conftest import DEMO_PASSWORD, ROOT

SAMPLES = json.loads((Path(__file__).parent / "pathways" / "marp_samples.json").read_text())
STEPS = {"prepare_request": "social_worker", "tm_review": "team_manager",
         "sm_approval": "service_manager"}


def _call(port, method, path, body=None, token=None, timeout=10):
    conn = HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def _start_server(database_url, forms_dir, port):
    env = {**os.environ, "DATABASE_URL": database_url, "PANELFLOW_ENV": "testing",
           "PANELFLOW_DEPLOY_ON_START": "1", "PANELFLOW_RUN_SCHEDULER": "0",
           "PANELFLOW_FORMS_DIR": str(forms_dir), "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _call(port, "GET", "/api/v1/openapi.json", timeout=2)[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise AssertionError("gunicorn did not start")


def _tokens(port):
    return {user: _call(port, "POST", "/api/v1/auth/token",
                        {"username": user, "password": DEMO_PASSWORD})[1]["token"]
            for user in set(STEPS.values())}


def _worker(port, tokens, stop, seen):
    """Start cases and push each through its first steps until told to stop."""
    while not stop.is_set():
        try:
            status, case = _call(port, "POST", "/api/v1/process-instances", {
                "process_model": "marp", "subject": {"child_ref": "C-CRASH"}},
                tokens["social_worker"])
            if status != 201:
                continue
            task = case["tasks"][0]
            while task and not stop.is_set():
                status, body = _call(port, "POST", f"/api/v1/tasks/{task['id']}/complete",
                                     {"data": SAMPLES[task["name"]]}, tokens[STEPS[task["name"]]])
                seen.append((task["id"], task["name"], status))
                following = [t for t in body.get("next_tasks", []) if t["name"] in STEPS]
                task = following[0] if status == 200 and following else None
        except (OSError, ValueError, HTTPException):  # the kill can cut a response short
            seen.append((None, None, "connection lost"))
            return


def _consistent(app):
    """Each instance's rows and its serialised workflow agree: no step half done."""
    with app.app_context():
        events = Counter(db.session.scalars(db.select(HistoryEvent.task_id).where(
            HistoryEvent.event == "completed", HistoryEvent.task_id.is_not(None))))
        for instance in db.session.scalars(db.select(ProcessInstance)):
            workflow, _ = progress.load(instance)
            ready_engine = {t.engine_task_id for t in workflows.ready_user_tasks(workflow)}
            rows = db.session.scalars(db.select(HumanTask).where(
                HumanTask.instance_id == instance.id)).all()
            ready_rows = {t.engine_task_id for t in rows if t.status == "ready"}
            assert ready_rows == ready_engine, instance.id
            for row in rows:
                expected = 1 if row.status == "completed" else 0
                assert events[row.id] == expected, (row.id, row.status, events[row.id])
        db.session.remove()


def _succeeded(seen: list) -> int:
    return sum(1 for _task, _name, status in list(seen) if status == 200)


# Killed once this many completions have landed (never after a fixed time: on a busy
# machine nothing might have finished yet), while the six workers have more in flight.
@pytest.mark.parametrize("kill_after", [1, 5])
def test_sigkill_mid_flight_loses_nothing_and_duplicates_nothing(app, database_url, forms_dir,
                                                                 kill_after):
    port = free_port()
    server = _start_server(database_url, forms_dir, port)
    stop, seen = threading.Event(), []
    try:
        tokens = _tokens(port)
        threads = [threading.Thread(target=_worker, args=(port, tokens, stop, seen))
                   for _ in range(6)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while _succeeded(seen) < kill_after and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(server.pid, signal.SIGKILL)  # while requests are in flight
        server.wait(10)
        stop.set()
        for t in threads:
            t.join(20)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    succeeded = [(task_id, name) for task_id, name, status in seen if status == 200]
    assert succeeded, "no completion finished before the kill; nothing was tested"
    _consistent(app)

    server = _start_server(database_url, forms_dir, port)
    try:
        tokens = _tokens(port)
        task_id, name = succeeded[-1]
        status, body = _call(port, "POST", f"/api/v1/tasks/{task_id}/complete",
                             {"data": SAMPLES[name]}, tokens[STEPS[name]])
        assert status == 409, body  # the retry of a step that did complete
        with app.app_context():
            ready = db.session.scalars(db.select(HumanTask).where(
                HumanTask.status == "ready", HumanTask.name.in_(list(STEPS)))).first()
            db.session.remove()
        assert ready is not None
        status, body = _call(port, "POST", f"/api/v1/tasks/{ready.id}/complete",
                             {"data": SAMPLES[ready.name]}, tokens[STEPS[ready.name]])
        assert status == 200, body  # pathways carry on after the restart
        _consistent(app)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
