"""Health for load balancers and monitoring: no sign-in, and nothing about cases.

`GET /healthz` answers while the process serves. `GET /readyz` answers 200 only when the
database answers and its schema is at the newest migration, else 503 naming the failed check:
take the instance out of service until both hold (e.g. during an upgrade before `flask db
upgrade` has run).
"""
from __future__ import annotations

import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def migration_heads(app: Flask) -> set[str]:
    """The newest revisions in migrations/ (read once per process)."""
    if "PANELFLOW_MIGRATION_HEADS" not in app.extensions:
        directory = app.extensions["migrate"].directory
        app.extensions["PANELFLOW_MIGRATION_HEADS"] = set(ScriptDirectory(directory).get_heads())
    return app.extensions["PANELFLOW_MIGRATION_HEADS"]


def readiness() -> dict[str, str]:
    """Each check, "ok" or "failed" ("not checked" when the database does not answer)."""
    checks = {"database": "failed", "migrations": "not checked"}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            current = set(MigrationContext.configure(connection).get_current_heads())
            heads = migration_heads(current_app)
            checks["migrations"] = "ok" if current == heads else "failed"
    except SQLAlchemyError as exc:
        log.warning("readiness check failed: %s", type(exc).__name__)
    return checks


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = readiness()
    failed = [name for name, state in checks.items() if state == "failed"]
    if failed:
        return jsonify(status="unavailable", checks=checks, failed=failed), 503
    return jsonify(status="ok", checks=checks)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
