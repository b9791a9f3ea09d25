"""A submission costs little to check whatever it holds (issue 15, findings 4 and 5): every
list in a form is bounded and checked before the case is locked, and patterns run on RE2."""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from app.engine import form_schema
from app.extensions import db
from app.services import form_store, forms
from app.services import tasks as task_service
from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start
from tests.pages.conftest import Browser
from tests.pathways.test_marp import SAMPLES

ROOT = Path(__file__).parents[2]
HOSTILE_LIST = [i if i % 3 else {"n": i} for i in range(20_000)]  # about 136 KB
REGEX_FORM = {"type": "object", "title": "Reference", "properties": {
    "ref": {"type": "string", "title": "Reference", "pattern": "^(a|aa)+$"}}}


def _marp_first_task(as_user) -> tuple:
    sw = as_user("social_worker")
    case = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-LIM", "name": "Limit Child"}}).json
    return sw, case["tasks"][0]["id"]


@pytest.mark.parametrize("path", sorted(
    p.relative_to(ROOT / "forms").as_posix() for p in (ROOT / "forms").rglob("*.schema.json")))
def test_every_form_bounds_its_lists_and_patterns(path):
    assert form_schema.problems(json.loads((ROOT / "forms" / path).read_text())) == []


def test_twenty_thousand_items_in_a_unique_list_are_refused_at_once(as_user):
    sw, task_id = _marp_first_task(as_user)
    began = time.monotonic()
    response = sw.post(f"/api/v1/tasks/{task_id}/complete", json={
        "data": {**SAMPLES["prepare_request"], "joint_funding_partners": HOSTILE_LIST}})
    assert time.monotonic() - began < 3
    assert response.status_code == 422
    assert response.json["errors"]["joint_funding_partners"] == [
        "Which partners are being asked to fund jointly? may have at most 2 answers"]


def _lock_is_free(instance_id: str) -> bool:
    """Can another connection lock the case (or, on SQLite, the database) right now?"""
    with db.engine.connect() as other:
        if other.dialect.name == "sqlite":
            raw = other.connection.driver_connection  # no BEGIN of SQLAlchemy's own
            raw.execute("PRAGMA busy_timeout=0")
            try:
                raw.execute("BEGIN IMMEDIATE")
                raw.execute("ROLLBACK")
            except sqlite3.OperationalError:
                return False
            finally:
                raw.execute("PRAGMA busy_timeout=30000")  # as app/__init__.py sets it
            return True
        try:
            with other.begin():
                other.exec_driver_sql(
                    "SELECT id FROM process_instances WHERE id = %(id)s FOR UPDATE NOWAIT",
                    {"id": instance_id})
        except OperationalError:
            return False
    return True


def test_answers_are_checked_before_the_case_is_locked(app, as_user, monkeypatch):
    sw, task_id = _marp_first_task(as_user)
    with app.app_context():
        instance_id = task_service.db.session.get(task_service.HumanTask, task_id).instance_id
    seen = []
    real = forms.validate

    def watched(schema, data, context=None):
        seen.append(_lock_is_free(instance_id))
        return real(schema, data, context)

    monkeypatch.setattr(task_service.forms, "validate", watched)
    refused = sw.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"child_age": -1}})
    assert refused.status_code == 422
    assert seen and seen[0] is True
    done = sw.post(f"/api/v1/tasks/{task_id}/complete", json={"data": SAMPLES["prepare_request"]})
    assert done.status_code == 200, done.json


def test_a_backtracking_pattern_runs_in_linear_time(app, as_user):
    with app.app_context():
        form_store.save("test/regex.schema.json", json.dumps(REGEX_FORM), "tester")
        db.session.commit()
    deploy(app, two_step(key="regex_step", form="test/regex.schema.json"))
    sw = as_user("social_worker")
    task_id = ready_task(start(sw, key="regex_step"), "first")["id"]
    began = time.monotonic()
    refused = sw.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"ref": "a" * 41 + "b"}})
    assert time.monotonic() - began < 2
    assert refused.status_code == 422 and "ref" in refused.json["errors"]
    assert sw.post(f"/api/v1/tasks/{task_id}/complete",
                   json={"data": {"ref": "a" * 41}}).status_code == 200


def test_pattern_properties_and_additional_properties_run_on_re2():
    schema = {"type": "object", "patternProperties": {"^(a|aa)+$": {"type": "integer"}},
              "additionalProperties": False}
    began = time.monotonic()
    errors = forms.validate(schema, {"a" * 41 + "b": 1, "aa": "x"})
    assert time.monotonic() - began < 1
    assert set(errors) == {"_form", "aa"}


@pytest.mark.parametrize(("schema", "words"), [
    ({"type": "object", "properties": {"kids": {"type": "array", "items": {"type": "string"}}}},
     "has no maxItems"),
    ({"type": "object", "properties": {"kids": {"type": "array", "maxItems": 50_000}}},
     "maxItems may be at most 1000"),
    ({"type": "object", "properties": {"ref": {"type": "string", "pattern": "^(a)\\1$"}}},
     "cannot be used"),
    ({"type": "object", "properties": {"ref": {"type": "string", "pattern": "^(?=a)a$"}}},
     "cannot be used"),
    ({"type": "object", "patternProperties": {"(?<=x)y": {}}}, "cannot be used"),
])
def test_the_form_store_refuses_unbounded_lists_and_patterns_re2_cannot_run(app, schema, words):
    with app.app_context():
        errors = form_store.check("test/hostile.schema.json", json.dumps(schema))
    assert any(words in message for message in errors["content"]), errors


def test_the_form_editor_says_why_it_refuses_a_list_without_a_bound(app):
    owner = Browser(app)
    owner.sign_in("process_owner")
    schema = {"type": "object", "properties": {"kids": {
        "type": "array", "title": "Children", "items": {"type": "string"}}}}
    refused = owner.post("/forms", {"path": "test/kids.schema.json", "is_new": "1",
                                    "content": json.dumps(schema)})
    assert refused.status_code == 422
    assert "The list at properties/kids has no maxItems" in refused.get_data(as_text=True)


def test_a_diagram_whose_form_has_an_unbounded_list_is_not_deployed(app, as_user):
    with app.app_context():
        db.session.add(form_store.FormVersion(
            path="test/unbounded.schema.json", version=1, content=json.dumps(
                {"type": "object", "properties": {"l": {"type": "array"}}}),
            content_hash="x", saved_at=form_store.utcnow(), saved_by="tester"))
        db.session.commit()
    result = as_user("process_owner").post_raw(
        "/api/v1/process-models/validate", two_step(key="unbounded",
                                                    form="test/unbounded.schema.json")).json
    assert not result["valid"]
    assert any("has no maxItems" in e["message"] for e in result["errors"])
