"""Files uploaded into a form's document fields: checked, stored, versioned and read back.

A document field is a string property with `"format": "document"` (or `"ui:widget": "file"`
in the UI schema) whose answer is the document's id. Uploading is part of doing a step, so
only whoever may do an open step that asks for the document may upload it; reading it is
for whoever may see the case (app/services/access.py), and every read is audited.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import current_app

from app import audit
from app.extensions import db
from app.models import Document, HumanTask, ProcessInstance, TaskStatus, User, utcnow
from app.services import access, forms, instances, storage, uploads
from app.services.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge, Unsupported

UPLOAD = "upload"


def is_document_field(prop: Mapping, ui: Mapping | None = None) -> bool:
    return (isinstance(prop, Mapping) and prop.get("format") == "document") or (
        isinstance(ui, Mapping) and ui.get("ui:widget") == "file")


def document_fields(schema: Mapping, ui_schema: Mapping | None = None) -> dict[str, str]:
    """{field: title} for the form's document fields (top level only: the form editor refuses
    them inside lists)."""
    ui_schema = ui_schema or {}
    found = {}
    for key, prop in ((schema or {}).get("properties") or {}).items():
        ui = ui_schema.get(key) if isinstance(ui_schema.get(key), Mapping) else {}
        if is_document_field(prop, ui):
            found[key] = str(prop.get("title") or key.replace("_", " ").capitalize())
    return found


def limit_words() -> str:
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    return f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


def too_large_message() -> str:
    return (f"The file must be smaller than {limit_words()}: save it as a PDF, or make the "
            "images in it smaller, and upload it again")


def _step_for(user: User, instance: ProcessInstance, field: str) -> tuple[HumanTask, str]:
    """The open step of the case whose form asks for `field`, if the user may do it."""
    asking = [(task, title) for task in instance.tasks if task.status == TaskStatus.READY
              for key, title in document_fields(forms.task_form(task),
                                                forms.task_form(task, ui=True)).items()
              if key == field]
    if not asking:
        raise Invalid("No open step on this case asks for that document",
                      {"field": [f"No open step on this case has a document field {field!r}"]})
    for task, title in asking:
        if access.can_work_on(user, task):
            if task.assignee not in (None, user.username):
                raise Conflict(f"This task is held by {task.assignee}")
            return task, title
    raise Forbidden("You cannot do the step that asks for this document")


def current(instance_id: str, field: str) -> Document | None:
    return db.session.scalar(db.select(Document).where(
        Document.instance_id == instance_id, Document.field == field,
        Document.superseded_at.is_(None)))


def upload(user: User, instance_id: str, field: str, filename: str | None,
           content: bytes) -> Document:
    """Keep the file as the case's document for `field`, replacing (as a new version) the
    one there; returns it. 404 unseen case, 403/409 not your step, 413 too large, 415 not a
    type we take, 422 no such field."""
    instance = instances.get_visible(user, instance_id)
    task, title = _step_for(user, instance, field)
    if len(content) > current_app.config["DOCUMENT_MAX_BYTES"]:
        raise TooLarge(too_large_message())
    try:
        kind = uploads.media_type(content)
    except uploads.Refused as exc:
        raise Unsupported(str(exc)) from exc
    before = current(instance.id, field)
    document = Document(instance_id=instance.id, kind=UPLOAD, title=title, media_type=kind,
                        filename=uploads.clean_name(filename, kind), field=field,
                        task_id=task.id, uploaded_by=user.username, size=len(content),
                        version=before.version + 1 if before else 1,
                        replaces_id=before.id if before else None)
    if before is not None:
        before.superseded_at = utcnow()
    db.session.add(document)
    db.session.flush()
    document.storage_key = f"documents/{instance.id}/{document.id}"
    # Stored before the row is committed: a failed commit leaves an unreferenced file, never
    # a row without its file.
    storage.store().put(document.storage_key, content, kind)
    audit.note("document", document.id, instance.child_ref)
    return document


def check_answers(task: HumanTask, data: Mapping) -> None:
    """Each document field's answer must be a file uploaded to this case for that field."""
    fields = document_fields(forms.task_form(task), forms.task_form(task, ui=True))
    errors = {}
    for key, title in fields.items():
        value = data.get(key)
        if value is None:
            continue
        found = db.session.get(Document, value) if isinstance(value, str) else None
        if found is None or found.instance_id != task.instance_id or found.field != key:
            errors[key] = [f"Upload the file for: {title}"]
    if errors:
        raise Invalid("The form has errors", errors)


def read(document: Document) -> bytes:
    if document.storage_key:
        return storage.store().get(document.storage_key)
    return document.content or b""


def visible_document(user: User, document_id: str) -> tuple[Document, ProcessInstance]:
    """The document and its case, if the user may see the case (else NotFound)."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound("No such document")
    return document, instances.get_visible(user, document.instance_id)


def download(user: User, document_id: str) -> tuple[Document, bytes]:
    """The document's file for someone who may see its case; the read is audited."""
    document, instance = visible_document(user, document_id)
    audit.note("document", document.id, instance.child_ref)
    return document, read(document)


def for_instance(instance_id: str, uploads_only: bool = False,
                 current_only: bool = False) -> list[Document]:
    query = db.select(Document).where(Document.instance_id == instance_id)
    if uploads_only:
        query = query.where(Document.kind == UPLOAD)
    if current_only:
        query = query.where(Document.superseded_at.is_(None))
    return list(db.session.scalars(query.order_by(Document.created_at, Document.version)))


def disposition(document: Document) -> str:
    # clean_name and letters' own names are plain ASCII without quotes.
    return f'attachment; filename="{document.filename}"'
