"""Timing: completions over HTTP against SpiffWorkflow alone, the inbox query, the SQL census
and a cProfile of completions."""
from __future__ import annotations

import cProfile
import gc
import io
import pstats
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from app.api.paging import paginate
from app.engine import workflows
from app.engine.parsing import parse_model
from app.extensions import db
from app.models import HumanTask, TaskStatus, User
from app.services import tasks as task_service
from app.services.auth import issue_token
from bench.seeding import ROOT, Seeded

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"  # git-ignored: cProfile dumps
SUBMISSION = {"note": "x"}
WARMUP = 5
PER_PAGE = 50


# ---------------------------------------------------------------------------- measurements
@dataclass(frozen=True)
class Job:
    task_id: str
    username: str


@dataclass
class Results:
    http: list[float] = field(default_factory=list)
    engine_step: list[float] = field(default_factory=list)
    engine_round_trip: list[float] = field(default_factory=list)
    inbox: list[float] = field(default_factory=list)
    inbox_http: list[float] = field(default_factory=list)
    statements_per_completion: float = 0.0
    sql_ms_per_completion: float = 0.0
    census_ms_per_completion: float = 0.0


def pick_jobs(seeded: Seeded, count: int, users: int, rng: random.Random) -> list[Job]:
    """Tasks from `count` different instances, each with the user who holds it."""
    if count > len(seeded.assigned):
        raise SystemExit(f"need {count} assigned instances, have {len(seeded.assigned)}")
    chosen = rng.sample(seeded.assigned, count)
    return [Job(rng.choice(seeded.task_ids[i]), seeded.usernames[i % users]) for i in chosen]


def issue_tokens(app: Flask, usernames: set[str]) -> dict[str, str]:
    with app.app_context():
        users = db.session.scalars(select(User).where(User.username.in_(sorted(usernames)))).all()
        tokens = {user.username: issue_token(user)[0] for user in users}
        db.session.commit()
    return tokens


def complete_over_http(client: FlaskClient, job: Job, tokens: dict[str, str],
                       profiler: cProfile.Profile | None = None) -> float:
    headers = {"Authorization": f"Bearer {tokens[job.username]}"}
    url = f"/api/v1/tasks/{job.task_id}/complete"
    body = {"data": SUBMISSION}
    if profiler is not None:
        profiler.enable()
    start = time.perf_counter()
    response = client.post(url, json=body, headers=headers)
    elapsed = time.perf_counter() - start
    if profiler is not None:
        profiler.disable()
    if response.status_code != 200:
        raise AssertionError(f"POST {url} as {job.username} gave {response.status_code}: "
                             f"{response.get_data(as_text=True)[:800]}")
    return elapsed


class EngineSampler:
    """SpiffWorkflow alone, in memory, on the same workflow state the seeded rows hold."""

    def __init__(self, xml: str, workflow_json: str, tasks: int, rng: random.Random):
        model = parse_model(xml)
        self.spec, self.subprocess_specs = model.spec, model.subprocess_specs
        self.workflow_json = workflow_json
        self.tasks = tasks
        self.rng = rng

    def sample(self) -> tuple[float, float]:
        """(engine step only, engine round-trip) for one ready task, in seconds."""
        workflow = workflows.loads(self.workflow_json, self.spec, self.subprocess_specs)
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if len(ready) != self.tasks:
            raise AssertionError(f"expected {self.tasks} ready tasks in memory, found {len(ready)}")
        task = self.rng.choice(ready)
        start = time.perf_counter()
        task.data.update(SUBMISSION)
        task.run()
        workflow.do_engine_steps()
        step_time = time.perf_counter() - start
        if len(workflow.get_tasks(state=TaskState.READY, manual=True)) != self.tasks - 1:
            raise AssertionError("the in-memory step did not complete exactly one task")

        engine_id = task.id
        start = time.perf_counter()
        again = workflows.loads(self.workflow_json, self.spec, self.subprocess_specs)
        same = again.get_task_from_id(engine_id)
        same.data.update(SUBMISSION)
        same.run()
        again.do_engine_steps()
        serialised = workflows.dumps(again)
        trip_time = time.perf_counter() - start
        if not serialised:
            raise AssertionError("empty serialisation")
        return step_time, trip_time


