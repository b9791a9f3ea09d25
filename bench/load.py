"""Load: many practitioners at once against gunicorn on PostgreSQL, then a consistency audit.

Starts the app under gunicorn (several workers) on a fresh PostgreSQL database, then runs
`--users` simulated practitioners for `--seconds`: each signs in, starts a pathway
(`bench/processes/bench_parallel.bpmn`: five parallel user tasks) and completes its tasks,
over and over. Prints throughput, median and p95 latency, and error counts; then checks in
the database that every completion a client saw succeed is recorded exactly once, that no
task was completed twice, and that every instance's rows agree.

    .venv/bin/python bench/load.py [--users 50 --seconds 30 --workers 4]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "load-test-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One practitioner: a keep-alive connection and a bearer token."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        self.conn.request(method, path, json.dumps(body) if body is not None else None,
                          self.headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")

    def sign_in(self, username: str) -> None:
        status, body = self.call("POST", "/api/v1/auth/token",
                                 {"username": username, "password": PASSWORD})
        assert status == 200, body
        self.headers["Authorization"] = f"Bearer {body['token']}"


def practitioner(port: int, username: str, stop: float, results: dict, lock) -> None:
    client = Client(port)
    client.sign_in(username)
    completed, latencies, errors = [], [], Counter()
    while time.monotonic() < stop:
        status, instance = client.call("POST", "/api/v1/process-instances", {
            "process_model": "bench_parallel",
            "subject": {"child_ref": f"L-{uuid.uuid4().hex[:8]}", "name": "Load Child"}})
        if status != 201:
            errors[f"start {status}"] += 1
            continue
        for task in instance["tasks"]:
            if time.monotonic() >= stop:
                break
            began = time.perf_counter()
            status, _ = client.call("POST", f"/api/v1/tasks/{task['id']}/complete",
                                    {"data": {"note": "done"}})
            latencies.append(time.perf_counter() - began)
            if status == 200:
                completed.append(task["id"])
            else:
                errors[f"complete {status}"] += 1
    with lock:
        results["completed"] += completed
        results["latencies"] += latencies
        results["errors"].update(errors)


def audit(url: str, completed: list[str]) -> list[str]:
    problems = []
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id, status FROM human_tasks").fetchall()
        status = dict(rows)
        events = Counter(r[0] for r in conn.execute(
            "SELECT task_id FROM history_events WHERE event = 'completed' "
            "AND task_id IS NOT NULL").fetchall())
        for task_id in completed:
            if status.get(task_id) != "completed":
                problems.append(f"task {task_id} answered 200 but is {status.get(task_id)}")
            if events[task_id] != 1:
                problems.append(f"task {task_id} has {events[task_id]} completion events")
        twice = [t for t, n in events.items() if n > 1]
        problems += [f"task {t} completed {events[t]} times" for t in twice]
        stray = [t for t, s in status.items() if s == "completed" and events[t] != 1]
        problems += [f"completed task {t} without exactly one event" for t in stray]
        bad = conn.execute("""
            SELECT i.id FROM process_instances i
            WHERE (i.status = 'completed') <> NOT EXISTS (
                SELECT 1 FROM human_tasks t WHERE t.instance_id = i.id AND t.status = 'ready')
        """).fetchall()
        problems += [f"instance {r[0]} status disagrees with its tasks" for r in bad]
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    name = f"panelflow_load_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://"),
           "PANELFLOW_ENV": "testing", "DEMO_PASSWORD": PASSWORD, "FLASK_APP": "wsgi",
           "PANELFLOW_PROCESSES_DIR": str(ROOT / "bench" / "processes"),
           "PANELFLOW_FORMS_DIR": str(ROOT / "bench" / "forms"),
           "PANELFLOW_RUN_SCHEDULER": "0", "PYTHONPATH": str(ROOT)}
    bin_dir = Path(sys.executable).parent
    server = None
    try:
        subprocess.run([bin_dir / "flask", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        subprocess.run([bin_dir / "flask", "deploy"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        subprocess.run([bin_dir / "flask", "seed-demo"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [bin_dir / "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
             "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                Client(port).call("GET", "/api/v1/openapi.json")
                break
            except OSError:
                time.sleep(0.2)
        users = ["social_worker", "social_worker_2"]  # both may start and do these tasks
        results = {"completed": [], "latencies": [], "errors": Counter()}
        lock = threading.Lock()
        began = time.monotonic()
        stop = began + args.seconds
        threads = [threading.Thread(target=practitioner,
                                    args=(port, users[i % 2], stop, results, lock))
                   for i in range(args.users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.seconds + 60)
        elapsed = time.monotonic() - began
        latencies = sorted(results["latencies"])
        done = len(results["completed"])
        print(f"users {args.users}, gunicorn workers {args.workers}, {elapsed:.1f} s")
        print(f"completions succeeded: {done} ({done / elapsed:.1f} per second)")
        if latencies:
            p95 = latencies[int(0.95 * (len(latencies) - 1))]
            print(f"completion latency: median {statistics.median(latencies) * 1000:.1f} ms, "
                  f"p95 {p95 * 1000:.1f} ms")
        print(f"errors: {dict(results['errors']) or 'none'}")
        problems = audit(url, results["completed"])
        print("database audit: " + ("every completion recorded exactly once; instances "
                                    "consistent" if not problems else f"{len(problems)} problems"))
        for problem in problems[:20]:
            print("  " + problem)
        if problems or results["errors"]:
            raise SystemExit(1)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
