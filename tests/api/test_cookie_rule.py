"""The API changes nothing for a session cookie (issue 15, finding 9): only a bearer token,
which a browser never attaches by itself, authenticates POST, PUT, PATCH and DELETE."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import ProcessModelVersion
from tests.diagrams import two_step
from tests.pages.conftest import Browser

CROSS_SITE = {"Origin": "https://evil.example", "Content-Type": "text/plain"}


@pytest.fixture
def browser(app):
    def make(username: str) -> Browser:
        signed_in = Browser(app)
        signed_in.sign_in(username)
        return signed_in
    return make


def _versions(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(ProcessModelVersion)
                                 .where(ProcessModelVersion.key == "two_step"))


def test_a_cross_site_text_plain_post_with_the_cookie_deploys_nothing(app, browser):
    owner = browser("process_owner")
    before = _versions(app)
    response = owner.client.post("/api/v1/process-models/two_step/versions",
                                 data=two_step(), headers=CROSS_SITE)
    assert response.status_code == 403
    assert "Bearer" in response.json["message"]
    # Not even from our own origin, with any content type: changes take a bearer token.
    response = owner.client.post("/api/v1/process-models/two_step/versions", data=two_step(),
                                 content_type="application/xml")
    assert response.status_code == 403
    assert _versions(app) == before


def test_the_cookie_starts_no_case_and_completes_nothing(app, browser):
    sw = browser("social_worker")
    response = sw.client.post("/api/v1/process-instances", json={
        "process_model": "two_step", "subject": {"child_ref": "C-1", "name": "X"}, "data": {}})
    assert response.status_code == 403
    assert sw.client.post("/api/v1/tasks/x/claim").status_code == 403
    assert sw.client.patch("/api/v1/tasks/x/draft", json={}).status_code == 403


def test_the_cookie_still_reads_and_a_stranger_still_gets_401(app, browser):
    sw = browser("social_worker")
    assert sw.client.get("/api/v1/me").json["username"] == "social_worker"
    assert app.test_client().post("/api/v1/process-instances", json={}).status_code == 401


def test_a_bearer_token_deploys_whatever_cookie_comes_with_it(app, browser, as_user):
    owner = browser("process_owner")
    client = as_user("process_owner")
    response = owner.client.post("/api/v1/process-models/two_step/versions", data=two_step(),
                                 content_type="application/xml", headers=client.headers)
    assert response.status_code == 201


def test_the_modeler_page_refuses_a_cross_site_post_without_its_csrf_token(app, browser):
    owner = browser("process_owner")
    before = _versions(app)
    response = owner.client.post("/models/two_step/deploy", data=two_step(), headers=CROSS_SITE)
    assert response.status_code == 400
    assert _versions(app) == before


def _changing_routes():
    from tests.api.test_route_sweep import ROUTES  # noqa: PLC0415 - the same sweep of rules
    return [(rule, method) for rule, method in ROUTES
            if method not in ("GET", "HEAD", "OPTIONS") and rule != "/api/v1/auth/token"]


def test_the_sweep_finds_changing_routes():
    assert len(_changing_routes()) >= 10


@pytest.mark.parametrize(("rule", "method"), _changing_routes())
def test_every_changing_api_route_refuses_the_cookie(app, rule, method):
    owner = Browser(app)
    owner.sign_in("manager")
    url = re.sub(r"<(?:\w+:)?(\w+)>", "x", rule)
    response = owner.client.open(url, method=method, data="{}", headers=CROSS_SITE)
    assert response.status_code == 403, (rule, method, response.status_code)
    assert response.json["code"] == 403
