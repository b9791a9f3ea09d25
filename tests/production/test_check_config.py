"""`flask check-config` (issue 21, part 3): each problem refused with what to set."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from aiosmtpd.controller import Controller

from app import create_app
from app.checks import ConfigError, refuse_unless_sound
from tests.conftest import ROOT

STRONG = "kJ8sd-2mQ9xWz7Lp4vT1nB6cY3hR0aFe5uGi"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _production(database_url: str, **config):
    return create_app({"PANELFLOW_ENV": "production", "SECRET_KEY": STRONG,
                       "SQLALCHEMY_DATABASE_URI": database_url, "DEPLOY_ON_START": False,
                       "RUN_SCHEDULER": False, "MAIL_SERVER": None, **config})


def _check(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["check-config"])
    return result.exit_code, result.output


class Quiet:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        return "250 OK"


def test_a_sound_configuration_passes(app, database_url):
    code, output = _check(_production(database_url))
    assert code == 0, output
    assert "The configuration is sound" in output


@pytest.mark.parametrize("secret", ["changeme", "short-but-random-9x", "x" * 64,
                                    "development-only-secret-not-for-production"])
def test_a_weak_secret_key_is_refused(app, database_url, secret):
    code, output = _check(_production(database_url, SECRET_KEY=secret))
    assert code == 1
    assert "SECRET_KEY is weak" in output
    assert "set SECRET_KEY to a random value" in output


def test_a_missing_secret_key_stops_every_process_with_what_to_set(monkeypatch, database_url):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="set SECRET_KEY to a random value of at least 32"):
        create_app({"PANELFLOW_ENV": "production", "SQLALCHEMY_DATABASE_URI": database_url,
                    "DEPLOY_ON_START": False})
    # `flask` and gunicorn import wsgi.py: one line saying what to set, no traceback.
    env = {"PATH": "/usr/bin:/bin", "PANELFLOW_ENV": "production", "PYTHONPATH": str(ROOT),
           "DATABASE_URL": database_url, "PANELFLOW_DEPLOY_ON_START": "0"}
    run = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "Panelflow cannot start: SECRET_KEY is not set: set SECRET_KEY" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_unreachable_database_is_refused():
    url = f"postgresql+psycopg://panelflow:hidden@127.0.0.1:{_free_port()}/panelflow"
    app = _production(url, DEPLOY_ON_START=True)  # start-up deploy waits for the database
    code, output = _check(app)
    assert code == 1
    assert "The database cannot be reached at postgresql+psycopg://panelflow:***@" in output
    assert "set DATABASE_URL" in output
    assert "hidden" not in output


def test_unapplied_migrations_are_refused(tmp_path):
    code, output = _check(_production(f"sqlite:///{tmp_path / 'new.db'}"))
    assert code == 1
    assert "run `flask db upgrade`" in output


def test_mail_is_checked_only_when_configured(app, database_url):
    port = _free_port()
    code, output = _check(_production(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port))
    assert code == 1
    assert f"The mail server 127.0.0.1:{port} cannot be reached" in output
    assert "set PANELFLOW_MAIL_SERVER and PANELFLOW_MAIL_PORT" in output

    controller = Controller(Quiet(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        code, output = _check(_production(database_url, MAIL_SERVER="127.0.0.1",
                                          MAIL_PORT=port))
    finally:
        controller.stop()
    assert code == 0, output
    assert "mail checked" in output


def test_every_problem_is_named_at_once_and_production_refuses_to_start(tmp_path, capsys):
    app = _production(f"sqlite:///{tmp_path / 'new.db'}", SECRET_KEY="changeme")
    with pytest.raises(SystemExit) as refused:
        refuse_unless_sound(app)
    assert refused.value.code == 3
    said = capsys.readouterr().err
    assert "Panelflow refuses to start" in said
    assert "SECRET_KEY is weak" in said and "flask db upgrade" in said


def test_development_is_not_refused(tmp_path):
    app = create_app({"PANELFLOW_ENV": "development", "SECRET_KEY": "dev",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.db'}",
                      "DEPLOY_ON_START": False, "RUN_SCHEDULER": False})
    refuse_unless_sound(app)  # a developer's machine starts as it is
