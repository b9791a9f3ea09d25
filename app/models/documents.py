"""Documents kept with a case: letters generated from templates, as PDF."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.instances import new_id
from app.models.types import UTCDateTime, utcnow


class Document(db.Model):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(sa.ForeignKey("process_instances.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(80))  # the template it was made from
    title: Mapped[str] = mapped_column(sa.String(200))
    filename: Mapped[str] = mapped_column(sa.String(200))
    media_type: Mapped[str] = mapped_column(sa.String(80), default="application/pdf")
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
