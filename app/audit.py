"""Recording who viewed or changed which child's records.

Services note what a request touched (`note`); one after-request hook writes the notes with
who, when, the request and the address, in their own commit, so a refused or failed request
is recorded too.
"""
from __future__ import annotations

import json

from flask import Flask, g, has_request_context, request

from app.extensions import db
from app.models import AuditEvent, utcnow
from app.security import current_user


def note(object_type: str, object_id: str | None, child_ref: str | None,
         refused: bool = False, detail: dict | None = None) -> None:
    """`detail`: what changed (e.g. a person's roles before and after), for changes that are
    not a child's record."""
    if not has_request_context():
        return  # commands and the scheduler are not people viewing records
    notes = g.setdefault("audit_notes", [])
    entry = (object_type, object_id, child_ref, refused,
             json.dumps(detail, sort_keys=True, default=str) if detail else None)
    if entry not in notes:  # a request may look a record up more than once
        notes.append(entry)


def note_list(name: str, child_refs) -> None:
    """A page listing cases (names and where each case is, not their records): one entry
    that the list was viewed, naming the children on it, so that an auditor searching for a
    child finds it, without a 'view' of every child's record. Opening a case is noted apart."""
    refs = sorted({ref for ref in child_refs if ref})
    note("case_list", name, None, detail={"children": refs} if refs else None)


def _write(response):
    notes = g.pop("audit_notes", None)
    if not notes:
        return response
    user = current_user()
    actor = user.username if user else None  # read before the rollback expires it
    action = "view" if request.method in ("GET", "HEAD") else "change"
    now = utcnow()
    db.session.rollback()  # whatever the request left unfinished is not ours to commit
    db.session.add_all(AuditEvent(
        at=now, actor=actor,
        action="refused" if refused else action, object_type=kind, object_id=object_id,
        child_ref=child_ref, method=request.method, path=request.path[:500],
        address=request.remote_addr, status=response.status_code,
        detail=json.loads(detail) if detail else None,
    ) for kind, object_id, child_ref, refused, detail in notes)
    db.session.commit()
    return response


def init_app(app: Flask) -> None:
    app.after_request(_write)
