"""Uploaded files: the type from the content, the name cleaned, the size limit, who may
upload and download, versions, and the audit of every download."""
from __future__ import annotations

import io

import pytest

from app.engine.form_schema import problems
from app.extensions import db
from app.models import AuditEvent, Document
from app.services import forms, uploads
from tests.documents import samples
from tests.documents.samples import upload
from tests.test_authorization_matrix import SAMPLES


@pytest.mark.parametrize(("content", "kind"), [
    (samples.pdf(), uploads.PDF), (samples.png(), uploads.PNG), (samples.jpeg(), uploads.JPEG),
    (samples.docx(), uploads.DOCX)])
def test_the_type_comes_from_the_content(content, kind):
    assert uploads.media_type(content) == kind


@pytest.mark.parametrize(("content", "says"), [
    (samples.EXE, "This type of file cannot be uploaded"),
    (b"#!/bin/sh\nrm -rf /\n", "This type of file cannot be uploaded"),
    (samples.docx(document=False), "not a Word document"),
    (samples.docx({"word/vbaProject.bin": b"macro"}), "macros"),
    (samples.docx({"word/embeddings/run.exe": samples.EXE}), "macros or programs"),
    (samples.pdf().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript "
                                              b"/JS (app.alert(1)) >>"), "scripts"),
    (b"%PDF-1.4 not really", "damaged"),
    (b"", "empty"),
])
def test_anything_else_is_refused_saying_what_to_upload(content, says):
    with pytest.raises(uploads.Refused, match=says):
        uploads.media_type(content)


@pytest.mark.parametrize(("name", "kind", "clean"), [
    ("../../etc/passwd", uploads.PDF, "passwd.pdf"),
    ("C:\\Users\\sw\\Case summary <v2>.PDF", uploads.PDF, "Case summary _v2.pdf"),
    ("report.exe", uploads.PDF, "report.pdf"),  # the name follows what the file really is
    ("photo.pdf", uploads.PNG, "photo.png"),
    ("...", uploads.DOCX, "document.docx"),
    (None, uploads.JPEG, "document.jpg"),
    ("ﬁle\u202e.txt", uploads.PDF, "file.pdf"),  # ligature folded, bidi override dropped
])
def test_file_names_are_cleaned(name, kind, clean):
    assert uploads.clean_name(name, kind) == clean


def test_a_required_document_field_asks_for_an_upload():
    schema = {"type": "object", "required": ["plan"], "properties": {
        "plan": {"type": "string", "format": "document", "title": "Child's plan"}}}
    assert forms.validate(schema, {}) == {"plan": ["Upload child's plan"]}  # GOV.UK wording


def test_upload_replace_and_download(app, marp, as_user):
    worker = as_user("social_worker")
    first = upload(worker, marp["id"], samples.pdf("First"), name="../Summary.pdf")
    assert first.status_code == 201, first.json
    assert first.json["filename"] == "Summary.pdf" and first.json["version"] == 1
    assert first.json["task_id"] == marp["task_id"]
    assert first.json["field"] == "case_summary_document"
    second = upload(worker, marp["id"], samples.pdf("Second"))
    assert second.json["version"] == 2 and second.json["replaces_id"] == first.json["id"]
    listed = {d["id"]: d for d in worker.get(f"/api/v1/process-instances/{marp['id']}/documents")
              .json}
    assert listed[first.json["id"]]["superseded_at"] is not None
    assert listed[second.json["id"]]["superseded_at"] is None
    old = worker.get(f"/api/v1/documents/{first.json['id']}")  # earlier versions are kept
    assert old.status_code == 200 and b"First page 1" in old.data
    assert old.headers["Content-Disposition"] == 'attachment; filename="Summary.pdf"'
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.object_type == "document",
            AuditEvent.object_id == first.json["id"], AuditEvent.action == "view")).all()
    assert [e.actor for e in events] == ["social_worker"] and events[0].child_ref == "C-DOC"


def test_only_people_who_may_see_the_case_get_its_documents(app, marp, as_user, browser):
    kept = upload(as_user("social_worker"), marp["id"], samples.pdf()).json
    for stranger in ("social_worker_3", "team_manager_2"):  # another team
        client = as_user(stranger)
        assert client.get(f"/api/v1/documents/{kept['id']}").status_code == 404
        assert upload(client, marp["id"], samples.pdf()).status_code == 404
        assert browser(stranger).get(f"/documents/{kept['id']}").status_code == 404
    assert as_user("team_manager").get(f"/api/v1/documents/{kept['id']}").status_code == 200
    # sees the case, but the step is social_worker's: held (409); a manager may not do it (403)
    assert upload(as_user("social_worker_2"), marp["id"], samples.pdf()).status_code == 409
    assert upload(as_user("team_manager"), marp["id"], samples.pdf()).status_code == 403
    with app.app_context():
        refused = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.actor == "social_worker_3", AuditEvent.action == "refused")).all()
    assert refused  # a look at a case the person may not see is recorded


