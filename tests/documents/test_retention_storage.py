"""A case deleted under its retention rule (issue 20, part 5) takes its uploaded files out of
the S3-compatible store too (moto's standalone server, the true edge: see
test_s3_storage.py), and a meeting pack that included it; only after the deletion commits."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import Meeting, MeetingItem, MeetingPack, ProcessInstance
from app.services import retention, storage
from tests.documents import samples
from tests.documents.samples import upload
from tests.documents.test_s3_storage import BUCKET, s3, s3_endpoint  # noqa: F401 - fixtures
from tests.retention.conftest import user


def test_deletion_removes_the_files_from_the_bucket(traveller, s3, marp, as_user, app):  # noqa: F811
    kept = upload(as_user("social_worker"), marp["id"], samples.pdf("To be deleted")).json
    key = f"council/documents/{marp['id']}/{kept['id']}"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    meeting_id = as_user("manager").get("/api/v1/panels/marp/meetings").json[0]["id"]
    with app.app_context():  # a published pack that included the case
        meeting = db.session.get(Meeting, meeting_id)
        db.session.add(MeetingItem(meeting_id=meeting.id, instance_id=marp["id"]))
        db.session.add(MeetingPack(meeting_id=meeting.id, storage_key="packs/m/p1.pdf",
                                   size=3, instance_ids=[marp["id"]], published_by="x"))
        storage.store().put("packs/m/p1.pdf", b"pdf", "application/pdf")
        db.session.commit()
    closed = as_user("manager").post(f"/api/v1/process-instances/{marp['id']}/terminate",
                                     json={"reason": "Withdrawn"})
    assert closed.status_code == 200
    traveller.move_to(datetime(2034, 1, 1, tzinfo=UTC))
    with app.app_context():
        assert retention.mark_due() == [marp["id"]]
        assert retention.delete(user("administrator"), [marp["id"]]) == [marp["id"]]
        assert db.session.get(ProcessInstance, marp["id"]) is None
        assert db.session.scalars(db.select(MeetingPack)).all() == []
    for gone in (key, "council/packs/m/p1.pdf"):
        with pytest.raises(s3.exceptions.NoSuchKey):
            s3.get_object(Bucket=BUCKET, Key=gone)
