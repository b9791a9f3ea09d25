"""Every API route: unauthenticated callers get a JSON 401, and each route is documented."""
from __future__ import annotations

import re

import pytest

from app import create_app

PUBLIC = {("/api/v1/auth/token", "POST"), ("/api/v1/openapi.json", "GET")}


def _api_routes():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "DEPLOY_ON_START": False,
                      "PANELFLOW_ENV": "testing"})
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method


ROUTES = sorted(set(_api_routes()))
PROTECTED = [r for r in ROUTES if r not in PUBLIC]
DOCUMENTED = [r for r in ROUTES if r[0] != "/api/v1/openapi.json"]


def test_the_sweep_sees_the_routes():
    assert len(ROUTES) >= 20


@pytest.mark.parametrize(("rule", "method"), PROTECTED)
def test_anonymous_callers_get_401(app, rule, method):
    url = re.sub(r"<(?:\w+:)?(\w+)>", "x", rule)
    response = app.test_client().open(url, method=method, json={})
    assert response.status_code == 401, (rule, method, response.status_code)
    assert response.json["code"] == 401


@pytest.mark.parametrize(("rule", "method"), DOCUMENTED)
def test_every_route_is_in_the_openapi_document(app, rule, method):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
    assert method.lower() in paths[path]
