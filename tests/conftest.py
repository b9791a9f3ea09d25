"""Test set-up: a real database (SQLite file or a throwaway PostgreSQL), migrated once.

PANELFLOW_TEST_DB chooses the database: `sqlite` (default) or `postgresql`. The PostgreSQL
run creates a database named for this process on 127.0.0.1:5432 and drops it at the end;
if the server cannot be reached the run fails, it never skips.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import time_machine
from flask_migrate import upgrade

from app import create_app, deploy_processes
from app.demo import seed
from app.extensions import db
from app.models import Panel, Service, Team, User
from app.services.auth import issue_token
from tests.diagrams import (
    NOTE_SCHEMA,
    REQUEST_SCHEMA,
    REQUEST_START_SCHEMA,
    REVIEW_SCHEMA,
    START_SCHEMA,
)

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("PANELFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "demo-test-password"


def _postgres_database() -> Iterator[str]:
    name = f"panelflow_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.exit(f"PostgreSQL is required for this run and is unreachable: {exc}", returncode=1)
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    kind = os.environ.get("PANELFLOW_TEST_DB", "sqlite")
    if kind == "postgresql":
        yield from _postgres_database()
    elif kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'panelflow.db'}"
    else:
        raise pytest.UsageError(f"PANELFLOW_TEST_DB must be sqlite or postgresql, not {kind}")


@pytest.fixture(scope="session")
def forms_dir(tmp_path_factory) -> Path:
    """The real forms/ plus the forms that the test diagrams (tests/diagrams.py) use."""
    target = tmp_path_factory.mktemp("forms")
    shutil.copytree(ROOT / "forms", target, dirs_exist_ok=True)
    (target / "test").mkdir()
    (target / "test" / "note.schema.json").write_text(json.dumps(NOTE_SCHEMA))
    (target / "test" / "request.schema.json").write_text(json.dumps(REQUEST_SCHEMA))
    (target / "test" / "review.schema.json").write_text(json.dumps(REVIEW_SCHEMA))
    (target / "test" / "request-start.schema.json").write_text(json.dumps(REQUEST_START_SCHEMA))
    (target / "test" / "start.schema.json").write_text(json.dumps(START_SCHEMA))
    return target


@pytest.fixture(scope="session")
def app(database_url, forms_dir, tmp_path_factory):
    app = create_app({
        "PANELFLOW_ENV": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10} if "postgresql" in database_url else {},
        "DEPLOY_ON_START": False,
        "RUN_SCHEDULER": False,
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "FAST_PASSWORD_HASHES": True,
        "PROCESSES_DIR": str(ROOT / "processes"),
        "FORMS_DIR": str(forms_dir),
        "DOCUMENT_DIR": str(tmp_path_factory.mktemp("documents")),
    })
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed(Path(app.config["PROCESSES_DIR"]), DEMO_PASSWORD)
        db.session.commit()
    deploy_processes(app)
    with app.app_context():  # panels are configuration: tests that edit them are undone
        app.config["TEST_PANELS"] = [dict(row._mapping) for row in db.session.execute(
            Panel.__table__.select())]
        # The demo users, teams and services: whatever else a test makes is removed after it.
        app.config["TEST_LAST_DEMO_USER"] = db.session.scalar(db.select(db.func.max(User.id)))
        app.config["TEST_TEAMS"] = list(db.session.scalars(db.select(Team.key)))
        app.config["TEST_SERVICES"] = list(db.session.scalars(db.select(Service.key)))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


RESET_TABLES = ["webhook_deliveries", "webhook_subscriptions", "retention_due",
                "retention_traces", "scheduled_starts", "absences", "form_versions",
                "paper_reads", "meeting_packs", "documents",
                "notifications", "history_events", "pending_drafts", "human_tasks", "meeting_items",
                "meetings", "process_instances", "api_tokens", "user_sessions"]


@pytest.fixture(autouse=True)
def clean_database(app):
    """Each test starts with no instances, the demo users and the deployed diagrams only."""
    yield
    with app.app_context():
        db.session.rollback()
        last = int(app.config["TEST_LAST_DEMO_USER"])
        # Fixed table names and an integer of our own: nothing here comes from outside.
        statements = [f"DELETE FROM {table}" for table in RESET_TABLES]  # noqa: S608
        statements.append("DELETE FROM process_model_versions WHERE deployed_by <> 'system'")
        statements += [f"DELETE FROM {table} WHERE user_id > {last}"  # noqa: S608
                       for table in ("user_roles", "team_managers", "service_leads")]
        statements.append(f"DELETE FROM users WHERE id > {last}")  # noqa: S608
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            # One round trip, not twenty-five: this runs after each of thousands of tests.
            connection.exec_driver_sql(";\n".join(statements))
        else:
            for statement in statements:
                connection.exec_driver_sql(statement)
        # A demo user deactivated by a test (the people pages, the matrix) is back.
        db.session.execute(db.update(User).where(User.id <= last, User.active.is_(False))
                           .values(active=True))
        db.session.execute(db.delete(Team).where(Team.key.not_in(app.config["TEST_TEAMS"])))
        db.session.execute(db.delete(Service).where(
            Service.key.not_in(app.config["TEST_SERVICES"])))
        # A panel a test edited is put back (compared first: most tests edit none).
        table = Panel.__table__
        now = {row.key: dict(row._mapping) for row in db.session.execute(table.select())}
        for row in app.config["TEST_PANELS"]:
            if now.get(row["key"]) != row:
                db.session.execute(table.update().where(table.c.key == row["key"]).values(**row))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def empty_database(tmp_path):
    """A second, empty database of the same kind as this run's."""
    if os.environ.get("PANELFLOW_TEST_DB", "sqlite") == "postgresql":
        name = f"panelflow_restore_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        yield f"{base}/{name}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'restored.db'}"


@pytest.fixture
def traveller():
    """A frozen clock at Monday 23 November 2026, 10:00 UTC, that a test moves forward: the
    dates diagrams work out are then the same whenever the suite runs."""
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), tick=False) as moving:
        yield moving


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


class ApiClient:
    """A test client signed in as one user, speaking JSON."""

    def __init__(self, app, username: str | None):
        self.client = app.test_client()
        self.username = username
        self.headers = {}
        if username is not None:
            with app.app_context():
                user = db.session.scalar(db.select(User).where(User.username == username))
                token, _ = issue_token(user)
                db.session.commit()
            self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self.headers, **kw)

    def patch(self, url, json=None, **kw):
        return self.client.patch(url, json=json, headers=self.headers, **kw)

    def post_raw(self, url, data, content_type="application/xml"):
        return self.client.post(url, data=data, headers=self.headers, content_type=content_type)


@pytest.fixture
def as_user(app):
    def make(username: str | None) -> ApiClient:
        return ApiClient(app, username)
    return make
