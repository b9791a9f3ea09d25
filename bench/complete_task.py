# ruff: noqa: E402 - `app` is importable only after the sys.path line below
"""Benchmark: completing one user task over HTTP, against SpiffWorkflow alone, and the inbox.

What it measures, on a fresh database seeded with (by default) 100,000 open tasks across
20,000 instances of `bench/processes/bench_parallel.bpmn` (a parallel fan-out to 5 user tasks)
and 200 social workers:

1. HTTP completion: `POST /api/v1/tasks/<id>/complete` through Flask's test client, one task
   per instance, each by the user it is assigned to (the whole request: token check, row lock,
   form validation, workflow load, engine step, save, history, commit, response).
2. The same step in SpiffWorkflow alone, in memory: (a) "engine step only" on an already loaded
   workflow (`task.data.update`, `task.run()`, `wf.do_engine_steps()`), and (b) "engine
   round-trip": `workflows.loads` + the step + `workflows.dumps`, the engine work each request
   must do at the least.
3. The inbox query for random users, page 1 of 50, exactly as `GET /api/v1/tasks` runs it
   (`tasks.inbox(user, "all", …)` where the app has it, else `paginate(tasks.inbox_query(user,
   "all"), 1, 50)`: a COUNT plus a LIMIT 50 select), with the plan of every statement it issues.
4. Where the HTTP time goes: SQL statements per completion, and a cProfile of a few dozen
   completions (top cumulative costs and self time by package).

The targets are "completion within 3x the in-memory engine step" and "inbox query under 20 ms";
the summary says PASS or FAIL for each.

Run (SQLite in a temporary directory by default; under a minute on 2 cores either way):

    .venv/bin/python bench/complete_task.py
    .venv/bin/python bench/complete_task.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/panelflow_bench

Options: --instances 20000 --tasks-per-instance 5 --users 200 --samples 300 --inbox-runs 200
--profile 50 --unassigned-every 10 --seed 1 --keep (keep the database) --sqlite-analyze
--timings-json PATH. A PostgreSQL database named in the URL is dropped and created afresh,
then VACUUM ANALYZEd after seeding (as autovacuum would soon do), and dropped at the end.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import math
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:  # run as a script: make `app` and `bench` importable
    sys.path.insert(0, str(ROOT))

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, func, insert, make_url, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine

from app import create_app
from app.api.paging import paginate
from app.engine import workflows
from app.engine.parsing import BpmnProblems, parse_model
from app.extensions import db
from app.models import HumanTask, ProcessInstance, Role, TaskStatus, User, user_roles, utcnow
from app.services import instances
from app.services import tasks as task_service
from app.services.auth import hash_password, issue_token
from app.services.deployment import deploy_directory
from bench.diagram import DEFAULT_TASKS, PROCESS_KEY, build_diagram

FORMS_DIR = BENCH_DIR / "forms"
PROCESSES_DIR = BENCH_DIR / "processes"
OUT_DIR = BENCH_DIR / "out"  # git-ignored: cProfile dumps
ROLE = "social_worker"
SUBMISSION = {"note": "x"}
CHUNK_ROWS = 5000
WARMUP = 5
COMPLETION_FACTOR = 3.0
INBOX_TARGET_MS = 20.0
PER_PAGE = 50


# --------------------------------------------------------------------------------- helpers
def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def p95(values: list[float]) -> float:
    """95th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def describe(values: list[float]) -> str:
    return (f"median {ms(statistics.median(values))}, p95 {ms(p95(values))}, "
            f"min {ms(min(values))}, max {ms(max(values))} (n={len(values)})")


def paired(numerators: list[float], denominators: list[float]) -> float:
    """Median of the ratios of samples taken side by side (robust to machine drift)."""
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=True))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def banner(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 86 - len(title)), flush=True)


# -------------------------------------------------------------------------------- database
@dataclass
class Database:
    url: str
    dialect: str
    cleanup: Callable[[], None]


def _postgres_admin(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
                           user=parsed.username or "postgres", password=parsed.password,
                           dbname="postgres", autocommit=True, connect_timeout=10)


