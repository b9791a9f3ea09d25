"""Subject access (issue 20, part 5): "a subject access export of everything held about one
child (a ZIP with the case data in words, documents and letters, and the audit of who viewed
them)", from the administrator's (and auditor's) pages; making it is itself audited."""
from __future__ import annotations

import csv
import io
import zipfile

from app.extensions import db
from app.models import AuditEvent, Document
from app.services import letters
from tests.documents import samples
from tests.test_authorization_matrix import SAMPLES

CHILD = {"child_ref": "C-SAR", "name": "Robin Example", "date_of_birth": "2011-06-02"}


def _case(app, as_user) -> dict:
    worker = as_user("social_worker")
    started = worker.post("/api/v1/process-instances",
                          json={"process_model": "marp", "subject": CHILD}).json
    paper = samples.pdf("Robin's case summary")
    uploaded = samples.upload(worker, started["id"], paper).json
    done = worker.post(f"/api/v1/tasks/{started['tasks'][0]['id']}/complete",
                       json={"data": SAMPLES["prepare_request"]})
    assert done.status_code == 200, done.json
    as_user("team_manager").get(f"/api/v1/process-instances/{started['id']}")  # a view
    with app.app_context():  # a letter, as a diagram's make_letter keeps one
        letter = letters.to_pdf("Decision letter", "Dear Robin's family")
        db.session.add(Document(instance_id=started["id"], kind="marp_decision",
                                title="Decision letter", filename="marp_decision-2026.pdf",
                                content=letter))
        db.session.commit()
    return {"id": started["id"], "paper": paper, "document": uploaded, "letter": letter}


def test_the_export_holds_the_case_in_words_its_papers_letters_and_audit(app, as_user,
                                                                         browser):
    case = _case(app, as_user)
    auditor = browser("auditor")
    found = auditor.get("/admin/subject-access?child_ref=C-SAR")
    assert found.status_code == 200
    assert "Multi-Agency Resource Panel (MARP)" in found.get_data(as_text=True)
    response = auditor.get("/admin/subject-access/export?child_ref=C-SAR")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert {"README.txt", "audit.csv", "cases/01-marp/case.txt"} <= set(names)
    words = archive.read("cases/01-marp/case.txt").decode()
    # In words: the forms' titles and the answers' own labels, never field names or codes.
    assert "Robin Example (C-SAR)" in words and "Date of birth: 2011-06-02" in words
    assert "What is the panel being asked to agree?" in words
    assert "A residential placement needing joint funding" in words
    assert "request_kind" not in words and "joint_funded_residential" not in words
    assert "Sam Carter (Social Worker) completed “Prepare MARP request”" in words
    assert archive.read(f"cases/01-marp/documents/v1-{case['document']['filename']}") == \
        case["paper"]
    assert archive.read("cases/01-marp/letters/marp_decision-2026.pdf") == case["letter"]
    rows = list(csv.DictReader(io.StringIO(archive.read("audit.csv").decode())))
    viewers = {(row["Username"], row["What they did"]) for row in rows}
    assert ("team_manager", "Viewed") in viewers  # who viewed the child's records
    # The search that found the child is in it (a list naming them); the export is not yet.
    assert ("auditor", "Viewed") in viewers
    assert all(not row["Page or address asked for"].endswith("/export") for row in rows)
    with app.app_context():
        export = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.object_type == "subject_access", AuditEvent.actor == "auditor",
            AuditEvent.child_ref == "C-SAR", AuditEvent.path == "/admin/subject-access/export"
        )).all()
        assert [e.object_id for e in export] == [case["id"]]


def test_a_draft_not_yet_sent_is_in_it_too(app, as_user, browser):
    worker = as_user("social_worker")
    started = worker.post("/api/v1/process-instances",
                          json={"process_model": "marp", "subject": CHILD}).json
    saved = browser("social_worker").post(f"/tasks/{started['tasks'][0]['id']}", {
        "action": "draft", "needs_summary": "Robin needs a short break"})  # Save as draft
    assert saved.status_code == 302
    archive = zipfile.ZipFile(io.BytesIO(
        browser("administrator").get("/admin/subject-access/export?child_ref=C-SAR").data))
    words = archive.read("cases/01-marp/case.txt").decode()
    assert "Saved but not yet sent" in words and "Robin needs a short break" in words


def test_a_carers_address_is_left_out_of_the_words(app, as_user, browser):
    worker = as_user("social_worker")
    worker.post("/api/v1/process-instances", json={"process_model": "marp", "subject": {
        **CHILD, "carer_address": "1 Hidden Lane"}})
    archive = zipfile.ZipFile(io.BytesIO(
        browser("administrator").get("/admin/subject-access/export?child_ref=C-SAR").data))
    assert "Hidden Lane" not in archive.read("cases/01-marp/case.txt").decode()


def test_only_administrators_and_auditors_and_only_a_child_held(app, as_user, browser):
    _case(app, as_user)
    assert browser("social_worker").get(
        "/admin/subject-access/export?child_ref=C-SAR").status_code == 403
    admin = browser("administrator")
    assert admin.get("/admin/subject-access/export?child_ref=C-NOBODY").status_code == 404
    unknown = admin.get("/admin/subject-access?child_ref=C-NOBODY")
    assert unknown.status_code == 422
    assert "Nothing is held about a child with reference C-NOBODY" in unknown.get_data(
        as_text=True)
    assert admin.get("/admin/subject-access?child_ref=").status_code == 422


def test_the_menu_offers_the_pages_to_whoever_may_use_them(browser):
    def menu(username: str) -> str:
        page = browser(username).get("/admin/subject-access" if username != "social_worker"
                                     else "/").get_data(as_text=True)
        return page[page.index('id="navigation"'):page.index("Sign out")]
    assert ">Retention<" in menu("administrator") and ">Subject access<" in menu("administrator")
    assert ">Retention<" not in menu("auditor") and ">Subject access<" in menu("auditor")
    assert ">Subject access<" not in menu("social_worker")
