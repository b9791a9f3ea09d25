"""The audit trail: every look at a child's record, allowed or refused, and every change."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from tests.pages.conftest import Browser


@pytest.fixture
def case(as_user):
    started = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-AUD-1", "name": "Audit Child"}})
    return started.json


def _trail(app, **where):
    with app.app_context():
        query = db.select(AuditEvent).order_by(AuditEvent.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return db.session.scalars(query).all()


def test_api_views_are_recorded_with_who_what_and_where(app, as_user, case):
    as_user("social_worker").get(f"/api/v1/process-instances/{case['id']}")
    [event] = _trail(app, object_id=case["id"], actor="social_worker")
    assert (event.action, event.object_type, event.child_ref) == ("view", "instance", "C-AUD-1")
    assert event.path == f"/api/v1/process-instances/{case['id']}"
    assert event.address == "127.0.0.1" and event.status == 200


def test_refused_looks_are_recorded_too(app, as_user, case):
    response = as_user("panel_chair").get(f"/api/v1/process-instances/{case['id']}")
    assert response.status_code == 404
    [event] = _trail(app, object_id=case["id"], actor="panel_chair")
    assert event.action == "refused" and event.status == 404


def test_page_views_and_changes_are_recorded(app, case):
    task_id = case["tasks"][0]["id"]
    browser = Browser(app)
    browser.sign_in("social_worker")
    browser.get(f"/tasks/{task_id}")
    browser.post(f"/tasks/{task_id}", {"action": "draft", "needs_summary": "x"})
    actions = [e.action for e in _trail(app, object_id=task_id, actor="social_worker")]
    assert actions == ["view", "change"]


def test_lists_record_each_child_shown(app, as_user, case):
    before = len(_trail(app, actor="manager"))  # the trail outlives each test's data
    as_user("manager").get("/api/v1/process-instances")
    assert [e.child_ref for e in _trail(app, actor="manager")[before:]] == ["C-AUD-1"]


def test_only_auditors_search_the_trail(app, as_user, case):
    as_user("social_worker").get(f"/api/v1/process-instances/{case['id']}")
    assert as_user("manager").get("/api/v1/audit-events").status_code == 403
    found = as_user("auditor").get("/api/v1/audit-events?child_ref=C-AUD-1&actor=social_worker")
    assert found.status_code == 200
    assert found.json["total"] >= 1
    assert {e["child_ref"] for e in found.json["items"]} == {"C-AUD-1"}
    assert as_user("auditor").get("/api/v1/audit-events?action=bogus").status_code == 422


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET actor = 'someone else'",
    "DELETE FROM audit_events",
])
def test_the_trail_is_append_only_in_the_database(app, as_user, case, statement):
    as_user("social_worker").get(f"/api/v1/process-instances/{case['id']}")
    with app.app_context():
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert _trail(app, object_id=case["id"], actor="social_worker")
