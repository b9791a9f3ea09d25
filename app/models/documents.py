"""Documents kept with a case: letters generated from templates (content in the row) and
files uploaded into a form's document field (content in the document store)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.instances import new_id
from app.models.types import JSONType, UTCDateTime, utcnow


class Document(db.Model):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(sa.ForeignKey("process_instances.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(80))  # a letter's template, or "upload"
    title: Mapped[str] = mapped_column(sa.String(200))
    filename: Mapped[str] = mapped_column(sa.String(200))
    media_type: Mapped[str] = mapped_column(sa.String(80), default="application/pdf")
    # Letters only; an upload's bytes are in the store under storage_key.
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Uploads: the form field and step that asked for it, and who gave it.
    field: Mapped[str | None] = mapped_column(sa.String(120))
    task_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    uploaded_by: Mapped[str | None] = mapped_column(sa.String(80))
    storage_key: Mapped[str | None] = mapped_column(sa.String(300))
    size: Mapped[int | None] = mapped_column()
    # Replacing a field's file makes a new version; the old one is kept, superseded.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    replaces_id: Mapped[str | None] = mapped_column(sa.String(32))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MeetingPack(db.Model):
    """A meeting's papers as one PDF, published by the panel's administrator."""

    __tablename__ = "meeting_packs"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    meeting_id: Mapped[str] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    storage_key: Mapped[str] = mapped_column(sa.String(300))
    size: Mapped[int] = mapped_column()
    # The cases in it: only someone who may see every one of them may open it.
    instance_ids: Mapped[list] = mapped_column(JSONType, default=list)
    published_by: Mapped[str] = mapped_column(sa.String(80))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PaperRead(db.Model):
    """A member has read a case's papers for a meeting."""

    __tablename__ = "paper_reads"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "instance_id", "username"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    meeting_id: Mapped[str] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    instance_id: Mapped[str] = mapped_column(sa.ForeignKey("process_instances.id"))
    username: Mapped[str] = mapped_column(sa.String(80))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
