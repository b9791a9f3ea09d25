"""The failed sign-in limit holds across workers: two gunicorn worker processes, started here
against this run's database, count one set of failures kept in Redis (127.0.0.1:6379, a key
prefix of this run's own, removed afterwards).

Which worker answers is forced, not left to chance: a sync worker serves one connection at a
time, so a connection that has sent half a request keeps that worker busy and every other
request goes to the other one. The access log names the process that answered each request.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

from app.services import sign_in_limit
from app.services.sign_in_limit import RedisFailureLimiter

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_prefix():
    prefix = f"panelflow-test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def two_workers(app, database_url, redis_prefix, tmp_path):
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": database_url, "PANELFLOW_ENV": "development",
           "PANELFLOW_DEPLOY_ON_START": "0", "PANELFLOW_RUN_SCHEDULER": "0",
           "PANELFLOW_REDIS_URL": REDIS_URL, "PANELFLOW_REDIS_PREFIX": redis_prefix}
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s %(U)s?%(q)s",
         "--no-control-socket", "--graceful-timeout", "5",
         "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "gunicorn.err", "w"))  # noqa: SIM115 - closed with the process
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(f"{base}/login", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            pytest.fail((tmp_path / "gunicorn.err").read_text())
        yield base, port, access_log
    finally:
        server.terminate()
        server.wait(timeout=20)


def _served(access_log: Path, attempt: str) -> tuple[str, str]:
    """(worker pid, status) of the request whose query string was `attempt`."""
    for _ in range(50):
        for line in access_log.read_text().splitlines():
            pid, status, path = line.split(" ", 2)
            if path.endswith(f"?{attempt}"):
                return pid, status
        time.sleep(0.05)
    raise AssertionError(f"{attempt} not in the access log")


class Stall:
    """Half a request on its own connection: the worker that accepts it waits for the rest."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(b"GET /login?stall HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.5)  # accepted by an idle worker before anything else arrives

    def finish(self) -> None:
        self.sock.sendall(b"Connection: close\r\n\r\n")
        while self.sock.recv(65536):
            pass
        self.sock.close()


def test_failures_in_both_workers_add_up_to_one_limit(two_workers):
    base, port, access_log = two_workers
    browser = requests.Session()
    token = TOKEN.search(browser.get(f"{base}/login", timeout=10).text).group(1)
    counter = iter(range(100))

    def attempt(password: str) -> tuple[str, str]:
        tag = f"attempt={next(counter)}"
        response = browser.post(f"{base}/login?{tag}", timeout=10, allow_redirects=False, data={
            "csrf_token": token, "username": "manager", "password": password})
        pid, status = _served(access_log, tag)
        assert status == str(response.status_code)
        return pid, status

    first_stall = Stall(port)  # one worker waits: the other (A) answers three failures
    served_a = {attempt("wrong") for _ in range(3)}
    [(worker_a, _)] = served_a
    second_stall = Stall(port)  # now A waits on this one, and the first worker is freed
    first_stall.finish()
    served_b = [attempt("wrong") for _ in range(2)]
    [worker_b] = {pid for pid, _ in served_b}
    assert worker_b != worker_a, "the two failures were answered by the other worker"
    assert [status for _, status in served_b] == ["401", "401"]
    # B has seen only two failures itself; the five between both workers stop the sixth,
    # even with the right password.
    assert attempt("demo-test-password") == (worker_b, "429")
    third_stall = Stall(port)  # B waits on this one, and A is freed: A refuses too
    second_stall.finish()
    assert attempt("demo-test-password") == (worker_a, "429")
    third_stall.finish()


def test_a_success_clears_the_shared_count(redis_prefix):
    limiter = RedisFailureLimiter(REDIS_URL, redis_prefix, limit=2, window=60)
    limiter.fail("user:x", "addr:1")
    assert limiter.retry_after("user:x") == 0
    limiter.fail("user:x", "addr:2")
    assert 0 < limiter.retry_after("user:x", "addr:9") <= 61
    assert limiter.retry_after("addr:1") == 0  # one failure from that address only
    limiter.clear("user:x")
    assert limiter.retry_after("user:x") == 0


def test_without_redis_the_process_counts(app):
    with app.app_context():
        assert sign_in_limit.limiter() is sign_in_limit.MEMORY


def test_an_unreachable_redis_falls_back_to_the_process(redis_prefix):
    limiter = RedisFailureLimiter(f"redis://127.0.0.1:{_free_port()}/0", redis_prefix, limit=1)
    limiter.fail("user:y")
    assert limiter.retry_after("user:y") > 0
