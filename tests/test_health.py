"""/healthz and /readyz (issue 21, part 4; the API contract, "Health"): no sign-in, no cases."""
from __future__ import annotations

import pytest

from app import create_app


def _second_app(url: str):
    return create_app({"PANELFLOW_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url,
                       "DEPLOY_ON_START": False, "RUN_SCHEDULER": False})


def test_healthz_answers_without_sign_in(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_200_on_a_migrated_database(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok",
                             "checks": {"database": "ok", "migrations": "ok"}}


def test_readyz_is_503_when_migrations_are_not_at_head(tmp_path):
    empty = _second_app(f"sqlite:///{tmp_path / 'empty.db'}")
    response = empty.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "failed": ["migrations"],
                             "checks": {"database": "ok", "migrations": "failed"}}
    assert empty.test_client().get("/healthz").status_code == 200  # the process still serves


def test_readyz_is_503_when_the_database_does_not_answer(tmp_path):
    gone = _second_app(f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}")
    response = gone.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["database"]
    assert response.json["checks"] == {"database": "failed", "migrations": "not checked"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_ignores_a_session_and_says_nothing_about_cases(app, path):
    client = app.test_client()
    client.set_cookie("session", "not-a-valid-cookie")
    response = client.get(path)
    assert response.status_code == 200
    assert set(response.json) <= {"status", "checks"}