def measure_completion(app: Flask, jobs: list[Job], tokens: dict[str, str],
                       engine: EngineSampler) -> tuple[list[float], list[float], list[float]]:
    """(HTTP, engine step, engine round-trip) timings, interleaved one of each per sample so
    that noise from other work on the machine falls on both sides of the ratio alike."""
    client = app.test_client()
    for job in jobs[:WARMUP]:  # first requests parse the spec, load the form, warm caches
        complete_over_http(client, job, tokens)
        engine.sample()
    gc.collect()
    http, step, trip = [], [], []
    for job in jobs[WARMUP:]:
        http.append(complete_over_http(client, job, tokens))
        step_time, trip_time = engine.sample()
        step.append(step_time)
        trip.append(trip_time)
    with app.app_context():  # the last completion really moved its instance on
        last = db.session.get(HumanTask, jobs[-1].task_id)
        still_ready = sum(t.status == TaskStatus.READY for t in last.instance.tasks)
        if last.status != TaskStatus.COMPLETED or still_ready != engine.tasks - 1:
            raise AssertionError(f"after completion: task {last.status}, {still_ready} ready")
    return http, step, trip


def inbox_api() -> str:
    if hasattr(task_service, "inbox"):
        return "tasks.inbox(user, 'all', page=1, per_page=50)"
    return "paginate(tasks.inbox_query(user, 'all'), 1, 50)"


def inbox_page(user: User) -> dict:
    """Page 1 of the user's whole inbox, the way the API's GET /api/v1/tasks gets it."""
    if hasattr(task_service, "inbox"):
        return task_service.inbox(user, "all", False, 1, PER_PAGE)
    return paginate(task_service.inbox_query(user, "all"), 1, PER_PAGE)


def measure_inbox(app: Flask, user_ids: list[int], runs: int,
                  rng: random.Random) -> list[float]:
    """Page 1 (50 rows + the total) of a random user's inbox, a fresh session per run."""
    gc.collect()
    timings = []
    for k in range(WARMUP + runs):
        with app.app_context():
            user = db.session.get(User, rng.choice(user_ids))
            _ = user.role_keys
            start = time.perf_counter()
            page = inbox_page(user)
            elapsed = time.perf_counter() - start
            if len(page["items"]) != min(PER_PAGE, page["total"]) or page["total"] == 0:
                raise AssertionError(f"odd inbox page: {len(page['items'])} of {page['total']}")
        if k >= WARMUP:
            timings.append(elapsed)
    return timings


def measure_inbox_http(app: Flask, tokens: dict[str, str], runs: int,
                       rng: random.Random) -> list[float]:
    client = app.test_client()
    names = sorted(tokens)
    timings = []
    for k in range(WARMUP + runs):
        headers = {"Authorization": f"Bearer {tokens[rng.choice(names)]}"}
        start = time.perf_counter()
        response = client.get(f"/api/v1/tasks?filter=all&page=1&per_page={PER_PAGE}",
                              headers=headers)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise AssertionError(f"GET /api/v1/tasks gave {response.status_code}")
        if k >= WARMUP:
            timings.append(elapsed)
    return timings


def explain_inbox(app: Flask, username: str) -> str:
    """The plan of each statement one inbox page issues, run again with the same parameters:
    EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL."""
    out = io.StringIO()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        _ = user.role_keys
        with sql_counter(db.engine) as tally:
            inbox_page(user)
        connection = db.session.connection()
        sqlite = connection.dialect.name == "sqlite"
        print(f"Statements issued by {inbox_api()} for {username}:\n", file=out)
        for _elapsed, statement, parameters in tally["log"]:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            print(f"-- {' '.join(statement.split())}", file=out)
            print(f"   parameters: {parameters}", file=out)
            if sqlite:
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                  parameters).all()
                depth: dict[int, int] = {0: -1}
                for node_id, parent, _unused, detail in rows:
                    depth[node_id] = depth.get(parent, -1) + 1
                    print(f"  {'  ' * depth[node_id]}{detail}", file=out)
            else:
                plan = connection.exec_driver_sql(f"EXPLAIN ANALYZE {statement}", parameters)
                for (line,) in plan.all():
                    print(f"  {line}", file=out)
            print(file=out)
        db.session.rollback()
    return out.getvalue()


