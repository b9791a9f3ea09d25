"""The application factory, configuration and the API's own documents."""
from __future__ import annotations

import pytest

from app import create_app
from app.config import ROOT, from_environment


def test_secret_key_is_required_outside_development(monkeypatch, database_url):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"PANELFLOW_ENV": "production", "SQLALCHEMY_DATABASE_URI": database_url,
                    "DEPLOY_ON_START": False})
    app = create_app({"PANELFLOW_ENV": "production", "SECRET_KEY": "x" * 32,
                      "SQLALCHEMY_DATABASE_URI": database_url, "DEPLOY_ON_START": False})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_defaults_to_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert from_environment()["SQLALCHEMY_DATABASE_URI"] == \
        f"sqlite:///{ROOT / 'instance' / 'panelflow.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://x/y")
    assert from_environment()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://x/y"


def test_openapi_document_covers_the_contract(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/auth/token", "post"), ("/api/v1/me", "get"),
        ("/api/v1/process-models", "get"), ("/api/v1/process-models/{key}", "get"),
        ("/api/v1/process-models/{key}/bpmn", "get"),
        ("/api/v1/process-models/validate", "post"),
        ("/api/v1/process-models/{key}/versions", "post"),
        ("/api/v1/process-instances", "post"), ("/api/v1/process-instances", "get"),
        ("/api/v1/process-instances/{instance_id}", "get"),
        ("/api/v1/process-instances/{instance_id}/history", "get"),
        ("/api/v1/process-instances/{instance_id}/suspend", "post"),
        ("/api/v1/process-instances/{instance_id}/resume", "post"),
        ("/api/v1/process-instances/{instance_id}/terminate", "post"),
        ("/api/v1/tasks", "get"), ("/api/v1/tasks/{task_id}", "get"),
        ("/api/v1/tasks/{task_id}/claim", "post"), ("/api/v1/tasks/{task_id}/release", "post"),
        ("/api/v1/tasks/{task_id}/assign", "post"), ("/api/v1/tasks/{task_id}/complete", "post"),
    ]:
        assert method in paths[path], (path, method)
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_api_docs_page_lists_operations_without_a_cdn(app):
    page = app.test_client().get("/api/docs")
    assert page.status_code == 200
    assert b"/api/v1/tasks/{task_id}/complete" in page.data
    assert b"https://" not in page.data


def test_unknown_api_route_is_json_404(as_user):
    response = as_user("social_worker").get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["code"] == 404