def fresh_database(url: str | None, keep: bool) -> Database:
    """An empty database: a new SQLite file in a temp dir, or the named PostgreSQL db recreated."""
    if url is None:
        directory = Path(tempfile.mkdtemp(prefix="panelflow-bench-"))
        sqlite_url = f"sqlite:///{directory / 'bench.db'}"

        def drop_sqlite() -> None:
            if keep:
                print(f"kept {sqlite_url}")
            else:
                shutil.rmtree(directory, ignore_errors=True)

        return Database(sqlite_url, "sqlite", drop_sqlite)
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a postgresql+psycopg:// URL (SQLite is default)")
    name = parsed.database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"unsafe or missing database name in {url!r}")
    with _postgres_admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop_postgres() -> None:
        if keep:
            print(f"kept database {name}")
            return
        with _postgres_admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return Database(url, "postgresql", drop_postgres)


def make_app(database: Database, processes_dir: Path) -> Flask:
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database.url,
        "DEPLOY_ON_START": False,
        "RUN_SCHEDULER": False,
        "PANELFLOW_ENV": "testing",
        "PROCESSES_DIR": str(processes_dir),
        "FORMS_DIR": str(FORMS_DIR),
    })
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


# --------------------------------------------------------------------------------- seeding
@dataclass
class Seeded:
    version_id: int
    workflow_json: str
    usernames: list[str]
    user_ids: list[int]
    task_ids: list[list[str]]  # per instance index, in template (task name) order
    assigned: list[int]  # instance indexes whose tasks are held by user (index % users)
    seconds: float = 0.0
    open_tasks: int = 0
    claimable: int = 0


def _is_unassigned(index: int, every: int) -> bool:
    return every > 0 and index % every == every - 1


def _columns(row: Any) -> dict[str, Any]:
    """Every mapped column attribute of an ORM object, by attribute name."""
    return {attr.key: getattr(row, attr.key) for attr in sa_inspect(row).mapper.column_attrs}


def _seed_users(count: int) -> tuple[list[str], list[int]]:
    db.session.add(Role(key=ROLE, name="Social Worker"))
    password_hash = hash_password("bench-password")  # argon2 is slow: hash once, reuse
    now = utcnow()
    usernames = [f"sw{i:04d}" for i in range(count)]
    db.session.execute(insert(User), [
        {"username": name, "display_name": f"Social worker {i}", "password_hash": password_hash,
         "team": "bench", "active": True, "created_at": now}
        for i, name in enumerate(usernames)
    ])
    ids = {name: uid for name, uid in db.session.execute(select(User.username, User.id))}
    user_ids = [ids[name] for name in usernames]
    db.session.execute(insert(user_roles), [{"user_id": uid, "role_key": ROLE} for uid in user_ids])
    db.session.commit()
    return usernames, user_ids


def _deploy(processes_dir: Path) -> None:
    try:
        results = deploy_directory(processes_dir)
    except BpmnProblems as exc:
        db.session.rollback()
        for problem in exc.problems:
            print(f"  problem: {problem.as_dict()}")
        raise SystemExit("the benchmark diagram failed validation") from None
    db.session.commit()
    print(f"deployed: {results}")