@contextmanager
def sql_counter(engine: Engine) -> Iterator[dict[str, Any]]:
    """Counts statements and the time spent inside cursor.execute while active."""
    tally: dict[str, Any] = {"statements": 0, "seconds": 0.0, "log": []}

    def before(conn, _cursor, _statement, _params, _context, _many) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, _cursor, statement, parameters, _context, _many) -> None:
        elapsed = time.perf_counter() - conn.info.pop("bench_started")
        tally["statements"] += 1
        tally["seconds"] += elapsed
        tally["log"].append((elapsed, statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield tally
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def sql_census(app: Flask, jobs: list[Job], tokens: dict[str, str]) -> tuple[float, float, float]:
    """(statements, SQL ms, total ms) per completion over `jobs`; prints one request's SQL."""
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    total = 0.0
    with sql_counter(engine) as tally:
        for k, job in enumerate(jobs):
            total += complete_over_http(client, job, tokens)
            if k == 0:
                print("SQL issued by one completion (time inside cursor.execute):")
                for elapsed, statement, _parameters in tally["log"]:
                    print(f"  {elapsed * 1000:6.3f} ms  {' '.join(statement.split())[:110]}")
    n = len(jobs)
    return tally["statements"] / n, tally["seconds"] * 1000 / n, total * 1000 / n


def _area(filename: str, function: str) -> str:
    """Which library a profiled function belongs to."""
    if filename == "~":
        for marker, name in (("sqlite3", "sqlite3 (C driver)"), ("psycopg", "psycopg (C)"),
                             ("_json", "json (C)"), ("lxml", "lxml (C)")):
            if marker in function:
                return name
        return "builtins (C)"
    path = filename.replace("\\", "/")
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if path.startswith(str(ROOT / "app")):
        return "app (Panelflow)"
    if "/lib/python3" in path:
        module = path.split("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
        return f"stdlib {module}"
    return "other"


# (label, file path suffix, function): cumulative time of these frames in the profile.
PHASES = [
    ("whole request (Flask.wsgi_app)", "flask/app.py", "wsgi_app"),
    ("  view Complete.post (after argument parsing)", "app/api/tasks.py", "post"),
    ("    token -> user (security.signed_in_user)", "app/security.py", "signed_in_user"),
    ("    tasks.complete (service)", "app/services/tasks.py", "complete"),
    ("      progress.lock (row lock + tasks)", "app/services/progress.py", "lock"),
    ("      forms.validate", "app/services/forms.py", "validate"),
    ("      progress.load (workflows.loads)", "app/services/progress.py", "load"),
    ("      workflows.complete_user_task", "app/engine/workflows.py", "complete_user_task"),
    ("      progress.save (incl. dumps, flush)", "app/services/progress.py", "save"),
    ("        workflows.dumps", "app/engine/workflows.py", "dumps"),
    ("    session.commit (flush + COMMIT)", "sqlalchemy/orm/scoping.py", "commit"),
    ("  response: marshmallow dump", "marshmallow/schema.py", "dump"),
]


def _phase_table(stats: pstats.Stats, jobs: int) -> list[str]:
    lines = []
    for label, suffix, function in PHASES:
        cumulative = sum(ct for (filename, _line, name), (_cc, _nc, _tt, ct, _callers)
                         in stats.stats.items()
                         if name == function and filename.replace("\\", "/").endswith(suffix))
        lines.append(f"  {label:48s} {cumulative * 1000 / jobs:7.2f} ms")
    return lines


def profile_completions(app: Flask, jobs: list[Job], tokens: dict[str, str],
                        dialect: str) -> str:
    client = app.test_client()
    profiler = cProfile.Profile()
    for job in jobs:
        complete_over_http(client, job, tokens, profiler)
    OUT_DIR.mkdir(exist_ok=True)
    dump = OUT_DIR / f"complete_task-{dialect}.prof"
    profiler.dump_stats(str(dump))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = stats.total_tt
    print(f"cProfile of {len(jobs)} completions ({total * 1000 / len(jobs):.2f} ms each "
          f"under the profiler); dump: {dump.relative_to(ROOT)}", file=out)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(20)
    commit = sum(ct for (filename, _line, function), (_cc, _nc, _tt, ct, _callers)
                 in stats.stats.items()
                 if (filename == "~" and function == "<method 'commit' of 'sqlite3.Connection' "
                     "objects>") or (filename.endswith("psycopg/connection.py")
                                     and function == "commit"))
    print(f"DB-API commit (cumulative): {commit * 1000 / len(jobs):.2f} ms/completion", file=out)
    print("Cumulative time per completion by phase (inflated by the profiler; nested):",
          file=out)
    print("\n".join(_phase_table(stats, len(jobs))), file=out)
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, function), (_cc, _nc, self_time, _ct, _callers) in stats.stats.items():
        by_area[_area(filename, function)] += self_time
    print("Self time by package (share of all profiled time):", file=out)
    for name, seconds in sorted(by_area.items(), key=lambda item: -item[1])[:15]:
        print(f"  {name:28s} {seconds * 1000 / len(jobs):7.2f} ms/completion "
              f"{100 * seconds / total:5.1f}%", file=out)
    return out.getvalue()
