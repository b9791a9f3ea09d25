"""A MARP request at its first step (prepare_request, held by social_worker), whose form
asks for four documents."""
from __future__ import annotations

import pytest

from tests.pages.conftest import Browser


@pytest.fixture
def marp(as_user):
    started = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-DOC", "name": "Doc Child"}})
    assert started.status_code == 201, started.json
    return {"id": started.json["id"], "task_id": started.json["tasks"][0]["id"]}



@pytest.fixture
def browser(app):
    def make(username: str | None = None) -> Browser:
        signed = Browser(app)
        if username:
            signed.sign_in(username)
        return signed
    return make
