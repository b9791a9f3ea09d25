"""The production shape, with real processes (issue 21, part 3; docs/production.md follows it).

gunicorn (two workers, gunicorn.conf.py) with PANELFLOW_ENV=production on a throwaway
PostgreSQL database (on the SQLite run of the suite too: production is PostgreSQL), a Celery
worker and beat on Redis, no demo data. Then what a council does on its first day:
migrations, the first administrator from the command line, a team and a social worker through
the API; the social worker signs in, starts a MARP request and completes its first step, and a
2-second timer fires through Celery. Health and metrics (summed over the two web workers and
the Celery worker: prometheus_client's multiprocess mode) are read as a monitor would.
Every wait polls for the state it needs, never a fixed sleep.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PG_ADMIN_URL, ROOT
from tests.diagrams import HEADER

BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("PANELFLOW_TEST_REDIS", "redis://127.0.0.1:6379/0")
SAMPLES = json.loads((ROOT / "tests" / "pathways" / "marp_samples.json").read_text())
METRICS_TOKEN = secrets.token_urlsafe(24)
ADMIN_PASSWORD = "first-admin-" + secrets.token_urlsafe(12)
TIMER_XML = HEADER + (
    '<bpmn:process id="timer_check" name="Timer check" isExecutable="true">'
    '<bpmn:laneSet id="lanes"><bpmn:lane id="lane_sw" name="Social Worker">'
    "<bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>wait</bpmn:flowNodeRef>"
    "<bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
    '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
    '<bpmn:intermediateCatchEvent id="wait" name="Two seconds"><bpmn:incoming>f1'
    "</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition>"
    '<bpmn:timeDuration>"PT2S"</bpmn:timeDuration></bpmn:timerEventDefinition>'
    "</bpmn:intermediateCatchEvent>"
    '<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>'
    "</bpmn:process></bpmn:definitions>")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check: Callable[[], object], what: str, seconds: float = 30) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Site:
    """The processes of one production set-up, and HTTP calls to its web server."""

    def __init__(self, tmp: Path, database_url: str):
        self.tmp = tmp
        self.port = _free_port()
        self.queue = f"panelflow-prod-test-{uuid.uuid4().hex[:8]}"
        self.env = {
            "PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp), "PYTHONPATH": str(ROOT),
            "FLASK_APP": "wsgi", "PANELFLOW_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48), "DATABASE_URL": database_url,
            "PANELFLOW_REDIS_URL": REDIS_URL, "PANELFLOW_CELERY_QUEUE": self.queue,
            "PANELFLOW_SCHEDULER_INTERVAL": "1",
            "PANELFLOW_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "PANELFLOW_METRICS_TOKEN": METRICS_TOKEN,
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def flask(self, *args: str, stdin: str | None = None) -> str:
        run = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=self.env, input=stdin,
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, (args, run.stdout, run.stderr)
        return run.stdout

    def start(self, name: str, *command: str, **env: str) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env={**self.env, **env},
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes[name] = process
        return process

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{(self.tmp / f'{name}.log').read_text()[-3000:]}"
                         for name in self.processes)

    def stop(self) -> None:
        # Quick shutdowns (gunicorn SIGINT, Celery's cold SIGQUIT): nothing is left to finish.
        for name, process in self.processes.items():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT if name == "web" else signal.SIGQUIT)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def call(self, method: str, path: str, token: str | None = None, body: object = None,
             xml: str | None = None) -> tuple[int, object]:
        headers, data = {}, None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if xml is not None:
            data, headers["Content-Type"] = xml.encode(), "application/xml"
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                         headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, raw, kind = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, kind = error.code, error.read(), error.headers
        if kind.get_content_type() == "application/json":
            return status, json.loads(raw)
        return status, raw.decode()

    def ok(self, method: str, path: str, token: str | None = None, **kw) -> object:
        status, answer = self.call(method, path, token, **kw)
        assert status in (200, 201), (method, path, status, answer)
        return answer

    def serving(self) -> bool:
        try:
            return self.call("GET", "/healthz")[0] == 200
        except OSError:
            return False


@pytest.fixture(autouse=True)
def clean_database():
    """This test brings its own database: the suite's shared one is neither made nor reset."""
    yield


@pytest.fixture
def production_db() -> Iterator[str]:
    name = f"panelflow_prod_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required for the production test: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def site(tmp_path, production_db) -> Iterator[Site]:
    redis.Redis.from_url(REDIS_URL).ping()  # Redis is part of production: fail, never skip
    running = Site(tmp_path, production_db)
    yield running
    running.stop()
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{running.queue}*"):
        client.delete(key)


