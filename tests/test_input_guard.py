"""NUL characters are refused with a 422 naming the field, wherever they arrive.

PostgreSQL cannot store U+0000; before this guard such input gave a 500 on that database.
"""
from __future__ import annotations

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
