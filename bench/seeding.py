"""Seeding the benchmark's database: a fresh SQLite or PostgreSQL database, migrated, with
the bench diagram deployed and many instances, open tasks and social workers inserted in bulk."""
from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, insert, make_url, select
from sqlalchemy import inspect as sa_inspect

from app import create_app
from app.engine.parsing import BpmnProblems
from app.extensions import db
from app.models import HumanTask, ProcessInstance, Role, TaskStatus, User, user_roles, utcnow
from app.services import instances
from app.services.auth import hash_password
from app.services.deployment import deploy_directory
from bench.diagram import PROCESS_KEY

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
FORMS_DIR = BENCH_DIR / "forms"
PROCESSES_DIR = BENCH_DIR / "processes"
ROLE = "social_worker"
CHUNK_ROWS = 5000


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