def seed(app: Flask, args: argparse.Namespace, processes_dir: Path,
         rng: random.Random) -> Seeded:
    """Users, one instance started by the real engine, then its rows cloned in bulk."""
    started = time.perf_counter()
    with app.app_context():
        usernames, user_ids = _seed_users(args.users)
        _deploy(processes_dir)
        starter = db.session.get(User, user_ids[0])
        template = instances.start(starter, PROCESS_KEY,
                                   {"child_ref": "BENCH-00000", "name": "Bench child 0"}, {})
        db.session.commit()
        template_id = template.id
        db.session.expunge_all()

        template = db.session.get(ProcessInstance, template_id)
        workflow_json = template.workflow_json
        template_tasks = sorted(template.tasks, key=lambda t: t.name)
        if len(template_tasks) != args.tasks_per_instance:
            raise SystemExit(f"expected {args.tasks_per_instance} ready tasks after start, "
                             f"found {len(template_tasks)}")
        now = utcnow()
        for task in template_tasks:  # instance 0 follows the same assignment scheme
            task.assignee = None if _is_unassigned(0, args.unassigned_every) else usernames[0]
            task.due_at = now + timedelta(hours=rng.randrange(-24 * 10, 24 * 25))
        seeded = Seeded(version_id=template.model_version_id, workflow_json=workflow_json,
                        usernames=usernames, user_ids=user_ids,
                        task_ids=[[t.id for t in template_tasks]],
                        assigned=[] if _is_unassigned(0, args.unassigned_every) else [0])
        db.session.commit()

        instance_rows: list[dict[str, Any]] = []
        task_rows: list[dict[str, Any]] = []

        def flush() -> None:
            if instance_rows:
                db.session.execute(insert(ProcessInstance), instance_rows)
            for offset in range(0, len(task_rows), CHUNK_ROWS):
                db.session.execute(insert(HumanTask), task_rows[offset:offset + CHUNK_ROWS])
            instance_rows.clear()
            task_rows.clear()

        per_chunk = max(1, CHUNK_ROWS // args.tasks_per_instance)
        # Every mapped column of the engine-made rows is copied, so columns added later are
        # seeded too; only identity, people, dates and the subject vary per clone.
        instance_base = _columns(template)
        task_bases = [_columns(task) for task in template_tasks]
        for index in range(1, args.instances):
            instance_id = uuid.uuid4().hex
            owner = usernames[index % args.users]
            begun = now - timedelta(minutes=rng.randrange(60 * 24 * 30))
            subject = {"child_ref": f"BENCH-{index:05d}", "name": f"Bench child {index}"}
            instance_rows.append({
                **instance_base, "id": instance_id, "child_ref": subject["child_ref"],
                "subject": subject,
                "data": {**instance_base["data"], "initiator": owner, "subject": subject},
                "started_at": begun, "started_by": owner, "updated_at": begun,
            })
            unassigned = _is_unassigned(index, args.unassigned_every)
            if not unassigned:
                seeded.assigned.append(index)
            ids = []
            for base in task_bases:
                task_id = uuid.uuid4().hex
                ids.append(task_id)
                due_at = begun + timedelta(hours=rng.randrange(24, 24 * 35))
                row = {**base, "id": task_id, "instance_id": instance_id,
                       "assignee": None if unassigned else owner, "created_at": begun,
                       "due_at": due_at, "subject": subject}
                if "due_sort" in row:  # derived from due_at by a mapper event bulk inserts skip
                    row["due_sort"] = due_at
                task_rows.append(row)
            seeded.task_ids.append(ids)
            if len(instance_rows) >= per_chunk:
                flush()
        flush()
        db.session.commit()

        seeded.open_tasks = db.session.scalar(
            select(func.count()).select_from(HumanTask).where(HumanTask.status == TaskStatus.READY))
        seeded.claimable = db.session.scalar(
            select(func.count()).select_from(HumanTask).where(
                HumanTask.status == TaskStatus.READY, HumanTask.assignee.is_(None)))
        instance_count = db.session.scalar(select(func.count()).select_from(ProcessInstance))
        postgres = db.engine.dialect.name == "postgresql"
        maintenance = "VACUUM ANALYZE" if postgres else "ANALYZE" if args.sqlite_analyze else ""
        db.session.commit()
        if maintenance:
            # PostgreSQL's autovacuum VACUUMs and ANALYZEs a table within a minute or so of a
            # bulk load (PostgreSQL 13+ also vacuums after inserts); doing it now makes plans
            # and index-only scans deterministic. SQLite only has statistics if the app runs
            # ANALYZE, which Panelflow never does, so it is off there unless asked for.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(maintenance)
    seeded.seconds = time.perf_counter() - started
    print(f"seeded {instance_count:,} instances, {seeded.open_tasks:,} open tasks "
          f"({seeded.claimable:,} unassigned), {args.users} users in {seeded.seconds:.1f} s"
          f"{f' (then {maintenance})' if maintenance else ''}; workflow_json is "
          f"{len(workflow_json):,} bytes per instance")
    expected = args.instances * args.tasks_per_instance
    if seeded.open_tasks != expected or instance_count != args.instances:
        raise SystemExit(f"seeding produced {seeded.open_tasks} tasks / {instance_count} "
                         f"instances, expected {expected} / {args.instances}")
    return seeded


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


# ---------------------------------------------------------------------------------- report
def summary(args: argparse.Namespace, database: Database, seeded: Seeded,
            results: Results) -> str:
    http = statistics.median(results.http)
    step = statistics.median(results.engine_step)
    trip = statistics.median(results.engine_round_trip)
    inbox = statistics.median(results.inbox)
    completion_ok = http <= COMPLETION_FACTOR * step
    trip_ok = http <= COMPLETION_FACTOR * trip
    inbox_ok = inbox * 1000 < INBOX_TARGET_MS
    inbox_p95_ok = p95(results.inbox) * 1000 < INBOX_TARGET_MS
    lines = [
        f"database           {database.dialect} ({make_url(database.url).render_as_string()})",
        f"data               {args.instances:,} instances x {args.tasks_per_instance} tasks = "
        f"{seeded.open_tasks:,} open tasks, {args.users} users, {seeded.claimable:,} "
        f"unassigned (claimable); seeded in {seeded.seconds:.1f} s",
        f"workflow_json      {len(seeded.workflow_json):,} bytes per instance",
        "",
        f"HTTP complete      {describe(results.http)}",
        f"engine step only   {describe(results.engine_step)}",
        f"engine round-trip  {describe(results.engine_round_trip)}  (loads + step + dumps)",
        f"HTTP / step        {http / step:.1f}x (ratio of medians; median of per-sample "
        f"ratios {paired(results.http, results.engine_step):.1f}x)",
        f"HTTP / round-trip  {http / trip:.1f}x (ratio of medians; median of per-sample "
        f"ratios {paired(results.http, results.engine_round_trip):.1f}x)",
        f"SQL per completion {results.statements_per_completion:.1f} statements, "
        f"{results.sql_ms_per_completion:.2f} ms inside cursor.execute of "
        f"{results.census_ms_per_completion:.2f} ms (commit not included)",
        "",
        f"inbox query        {describe(results.inbox)}  ({inbox_api()})",
        f"inbox over HTTP    {describe(results.inbox_http)}  (GET /api/v1/tasks, for reference)",
        "",
        "Targets: completion within 3x the in-memory engine step; inbox query under 20 ms",
        f"  [{verdict(completion_ok)}] HTTP completion median {ms(http)} vs 3 x engine step "
        f"{ms(COMPLETION_FACTOR * step)} ({http / step:.1f}x"
        + ("" if completion_ok else f"; {ms(http - COMPLETION_FACTOR * step)} over") + ")",
        f"  [{verdict(trip_ok)}] (looser reading) vs 3 x engine round-trip "
        f"{ms(COMPLETION_FACTOR * trip)} ({http / trip:.1f}x"
        + ("" if trip_ok else f"; {ms(http - COMPLETION_FACTOR * trip)} over") + ")",
        f"  [{verdict(inbox_ok)}] inbox query median {ms(inbox)} < {INBOX_TARGET_MS:.0f} ms",
        f"  [{verdict(inbox_p95_ok)}] inbox query p95 {ms(p95(results.inbox))} "
        f"< {INBOX_TARGET_MS:.0f} ms",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--instances", type=int, default=20_000)
    parser.add_argument("--tasks-per-instance", type=int, default=DEFAULT_TASKS)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--samples", type=int, default=300,
                        help="timed completions (and in-memory engine steps)")
    parser.add_argument("--inbox-runs", type=int, default=200)
    parser.add_argument("--profile", type=int, default=50,
                        help="completions for the SQL census and for cProfile (0: skip both)")
    parser.add_argument("--unassigned-every", type=int, default=10,
                        help="every Nth instance's tasks are left unassigned, claimable by "
                             "any social worker (0: none)")
    parser.add_argument("--database-url", help="postgresql+psycopg://…/<name>; default: SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--sqlite-analyze", action="store_true",
                        help="run ANALYZE on SQLite after seeding (PostgreSQL always gets "
                             "VACUUM ANALYZE)")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--timings-json", type=Path,
                        help="also write every raw timing (seconds) to this JSON file")
    args = parser.parse_args(argv)
    if min(args.instances, args.tasks_per_instance, args.users, args.samples,
           args.inbox_runs) < 1 or args.profile < 0:
        parser.error("counts must be positive")
    return args


