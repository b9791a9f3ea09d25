"""NUL characters are refused with a 422 naming the field, wherever they arrive.

PostgreSQL cannot store U+0000; before this guard such input gave a 500 on that database.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.pages.conftest import Browser


@pytest.mark.parametrize("url", [
    "/api/v1/process-instances?process_model=marp%00",
    "/api/v1/process-instances?child_ref=%00",
    "/api/v1/tasks?process_model=x%00y",
    "/api/v1/process-models/marp%00",
])
def test_nul_in_query_or_path_is_a_422_with_the_field(as_user, url):
    response = as_user("manager").get(url)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == 422
    assert all(messages == ["must not contain the NUL character"]
               for messages in body["errors"].values())


def test_nul_deep_in_a_json_body_names_its_path(as_user):
    response = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C1"},
        "data": {"notes": ["fine", "bad\u0000"]}})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"data.notes": ["must not contain the NUL character"]}


def test_nul_in_a_json_key_is_refused(as_user):
    response = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "data": {"ke\u0000y": 1}})
    assert response.status_code == 422


def test_a_stranger_still_gets_401_first(as_user):
    assert as_user(None).get("/api/v1/process-instances?child_ref=%00").status_code == 401


def test_nothing_is_started_when_refused(as_user):
    client = as_user("social_worker")
    client.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C\u00001"}})
    assert as_user("manager").get("/api/v1/process-instances").get_json()["total"] == 0


def test_nul_in_a_page_form_is_a_422_page_and_signs_nobody_in(app):
    browser = Browser(app)
    response = browser.post("/login", {"username": "social_worker\u0000", "password": "x"})
    assert response.status_code == 422
    assert "must not contain the NUL character" in response.get_data(as_text=True)
    assert browser.get("/").status_code == 302  # still signed out: sent to the sign-in page


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("url", ["/api/v1/auth/token", "/api/v1/process-instances",
                                 "/api/v1/tasks/x/complete"])
@pytest.mark.parametrize("who", [None, "social_worker"])
def test_json_nested_100000_deep_is_a_400_signed_in_or_not(as_user, url, who):
    response = as_user(who).post_raw(url, DEEP, content_type="application/json")
    assert response.status_code == 400, response.status_code
    assert response.get_json()["code"] == 400
    assert "nested" in response.get_json()["message"]


def test_json_nested_deeper_than_the_limit_is_a_400(as_user):
    body = {"process_model": "marp", "data": {}}
    inner = body["data"]
    for _ in range(70):
        inner["x"] = {}
        inner = inner["x"]
    response = as_user("social_worker").post("/api/v1/process-instances", json=body)
    assert response.status_code == 400 and "nested" in response.get_json()["message"]


def test_deep_json_to_a_page_is_a_400_page_before_sign_in(app):
    response = app.test_client().post("/login", data=DEEP, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("who", [None, "social_worker"])
def test_a_body_over_the_limit_is_a_413_before_it_is_read(app, as_user, who):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 2 * 1024 * 1024
    response = as_user(who).post_raw("/api/v1/process-instances", b"{" + b" " * limit + b"}",
                                     content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["code"] == 413


def test_a_page_post_over_the_limit_is_a_413(app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = app.test_client().post("/login", data={"username": "x" * limit, "password": "y"})
    assert response.status_code == 413


def test_a_diagram_from_another_tool_fits_under_the_limit(app):
    largest = max(p.stat().st_size for p in (Path(__file__).parent / "data").rglob("*.bpmn"))
    assert largest * 4 < app.config["MAX_CONTENT_LENGTH"]
