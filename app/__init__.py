"""Panelflow: children's social care decision-making panels as executable BPMN workflows."""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from app import (
    api,
    audit,
    checks,
    cli,
    headers,
    health,
    input_guard,
    logs,
    metrics,
    people_cli,
    web,
)
from app.config import ROOT, STATIC_SETTINGS, from_environment
from app.engine import evaluator, panel_hooks, working_days
from app.engine.parsing import BpmnProblems
from app.extensions import db, migrate
from app.scheduler import start_in_background
from app.services import (
    child_decisions,
    instances,
    letters,
    minutes,
    new_work,
    panels,
    sign_in_limit,
    webhooks,
)
from app.services.deployment import (
    START_DEPLOY,
    FileDeploy,
    deploy_directory,
    forms_kept_from_browser,
)

log = logging.getLogger(__name__)
DEV_SECRET = "development-only-secret-not-for-production"  # noqa: S105 - dev/test only


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        # We issue BEGIN ourselves (below) so that writers queue instead of failing.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL survives an application crash; only a power cut can lose the
        # last commits. Production runs on PostgreSQL.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        # SQLite has no row locks: take the write lock up front so two requests advancing
        # the same instance run one after the other, never interleaved.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _check_secret(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config["PANELFLOW_ENV"] in ("development", "testing"):
        app.config["SECRET_KEY"] = DEV_SECRET
        return
    raise checks.ConfigError(checks.missing_secret_message())


def deploy_processes(app: Flask) -> list[FileDeploy]:
    """Deploy changed diagrams from processes/; skipped until the tables exist.

    What it did is logged (a version kept because a person deployed it, as a warning) and
    returned; create_app keeps it in app.extensions, so that `flask deploy`, which starts the
    app first, can say it.
    """
    with app.app_context():
        try:
            migrated = inspect(db.engine).has_table("process_model_versions")
        except OperationalError:
            # Let the process start and say so: `flask check-config` and /readyz name it.
            log.warning("Database unreachable; diagrams not deployed")
            return []
        if not migrated:
            log.warning("Database not migrated yet; diagrams not deployed")
            return []
        try:
            results = deploy_directory(Path(app.config["PROCESSES_DIR"]))
            # Every lane's role exists, so that an administrator can give it to people.
            people_cli.ensure_roles(Path(app.config["PROCESSES_DIR"]))
            kept_forms = forms_kept_from_browser(Path(app.config["FORMS_DIR"]))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another worker deployed the same version first
            return []
        except BpmnProblems:
            db.session.rollback()
            raise
    for result in results:
        if result.kept_by is not None:
            log.warning("Start-up: %s", result.describe())
        elif result.created:
            log.info("Start-up: %s", result.describe())
    for form in kept_forms:
        log.warning("Start-up: %s", form.describe())
    return results


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"),
                template_folder="templates", static_folder="static")
    app.config.update(STATIC_SETTINGS)
    app.config.update(from_environment())
    if test_config:
        app.config.update(test_config)
    _check_secret(app)
    if app.config["PANELFLOW_ENV"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True

    working_days.configure(app.config.get("CLOSURE_DAYS", []))
    evaluator.configure(
        timeout_seconds=app.config.get("SANDBOX_TIMEOUT_SECONDS"),
        memory_mb=app.config.get("SANDBOX_MEMORY_MB"),
        pool_size=app.config.get("SANDBOX_POOL_SIZE"),
        step_seconds=app.config.get("ENGINE_STEP_SECONDS"),
        max_instances=app.config.get("MAX_MULTI_INSTANCES"),
        max_code_items=app.config.get("MAX_DIAGRAM_CODE_ITEMS"),
        max_script_chars=app.config.get("MAX_SCRIPT_CHARS"),
        max_code_chars=app.config.get("MAX_DIAGRAM_CODE_CHARS"))
    panel_hooks.configure(panels.list_current_instance, minutes.minutes_distributed,
                          instances.begin_from_diagram, letters.make_letter,
                          child_decisions.for_current_child)
    logs.init_app(app)
    metrics.init_app(app)  # its clock starts before any check that may refuse
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    input_guard.init_limits(app)  # first: before sign-in reads anything
    health.init_app(app)
    api.init_app(app)
    web.init_app(app)
    input_guard.init_app(app)
    headers.init_app(app)
    audit.init_app(app)
    cli.init_app(app)
    checks.init_app(app)
    sign_in_limit.init_app(app)
    new_work.init_app(app)
    webhooks.init_app(app)

    if app.config["DEPLOY_ON_START"]:
        app.extensions[START_DEPLOY] = deploy_processes(app)
    if app.config["RUN_SCHEDULER"]:
        start_in_background(app)
    return app
