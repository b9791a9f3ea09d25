"""Retention and subject access over the API (issue 20, part 5), the same rules as the
pages: `GET /api/v1/retention/due`, `POST /api/v1/retention/deletions`,
`GET /api/v1/subject-access?child_ref=` (extensions of the API contract, in the README)."""
from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from app.extensions import db
from app.models import ProcessInstance, RetentionTrace
from app.services import retention


def test_list_delete_and_export_through_the_api(app, as_user, traveller):
    worker = as_user("social_worker")
    closed, kept = (worker.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": ref, "name": "Api Child"}}).json["id"]
        for ref in ("C-API", "C-API-2"))
    as_user("manager").post(f"/api/v1/process-instances/{closed}/terminate",
                            json={"reason": "Withdrawn"})
    traveller.move_to(datetime(2034, 2, 1, tzinfo=UTC))
    with app.app_context():
        retention.mark_due()
    admin = as_user("administrator")
    due = admin.get("/api/v1/retention/due")
    assert due.status_code == 200
    assert due.json["total"] == 1
    [row] = due.json["items"]
    assert (row["instance_id"], row["child_ref"], row["process_model"], row["rule"]) == (
        closed, "C-API", "marp", {"years_after_close": 7})
    assert row["due_since"].startswith("2033-11-23")
    export = admin.get("/api/v1/subject-access?child_ref=C-API")
    assert export.status_code == 200
    assert "cases/01-marp/case.txt" in zipfile.ZipFile(io.BytesIO(export.data)).namelist()
    assert admin.get("/api/v1/subject-access").status_code == 422
    assert admin.get("/api/v1/subject-access?child_ref=C-NONE").status_code == 404
    answer = admin.post("/api/v1/retention/deletions", json={"instance_ids": [closed, kept]})
    assert answer.status_code == 200
    assert answer.json == {"deleted": [closed], "not_deleted": [kept]}  # kept is still open
    assert admin.post("/api/v1/retention/deletions",
                      json={"instance_ids": []}).status_code == 422
    with app.app_context():
        assert db.session.get(ProcessInstance, closed) is None
        assert db.session.get(ProcessInstance, kept) is not None
        assert db.session.scalar(db.select(db.func.count()).select_from(RetentionTrace)) == 1
    assert admin.get("/api/v1/retention/due").json == {"items": [], "total": 0}
