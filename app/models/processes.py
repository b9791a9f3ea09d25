"""Deployed versions of BPMN process models."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class ProcessModelVersion(db.Model):
    """One immutable deployment of a diagram; instances point at the version they began on."""

    __tablename__ = "process_model_versions"
    __table_args__ = (sa.UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    version: Mapped[int]
    bpmn_xml: Mapped[str] = mapped_column(sa.Text, deferred=True)  # only on a spec-cache miss
    # The text of every form its user tasks name, as deployed: a form edited later reaches
    # cases when the diagram is next deployed, and running cases keep the forms they began on.
    forms: Mapped[dict | None] = mapped_column(sa.JSON, deferred=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deployed_by: Mapped[str] = mapped_column(sa.String(80))
    change_note: Mapped[str | None] = mapped_column(sa.Text)
    start_roles: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The process's bpmn:documentation: what the forum is for, shown on "Start a request".
    description: Mapped[str | None] = mapped_column(sa.Text)
    # The process's retention rule as deployed (engine/parsing.py `retention_rule`).
    retention: Mapped[dict | None] = mapped_column(sa.JSON)


class FormVersion(db.Model):
    """One saved version of a form file (JSON Schema or UI schema) edited in the browser.

    The newest version of a path wins over the file of that path under forms/; `flask
    export-models` writes them back to forms/ so a council can keep them in git.
    """

    __tablename__ = "form_versions"
    __table_args__ = (sa.UniqueConstraint("path", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(255), index=True)  # relative to forms/
    version: Mapped[int]
    content: Mapped[str] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    saved_by: Mapped[str] = mapped_column(sa.String(80))
    change_note: Mapped[str | None] = mapped_column(sa.Text)
