# ruff: noqa: E402 - `app` is importable only after the sys.path line below
"""Benchmark: the managers' views over many cases, scoped by team and service.

Seeds (by default) 20,000 MARP cases, cloned from one real case, across 10 teams in two
services: each waits at its first step (30% of them overdue) or, one in ten, at the timer before
the panel meeting. Then times, over whole HTTP requests through Flask's test client:

- the case list (page 1 of 25) for the council-wide manager, a team manager, a head of service,
  and a team manager's overdue filter; the CSV export of one team's cases;
- the dashboard (figures over every visible case) for the manager and a team manager;
- the MARP heatmap (cases waiting at each step, user tasks and timers);
- the API's instance list for a team manager.

Run (SQLite in a temporary directory by default):

    .venv/bin/python bench/managers.py
    .venv/bin/python bench/managers.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/panelflow_bench_managers

Options: --cases 20000 --teams 10 --runs 20 --keep.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import insert, select, text

from app import create_app, demo
from app.extensions import db
from app.models import HumanTask, ProcessInstance, Role, User, user_roles, utcnow
from app.services import instances
from app.services.auth import hash_password
from app.services.deployment import deploy_directory
from bench.seeding import fresh_database

PASSWORD = "bench-password"
CHUNK = 5000
SERVICES = ("North Locality Service", "South Locality Service")


def make_app(url: str) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DEPLOY_ON_START": False,
                      "RUN_SCHEDULER": False, "PANELFLOW_ENV": "testing",
                      "PROCESSES_DIR": str(ROOT / "processes"),
                      "FORMS_DIR": str(ROOT / "forms"), "DEMO_PASSWORD": PASSWORD})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def _team(index: int) -> tuple[str, str]:
    return f"Team {index + 1}", SERVICES[index % 2]


def seed(app: Flask, cases: int, teams: int) -> float:
    began = time.perf_counter()
    with app.app_context():
        demo.seed(ROOT / "processes", PASSWORD)
        db.session.commit()
        deploy_directory(ROOT / "processes")
        db.session.commit()
        password_hash = hash_password(PASSWORD)
        now = utcnow()
        db.session.execute(insert(User), [
            {"username": f"{kind}_{k}", "display_name": f"{kind} {k}",
             "password_hash": password_hash, "team": _team(k)[0], "service": _team(k)[1],
             "active": True, "created_at": now}
            for k in range(teams) for kind in ("tm", "sw")])
        db.session.execute(insert(User), [
            {"username": f"hos_{s}", "display_name": f"Head of service {s}",
             "password_hash": password_hash, "team": None, "service": SERVICES[s],
             "active": True, "created_at": now} for s in range(2)])
        ids = dict(db.session.execute(select(User.username, User.id)).all())
        db.session.get(Role, "team_manager")
        db.session.execute(insert(user_roles), [
            {"user_id": ids[f"{kind}_{k}"], "role_key": role}
            for k in range(teams) for kind, role in (("tm", "team_manager"),
                                                      ("sw", "social_worker"))]
            + [{"user_id": ids[f"hos_{s}"], "role_key": "head_of_service"} for s in range(2)])
        db.session.commit()
        starter = db.session.scalar(select(User).where(User.username == "sw_0"))
        template = instances.start(starter, "marp", {"child_ref": "C-0", "name": "Template"}, {})
        db.session.commit()
        row = {c.key: getattr(template, c.key) for c in ProcessInstance.__table__.columns}
        task = template.tasks[0]
        task_row = {c.key: getattr(task, c.key) for c in HumanTask.__table__.columns}
        db.session.execute(text("DELETE FROM history_events"))
        db.session.execute(text("DELETE FROM human_tasks"))
        db.session.execute(text("DELETE FROM process_instances"))
        db.session.commit()
        for first in range(0, cases, CHUNK):
            rows, tasks = [], []
            for i in range(first, min(cases, first + CHUNK)):
                team, service = _team(i % teams)
                started = now - timedelta(days=1 + i % 40)
                instance_id = uuid.uuid4().hex
                at_timer = i % 10 == 9
                rows.append({**row, "id": instance_id, "child_ref": f"C-{i}",
                             "subject": {"child_ref": f"C-{i}", "name": f"Child {i}"},
                             "team": team, "service": service, "started_at": started,
                             "started_by": f"sw_{i % teams}",
                             "status": "waiting" if at_timer else "running",
                             "next_timer_at": now + timedelta(days=3) if at_timer else None,
                             "timer_waits": {"wait_for_panel_meeting": started.isoformat()}
                             if at_timer else {}})
                if not at_timer:
                    due = now - timedelta(days=2) if i % 10 < 3 else now + timedelta(days=5)
                    tasks.append({**task_row, "id": uuid.uuid4().hex,
                                  "instance_id": instance_id, "created_at": started,
                                  "assignee": f"sw_{i % teams}", "due_at": due,
                                  "due_sort": due, "subject": {"child_ref": f"C-{i}"}})
            db.session.execute(insert(ProcessInstance), rows)
            db.session.execute(insert(HumanTask), tasks)
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return time.perf_counter() - began


def signed_in(app: Flask, username: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"csrf_token": token, "username": username,
                                         "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    return client


def api_client(app: Flask, username: str):
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": username,
                                                    "password": PASSWORD}).get_json()["token"]
    return client, {"Authorization": f"Bearer {token}"}


def time_get(client, url: str, runs: int, headers: dict | None = None) -> tuple[float, float, int]:
    timings = []
    size = 0
    for _ in range(runs + 2):
        began = time.perf_counter()
        response = client.get(url, headers=headers or {})
        timings.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.get_data())
    timings = sorted(timings[2:])  # the first two warm caches
    return statistics.median(timings), timings[max(0, int(0.95 * len(timings)) - 1)], size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    database = fresh_database(args.database_url, args.keep)
    try:
        app = make_app(database.url)
        seconds = seed(app, args.cases, args.teams)
        print(f"database: {database.dialect}; {args.cases} cases in {args.teams} teams, "
              f"2 services; seeded in {seconds:.1f} s; {args.runs} runs each")
        manager, team_manager = signed_in(app, "manager"), signed_in(app, "tm_0")
        head = signed_in(app, "hos_0")
        api, headers = api_client(app, "tm_0")
        checks = [
            ("case list, manager (every case)", manager, "/cases", None),
            ("case list, team manager (one team)", team_manager, "/cases", None),
            ("case list, head of service (5 teams)", head, "/cases", None),
            ("case list, team manager, overdue only", team_manager, "/cases?overdue=1", None),
            ("cases CSV, team manager (one team)", team_manager, "/cases.csv", None),
            ("dashboard, manager", manager, "/dashboard", None),
            ("dashboard, team manager", team_manager, "/dashboard", None),
            ("heatmap JSON, manager", manager, "/dashboard/marp/heatmap.json", None),
            ("API instance list, team manager", api, "/api/v1/process-instances", headers),
        ]
        print(f"{'view':44} {'median':>10} {'p95':>10} {'bytes':>10}")
        for label, client, url, extra in checks:
            median, p95, size = time_get(client, url, args.runs, extra)
            print(f"{label:44} {median * 1000:8.1f} ms {p95 * 1000:8.1f} ms {size:10d}")
    finally:
        database.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