def processes_dir_for(tasks: int) -> tuple[Path, Path | None]:
    """bench/processes for the default 5 tasks; otherwise a generated diagram in a temp dir."""
    if tasks == DEFAULT_TASKS:
        if (PROCESSES_DIR / f"{PROCESS_KEY}.bpmn").read_text() != build_diagram(DEFAULT_TASKS):
            print("note: bench/processes/bench_parallel.bpmn differs from bench/diagram.py")
        return PROCESSES_DIR, None
    directory = Path(tempfile.mkdtemp(prefix="panelflow-bench-bpmn-"))
    (directory / f"{PROCESS_KEY}.bpmn").write_text(build_diagram(tasks))
    return directory, directory


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    processes_dir, generated = processes_dir_for(args.tasks_per_instance)
    database = fresh_database(args.database_url, args.keep)
    began = time.perf_counter()
    try:
        banner(f"setup: {database.dialect}")
        app = make_app(database, processes_dir)
        seeded = seed(app, args, processes_dir, rng)
        results = Results()
        jobs = pick_jobs(seeded, WARMUP + args.samples + 2 * args.profile, args.users, rng)
        tokens = issue_tokens(app, {job.username for job in jobs})

        banner("completion: HTTP, and SpiffWorkflow alone in memory (interleaved)")
        xml = (processes_dir / f"{PROCESS_KEY}.bpmn").read_text()
        engine = EngineSampler(xml, seeded.workflow_json, args.tasks_per_instance, rng)
        results.http, results.engine_step, results.engine_round_trip = measure_completion(
            app, jobs[:WARMUP + args.samples], tokens, engine)
        print(f"HTTP complete:     {describe(results.http)}")
        print(f"engine step only:  {describe(results.engine_step)}")
        print(f"engine round-trip: {describe(results.engine_round_trip)}", flush=True)

        banner("inbox query")
        results.inbox = measure_inbox(app, seeded.user_ids, args.inbox_runs, rng)
        print(f"{inbox_api()}: {describe(results.inbox)}")
        results.inbox_http = measure_inbox_http(app, tokens, min(args.inbox_runs, 50), rng)
        print(f"GET /api/v1/tasks:      {describe(results.inbox_http)}")
        print(explain_inbox(app, seeded.usernames[1 % args.users]), flush=True)

        if args.profile:
            banner("where the completion time goes")
            rest = jobs[WARMUP + args.samples:]
            (results.statements_per_completion, results.sql_ms_per_completion,
             results.census_ms_per_completion) = sql_census(app, rest[:args.profile], tokens)
            print(f"{results.statements_per_completion:.1f} SQL statements per completion, "
                  f"{results.sql_ms_per_completion:.2f} ms in cursor.execute of "
                  f"{results.census_ms_per_completion:.2f} ms")
            print(profile_completions(app, rest[args.profile:], tokens, database.dialect))

        if args.timings_json:
            args.timings_json.write_text(json.dumps({
                "http": results.http, "engine_step": results.engine_step,
                "engine_round_trip": results.engine_round_trip, "inbox": results.inbox,
                "inbox_http": results.inbox_http}))
        banner("SUMMARY")
        print(summary(args, database, seeded, results))
        print(f"\n(total run {time.perf_counter() - began:.0f} s)")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        database.cleanup()
        if generated is not None:
            shutil.rmtree(generated, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