def test_api_errors_say_what_to_do(app, marp, as_user):
    worker = as_user("social_worker")
    wrong = upload(worker, marp["id"], samples.EXE, name="summary.pdf")
    assert wrong.status_code == 415 and "upload a PDF, a Word document" in wrong.json["message"]
    unknown = upload(worker, marp["id"], samples.pdf(), field="passport")
    assert unknown.status_code == 422 and "passport" in unknown.json["errors"]["field"][0]
    bare = worker.client.post(f"/api/v1/process-instances/{marp['id']}/documents",
                              headers=worker.headers, data={"field": "case_summary_document"})
    assert bare.status_code == 422 and "file" in bare.json["errors"]
    app.config["DOCUMENT_MAX_BYTES"] = 2000
    try:
        big = upload(worker, marp["id"], samples.pdf(pages=12))
        assert big.status_code == 413 and "smaller than 2,000 bytes" in big.json["message"]
        huge = upload(worker, marp["id"], b"%PDF-" + b"x" * (2 * 1024 * 1024))  # the body
        assert huge.status_code == 413 and "smaller than 2,000 bytes" in huge.json["message"]
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = 10 * 1024 * 1024
    # Documents have their own limit: a file over the 2 MB body limit is taken.
    assert upload(worker, marp["id"], samples.pdf("x" * 40, pages=1)
                  + b"\n%" + b"x" * (3 * 1024 * 1024)).status_code == 201


def test_a_step_cannot_name_another_cases_document(app, marp, as_user):
    worker = as_user("social_worker")
    other = worker.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-OTHER"}}).json
    theirs = upload(worker, other["id"], samples.pdf()).json
    answer = worker.post(f"/api/v1/tasks/{marp['task_id']}/complete", json={
        "data": {**SAMPLES["prepare_request"], "case_summary_document": theirs["id"]}})
    assert answer.status_code == 422
    assert answer.json["errors"]["case_summary_document"] == [
        "Upload the file for: Updated case summary: upload a copy"]


def test_the_task_page_uploads_without_javascript(app, marp, browser):
    page = browser("social_worker")
    html = page.get(f"/tasks/{marp['task_id']}?view=all").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'class="govuk-file-upload"' in html
    answer = page.client.post(f"/tasks/{marp['task_id']}", data={
        "csrf_token": page.token(), "action": "draft", "needs_summary": "Needs",
        "chronology": "ignored",
        "genogram_chronology_document": (io.BytesIO(samples.docx()), "Chronology.docx")},
        content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:400]
    with app.app_context():
        kept = db.session.scalar(db.select(Document).where(
            Document.field == "genogram_chronology_document"))
        assert kept.filename == "Chronology.docx" and kept.task_id == marp["task_id"]
    html = page.get(f"/tasks/{marp['task_id']}?view=all").get_data(as_text=True)
    assert "Uploaded: <a" in html and "Chronology.docx" in html and kept.id in html
    refused = page.client.post(f"/tasks/{marp['task_id']}", data={
        "csrf_token": page.token(), "action": "draft",
        "assessment_document": (io.BytesIO(samples.EXE), "assessment.pdf")},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "This type of file cannot be uploaded" in refused.get_data(as_text=True)


def test_a_section_of_the_task_list_takes_its_papers(app, marp, browser):
    """MARP's request is a task list; its Papers section uploads without JavaScript too."""
    page = browser("social_worker")
    html = page.get(f"/tasks/{marp['task_id']}/sections/4").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'class="govuk-file-upload"' in html
    saved = page.client.post(f"/tasks/{marp['task_id']}/sections/4", data={
        "csrf_token": page.token(), "action": "later",
        "child_plan_document": (io.BytesIO(samples.pdf("Plan")), "Plan.pdf")},
        content_type="multipart/form-data")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:400]
    with app.app_context():
        kept = db.session.scalar(db.select(Document).where(
            Document.field == "child_plan_document"))
        assert kept.filename == "Plan.pdf" and kept.task_id == marp["task_id"]


def test_the_form_editor_keeps_document_fields_at_the_top_of_a_form():
    fine = {"type": "object", "properties": {"plan": {"type": "string", "format": "document"}}}
    listed = {"type": "object", "properties": {"papers": {
        "type": "array", "maxItems": 3, "items": {"type": "string", "format": "document"}}}}
    assert problems(fine) == []
    assert "must be a string property of the form itself" in problems(listed)[0]
