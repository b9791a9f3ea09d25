"""Meeting packs: agenda, each case's request in words and its papers merged into one PDF
(read back with pypdf), late papers marked, carers' addresses never printed, read marks."""
from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from app.extensions import db
from app.models import AuditEvent, Meeting
from app.services import packs, panels
from tests.documents import samples
from tests.documents.samples import upload
from tests.test_authorization_matrix import SAMPLES


def _listed(app, marp, as_user, late: bool = False) -> str:
    worker = as_user("social_worker")
    paper = upload(worker, marp["id"], samples.pdf("Chronology paper"),
                   field="genogram_chronology_document").json
    done = worker.post(f"/api/v1/tasks/{marp['task_id']}/complete", json={"data": {
        **SAMPLES["prepare_request"], "genogram_chronology_document": paper["id"]}})
    assert done.status_code == 200, done.json
    with app.app_context():
        item = panels.list_instance(marp["id"], "marp")
        if late:  # the deadline passed before the paper came in
            item.meeting.submission_deadline = item.meeting.starts_at - timedelta(days=30)
        db.session.commit()
        return item.meeting_id


def test_carers_addresses_are_left_out_at_any_depth():
    schema = {"properties": {
        "carer_address": {"title": "Address"},
        "postcode": {"title": "Foster carer's postcode"},
        "carer": {"properties": {"address": {"title": "Where they live"},
                                 "name": {"title": "Name"}}},
        "school_address": {"title": "School address"}}}
    data = {"carer_address": "1 Secret Lane", "postcode": "AB1 2CD",
            "carer": {"address": "2 Hidden Road", "name": "Pat"}, "school_address": "Town"}
    assert packs.without_carer_addresses(schema, data) == {
        "carer": {"name": "Pat"}, "school_address": "Town"}


def test_the_administrator_publishes_a_pack_a_member_opens(app, marp, as_user, browser):
    meeting_id = _listed(app, marp, as_user, late=True)
    admin = browser("panel_administrator")
    page = admin.get(f"/meetings/{meeting_id}/papers").get_data(as_text=True)
    assert "Doc Child" in page and "Late</strong>" in page and "not been published" in page
    assert admin.post(f"/meetings/{meeting_id}/papers/publish").status_code == 302
    chair = browser("panel_chair")
    pdf = chair.get(f"/meetings/{meeting_id}/pack.pdf")
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Agenda" in text and "Doc Child (C-DOC)" in text
    # the request in words: the form's titles, not its field names
    assert "Summary of the child's needs" in text and "needs_summary" not in text
    assert "(late: after the papers deadline)" in text
    assert text.index("Summary of the child's needs") < text.index("Chronology paper page 1")
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.object_type == "meeting_pack", AuditEvent.actor == "panel_chair",
            AuditEvent.child_ref == "C-DOC")) is not None
    # someone who may not see the case does not get a pack holding it, nor its row
    outsider = browser("social_worker_3")
    assert outsider.get(f"/meetings/{meeting_id}/pack.pdf").status_code == 404
    assert "Doc Child" not in outsider.get(f"/meetings/{meeting_id}/papers").get_data(
        as_text=True)


def test_members_mark_a_case_read(app, marp, as_user, browser):
    meeting_id = _listed(app, marp, as_user)
    chair = browser("panel_chair")
    assert chair.post(f"/meetings/{meeting_id}/papers/{marp['id']}/read").status_code == 302
    assert "Read</strong>" in chair.get(f"/meetings/{meeting_id}/papers").get_data(as_text=True)
    assert "Read</strong>" not in browser("panel_administrator").get(
        f"/meetings/{meeting_id}/papers").get_data(as_text=True)  # marks are each person's
    outsider = browser("social_worker_3")
    assert outsider.post(f"/meetings/{meeting_id}/papers/{marp['id']}/read").status_code == 404
    with app.app_context():
        other = db.session.scalar(db.select(Meeting).where(Meeting.id != meeting_id).limit(1))
    assert chair.post(f"/meetings/{other.id}/papers/{marp['id']}/read").status_code == 404
