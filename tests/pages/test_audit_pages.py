"""The auditor works in the browser (issue 16, item 10): an audit page searchable by child,
person and dates (typed in UK order), with a CSV; a menu that fits the role; and a list of
cases recorded as a list viewed, naming its children, not as a view of each child's record."""
from __future__ import annotations

import csv
import io

from app.extensions import db
from app.models import AuditEvent


def _start(as_user, username: str, ref: str) -> str:
    started = as_user(username).post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": ref, "name": f"Child {ref}"}})
    assert started.status_code == 201
    return started.json["id"]


def test_an_auditor_finds_who_looked_at_a_child(app, as_user, browser, traveller):
    with app.app_context():  # the trail outlives each test's data: only this test's entries
        since = db.session.scalar(db.select(db.func.max(AuditEvent.id))) or 0
    case_id = _start(as_user, "social_worker", "C-AUDIT-1")
    _start(as_user, "social_worker", "C-AUDIT-2")
    manager = browser("manager")
    manager.get("/cases")  # a list: recorded once, naming both children
    manager.get(f"/cases/{case_id}")  # the record itself
    with app.app_context():
        listed = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.id > since, AuditEvent.actor == "manager",
            AuditEvent.path == "/cases")).all()
        assert [(e.object_type, e.child_ref) for e in listed] == [("case_list", None)]
        assert listed[0].detail == {"children": ["C-AUDIT-1", "C-AUDIT-2"]}

    auditor = browser("auditor")
    page = auditor.get("/audit?child=C-AUDIT-1&person=Taylor").get_data(as_text=True)
    assert "Taylor Quinn (Manager)" in page  # names, not usernames
    assert "A list of 2 cases" in page and "/cases/" + case_id in page
    dated = auditor.get("/audit?child=C-AUDIT-1&from-day=23&from-month=11&from-year=2026"
                        "&to-day=23&to-month=11&to-year=2026").get_data(as_text=True)
    assert "Taylor Quinn (Manager)" in dated
    before = auditor.get("/audit?child=C-AUDIT-1&to-day=22&to-month=11&to-year=2026")
    assert "No entries match" in before.get_data(as_text=True)
    wrong = auditor.get("/audit?from-day=31&from-month=2&from-year=2026")
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert "Enter a real date" in text and 'value="31"' in text  # what was typed is kept

    rows = list(csv.DictReader(io.StringIO(auditor.get(
        "/audit.csv?child=C-AUDIT-1&person=manager").get_data(as_text=True))))
    assert {row["what"] for row in rows} == {"Case", "A list of 2 cases"}
    assert all(row["username"] == "manager" for row in rows)


def test_each_role_has_a_menu_that_fits(browser):
    auditor = browser("auditor").get("/audit").get_data(as_text=True)
    menu = auditor[auditor.index('id="navigation"'):auditor.index("Sign out")]
    assert "Audit trail" in menu and "Start a request" not in menu and "Inbox" not in menu
    worker = browser("social_worker").get("/").get_data(as_text=True)
    menu = worker[worker.index('id="navigation"'):worker.index("Sign out")]
    assert "Start a request" in menu and "My requests" in menu and "Audit trail" not in menu
    chair = browser("panel_chair").get("/").get_data(as_text=True)
    menu = chair[chair.index('id="navigation"'):chair.index("Sign out")]
    assert "Start a request" not in menu and "Panels" in menu
    assert browser("manager").get("/audit").status_code == 403
