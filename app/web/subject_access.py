"""A subject access export (issue 20, part 5): everything held about one child, as a ZIP.

For each of the child's cases: the case in words (its pathway, who the child is, and its
story with each step's answers under the forms' own titles, as the case page tells it), its
uploaded documents (every version) and letters; then the audit of who viewed or changed the
child's records. Made for an administrator or auditor answering a request under UK GDPR
Art. 15; making it is itself audited. Carers' addresses are left out of the words (a third
party's data, never printed: app/services/packs.py).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile

import sqlalchemy as sa

from app import audit
from app.extensions import db
from app.models import AuditEvent, ProcessInstance, User, utcnow
from app.services import documents, forms
from app.services.errors import Forbidden, NotFound
from app.services.packs import _carer_address, without_carer_addresses
from app.web import form_render
from app.web.display import long_date
from app.web.task_pages import _story

EXPORTERS = frozenset({"administrator", "auditor"})
STATUS_WORDS = {"running": "Open", "waiting": "Open, waiting", "completed": "Finished",
                "suspended": "Paused", "terminated": "Closed early", "error": "Stopped by an error"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def may_export(user: User) -> bool:
    return bool(user.role_keys & EXPORTERS)


def cases_of(child_ref: str) -> list[ProcessInstance]:
    return list(db.session.scalars(db.select(ProcessInstance).where(
        ProcessInstance.child_ref == child_ref).order_by(ProcessInstance.started_at)))


def audit_of(child_ref: str) -> list[AuditEvent]:
    """Each look at or change to the child's records, and each list that showed the child
    (audit.note_list names them in its detail), as the audit trail's own search finds them."""
    on_list = sa.cast(AuditEvent.detail, sa.String).contains(f'"{child_ref}"', autoescape=True)
    return list(db.session.scalars(db.select(AuditEvent).where(
        sa.or_(AuditEvent.child_ref == child_ref, on_list))
        .order_by(AuditEvent.at, AuditEvent.id)))


def _safe(name: str) -> str:
    return _UNSAFE.sub("-", name).strip("-") or "file"


def _when(moment) -> str:
    return f"{long_date(moment)} {moment:%H:%M}" if moment else ""


def case_in_words(instance: ProcessInstance) -> str:
    subject = without_carer_addresses({}, instance.subject or {})
    lines = [instance.model_version.name, "=" * len(instance.model_version.name), "",
             f"Child: {subject.get('name', '')} ({instance.child_ref or 'no reference'})"]
    # Whatever else the case was started with, each under its name in words.
    lines += [f"{key.replace('_', ' ').capitalize()}: {value}"
              for key, value in subject.items() if key not in ("name", "child_ref")
              and value not in (None, "", [], {})]
    lines += [f"Status: {STATUS_WORDS.get(instance.status, instance.status)}",
              f"Started: {_when(instance.started_at)}"]
    if instance.completed_at:
        lines.append(f"Closed: {_when(instance.completed_at)}")
    if instance.team:
        lines.append(f"Team: {instance.team}")
    lines += ["", "What happened", "-------------"]
    for entry in _story(instance):
        lines.append(f"{entry['when']}: {entry['what']}")
        for label, text in entry["answers"]:
            if not _carer_address(label):
                lines.append(f"    {label}: {text}")
    drafts = [task for task in instance.tasks if task.draft_data]
    if drafts:
        lines += ["", "Saved but not yet sent", "----------------------"]
    for task in drafts:
        schema = forms.task_form(task)
        lines.append(f"{task.title}:")
        lines += [f"    {label}: {text}" for label, text in form_render.summarise(
            schema, without_carer_addresses(schema, task.draft_data), forms.task_form(
                task, ui=True)) if not _carer_address(label)]
    return "\n".join(lines) + "\n"


def _audit_csv(events: list[AuditEvent]) -> str:
    names = {u.username: u.display_name for u in db.session.scalars(db.select(User).where(
        User.username.in_({e.actor for e in events if e.actor})))}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["When (UTC)", "Who", "Username", "What they did", "What", "Record",
                     "Page or address asked for"])
    for event in events:
        writer.writerow([f"{event.at:%Y-%m-%d %H:%M:%S}", names.get(event.actor, ""),
                         event.actor or "", {"view": "Viewed", "change": "Changed",
                                             "refused": "Was refused"}.get(event.action,
                                                                           event.action),
                         event.object_type.replace("_", " "), event.object_id or "",
                         event.path])
    return out.getvalue()


def export(user: User, child_ref: str) -> bytes:
    """The ZIP; NotFound when nothing is held about the child (the audit alone counts)."""
    if not may_export(user):
        raise Forbidden("Only an administrator or auditor makes a subject access export")
    child_ref = child_ref.strip()
    cases, events = cases_of(child_ref), audit_of(child_ref)
    if not child_ref or not (cases or events):
        raise NotFound("Nothing is held about a child with that reference")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", (
            f"Everything held about the child with reference {child_ref}, made "
            f"{_when(utcnow())} (UTC).\n\n"
            "cases/: one folder per case: case.txt (the case in words), documents/ (every "
            "uploaded file, each version) and letters/.\n"
            "audit.csv: who viewed or changed the child's records, and when.\n"))
        for number, instance in enumerate(cases, 1):
            folder = f"cases/{number:02d}-{_safe(instance.process_key)}"
            archive.writestr(f"{folder}/case.txt", case_in_words(instance))
            for document in documents.for_instance(instance.id, uploads_only=True):
                name = f"{folder}/documents/v{document.version}-{_safe(document.filename)}"
                archive.writestr(name, documents.read(document))
            for letter in documents.for_instance(instance.id):
                if letter.kind == documents.UPLOAD:
                    continue
                archive.writestr(f"{folder}/letters/{_safe(letter.filename)}",
                                 documents.read(letter))
            audit.note("subject_access", instance.id, child_ref)
        archive.writestr("audit.csv", _audit_csv(events))
    if not cases:
        audit.note("subject_access", None, child_ref)
    return out.getvalue()
