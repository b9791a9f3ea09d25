"""Security headers, caching, and error responses that give nothing away."""
from __future__ import annotations

import pytest

from app import create_app
from app.services import deployment
from tests.pages.conftest import Browser


@pytest.mark.parametrize("path", ["/login", "/api/v1/openapi.json", "/api/docs"])
def test_every_response_carries_the_security_headers(app, path):
    response = app.test_client().get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # only behind HTTPS


def test_pages_have_no_inline_script(browser_page_html):
    for html in browser_page_html:
        assert "<script>" not in html and " style=" not in html and "onclick" not in html


@pytest.fixture
def browser_page_html(as_user, app):
    b = Browser(app)
    b.sign_in("social_worker")
    pages = [b.get(url).get_data(as_text=True) for url in ("/", "/start", "/start/marp")]
    return pages + [app.test_client().get("/login").get_data(as_text=True)]


def test_assets_may_be_cached(app):
    response = app.test_client().get("/assets/govuk-frontend.min.css")
    assert response.headers["Cache-Control"] != "no-store"


def test_production_adds_hsts(database_url):
    app = create_app({"PANELFLOW_ENV": "production", "SECRET_KEY": "k" * 32,
                      "SQLALCHEMY_DATABASE_URI": database_url, "DEPLOY_ON_START": False})
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_unexpected_errors_reveal_no_internals(app, as_user, monkeypatch):
    """Fault injection: a service fails with an internal message (as a database error
    would); neither the API nor the pages may show it."""
    def broken(*_args, **_kwargs):
        raise RuntimeError("SELECT secret FROM children -- internal detail")

    monkeypatch.setattr(deployment, "all_latest", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    api = as_user("social_worker").get("/api/v1/process-models")
    assert api.status_code == 500
    assert api.json["code"] == 500
    assert "SELECT" not in api.get_data(as_text=True)
    assert "Traceback" not in api.get_data(as_text=True)
    b = Browser(app)
    b.sign_in("social_worker")
    page = b.get("/start")
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "SELECT" not in text and "Traceback" not in text
    assert "Sorry, there is a problem with the service" in text
