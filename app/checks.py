"""`flask check-config`: is this configuration fit to run in production?

Each check returns problems, every one saying what to set, so an operator fixes them all in
one go rather than one per restart. The same checks refuse to start the web server
(gunicorn.conf.py) and the Celery worker and beat (celery_app.py) in production, where a weak
secret or a database behind the code would otherwise only show as failures later.

`flask db upgrade` and the other commands are not refused: they are how an operator fixes what
these checks find.
"""
from __future__ import annotations

import smtplib
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app import health
from app.extensions import db

MIN_SECRET_LENGTH = 32
# A secret with fewer distinct characters than this is a placeholder ("x" * 40), not random.
MIN_SECRET_VARIETY = 12
KNOWN_WEAK_SECRETS = frozenset({
    "development-only-secret-not-for-production", "changeme", "change-me", "secret",
    "secret-key", "secret_key", "your-secret-key", "please-change-me", "dev", "development",
})
MAKE_A_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105
# Environments where a weak configuration is tolerated (a developer's machine, the tests).
RELAXED_ENVIRONMENTS = ("development", "testing")


class ConfigError(RuntimeError):
    """The configuration cannot run at all (e.g. no SECRET_KEY outside development)."""


def missing_secret_message() -> str:
    return ("SECRET_KEY is not set: set SECRET_KEY to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters, e.g. the output of {MAKE_A_SECRET}")


def secret_problems(secret: str | None) -> list[str]:
    if not secret:
        return [missing_secret_message()]
    if (secret.lower() in KNOWN_WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH
            or len(set(secret)) < MIN_SECRET_VARIETY):
        return [f"SECRET_KEY is weak (a placeholder, or shorter than {MIN_SECRET_LENGTH} "
                f"varied characters): set SECRET_KEY to a random value, e.g. the output of "
                f"{MAKE_A_SECRET}. Changing it signs everyone out."]
    return []


def database_problems(app: Flask) -> list[str]:
    """Reachable, and migrated to the newest revision in migrations/."""
    checks = health.readiness()
    if checks["database"] != "ok":
        url = db.engine.url.render_as_string(hide_password=True)
        return [f"The database cannot be reached at {url}: set DATABASE_URL (e.g. "
                "postgresql+psycopg://panelflow:PASSWORD@db-host:5432/panelflow) and check "
                "the server is running and accepts this user"]
    if checks["migrations"] != "ok":
        return ["The database is not migrated to this version of Panelflow: run "
                "`flask db upgrade` (with the same DATABASE_URL) before starting it"]
    return []


def mail_problems(app: Flask) -> list[str]:
    """Only when PANELFLOW_MAIL_SERVER is set: reminders are emailed through it."""
    host = app.config.get("MAIL_SERVER")
    if not host:
        return []
    port = int(app.config.get("MAIL_PORT", 25))
    try:
        with smtplib.SMTP(host, port, timeout=5) as smtp:
            smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        return [f"The mail server {host}:{port} cannot be reached ({type(exc).__name__}): "
                "set PANELFLOW_MAIL_SERVER and PANELFLOW_MAIL_PORT to your SMTP relay, or "
                "leave PANELFLOW_MAIL_SERVER unset to send no reminder emails"]
    return []


def problems(app: Flask) -> list[str]:
    """Everything wrong with the configuration, each saying what to set (app context)."""
    return (secret_problems(app.config.get("SECRET_KEY")) + database_problems(app)
            + mail_problems(app))


def refuse_unless_sound(app: Flask) -> None:
    """At the start of a server process outside development: exit naming every problem."""
    if app.config["PANELFLOW_ENV"] in RELAXED_ENVIRONMENTS:
        return
    with app.app_context():
        found = problems(app)
        db.session.remove()
        db.engine.dispose()  # no connection is carried into forked workers
    if found:
        print("Panelflow refuses to start:", *(f"- {p}" for p in found),
              "Run `flask check-config` to check again.", sep="\n", file=sys.stderr)
        raise SystemExit(3)


@click.command("check-config")
@with_appcontext
def check_config_command() -> None:
    """Check SECRET_KEY, the database (reachable, migrated) and mail (if configured)."""
    found = problems(current_app)
    if found:
        for problem in found:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(1)
    click.echo("The configuration is sound: SECRET_KEY, database, migrations"
               + (", mail" if current_app.config.get("MAIL_SERVER") else "") + " checked.")


def init_app(app: Flask) -> None:
    app.cli.add_command(check_config_command)