def _figures(site: Site) -> dict[tuple[str, tuple], float]:
    text = site.ok("GET", "/metrics", METRICS_TOKEN)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_a_weak_secret_key_stops_gunicorn_before_it_serves(site):
    site.env["SECRET_KEY"] = "changeme"
    web = site.start("web", str(BIN / "gunicorn"), "-c", "gunicorn.conf.py",
                     "--bind", f"127.0.0.1:{site.port}", "wsgi:app")
    assert web.wait(timeout=60) != 0
    said = (site.tmp / "web.log").read_text()
    assert "Panelflow refuses to start" in said and "set SECRET_KEY to a random value" in said


def test_first_day_in_production(site):
    # Migrations first, then the first administrator, from the command line.
    site.flask("db", "upgrade")
    site.flask("create-admin", "it_admin", "--display-name", "Council IT Admin",
               "--email", "it.admin@council.example")
    site.flask("set-password", "it_admin", stdin=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")

    site.start("web", str(BIN / "gunicorn"), "-c", "gunicorn.conf.py",
               "--bind", f"127.0.0.1:{site.port}", "--workers", "2", "wsgi:app")
    # The web deploys processes/ as it starts; the worker and beat need not (docs/production.md).
    site.start("worker", str(BIN / "celery"), "-A", "celery_app", "worker",
               "-Q", site.queue, "--concurrency", "1", "--without-mingle", "--without-gossip",
               "--loglevel", "WARNING", PANELFLOW_DEPLOY_ON_START="0")
    site.start("beat", str(BIN / "celery"), "-A", "celery_app", "beat", "--loglevel",
               "WARNING", "--schedule", str(site.tmp / "beat-schedule"),
               PANELFLOW_DEPLOY_ON_START="0")
    try:
        wait_for(site.serving, "gunicorn to serve /healthz", 40)
        _first_day(site)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{site.logs()}") from None


def _first_day(site: Site) -> None:
    assert site.ok("GET", "/readyz") == {"status": "ok",
                                         "checks": {"database": "ok", "migrations": "ok"}}
    admin = site.ok("POST", "/api/v1/auth/token",
                    body={"username": "it_admin", "password": ADMIN_PASSWORD})["token"]
    assert [u["username"] for u in site.ok("GET", "/api/v1/users", admin)] == ["it_admin"]

    site.ok("POST", "/api/v1/teams", admin,
            body={"key": "north", "name": "North Locality", "service": "Children's Services"})
    for username, role in (("sam_worker", "social_worker"), ("pat_owner", "process_owner")):
        site.ok("POST", "/api/v1/users", admin, body={
            "username": username, "display_name": username.replace("_", " ").title(),
            "roles": [role], "team": "north", "password": f"{username}-pass-2026-long"})
    worker = site.ok("POST", "/api/v1/auth/token", body={
        "username": "sam_worker", "password": "sam_worker-pass-2026-long"})["token"]
    owner = site.ok("POST", "/api/v1/auth/token", body={
        "username": "pat_owner", "password": "pat_owner-pass-2026-long"})["token"]

    # A MARP request, its first step completed.
    case = site.ok("POST", "/api/v1/process-instances", worker, body={
        "process_model": "marp", "subject": {"child_ref": "C-PROD-1", "name": "Jo Test"}})
    [first] = [t for t in case["tasks"] if t["status"] == "ready"]
    assert first["name"] == "prepare_request"
    done = site.ok("POST", f"/api/v1/tasks/{first['id']}/complete", worker,
                   body={"data": SAMPLES["prepare_request"]})
    assert [t["name"] for t in done["next_tasks"]] == ["tm_review"]

    # A two-second timer, deployed by the process owner, fired by beat and the worker.
    site.ok("POST", "/api/v1/process-models/timer_check/versions?change_note=Timer+check",
            owner, xml=TIMER_XML)
    waiting = site.ok("POST", "/api/v1/process-instances", worker, body={
        "process_model": "timer_check", "subject": {"child_ref": "C-PROD-2"}})
    assert waiting["status"] == "waiting"
    path = f"/api/v1/process-instances/{waiting['id']}"
    wait_for(lambda: site.ok("GET", path, worker)["status"] == "completed",
             "the timer to fire through Celery", 30)
    history = site.ok("GET", f"{path}/history", worker)
    assert [e["actor"] for e in history if e["event"] == "timer_fired"] == ["scheduler"]

    # Figures summed over both web workers and the Celery worker.
    for _ in range(10):
        site.ok("GET", "/healthz")
    figures = _figures(site)
    assert figures[("panelflow_http_request_duration_seconds_count",
                    (("method", "GET"), ("route", "/healthz")))] >= 10
    assert figures[("panelflow_task_completions_total", (("pathway", "marp"),))] == 1
    assert figures[("panelflow_timers_fired_total",
                    (("outcome", "ok"), ("pathway", "timer_check")))] == 1
    assert figures[("panelflow_open_tasks", (("pathway", "marp"),))] == 1
    assert figures[("panelflow_timers_due", ())] == 0
    assert site.call("GET", "/metrics")[0] == 403  # not without the token
