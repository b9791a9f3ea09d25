"""A form's document field on the page: the GOV.UK file upload, with the file already given.

form_render draws every other field; it hands document fields here so that the renderer
itself stays free of the database. The page posts the whole form as multipart, so this works
without JavaScript: the file travels under the field's name and the id of the file already
uploaded in a hidden input of the same name (task_pages puts the new id in its place).
"""
from __future__ import annotations

from flask import g, has_app_context, has_request_context, url_for
from markupsafe import Markup

from app.extensions import db
from app.models import Document
from app.services.uploads import EXTENSIONS, WHAT_WE_TAKE

ACCEPT = ",".join(sorted({*EXTENSIONS.values(), ".jpeg"}))


def known_documents(documents) -> None:
    """The case's uploads, for the fields on this page to show (only this case's)."""
    g.form_documents = {document.id: document for document in documents}


def _known(value) -> Document | None:
    if not (has_request_context() and isinstance(value, str)):
        return None
    return g.get("form_documents", {}).get(value)


def render(fid: str, path: str, title: str, hint: list[str], messages: list[str],
           value) -> Markup:
    current = _known(value)
    hints = [*hint, f"Upload {WHAT_WE_TAKE}."]
    ids = [f"{fid}-hint"] + ([f"{fid}-error"] if messages else [])
    parts = [Markup('<label class="govuk-label govuk-label--s" for="{}">{}</label>').format(
                 fid, title),
             Markup('<div id="{}-hint" class="govuk-hint">{}</div>').format(
                 fid, Markup("<br>").join(hints))]
    if messages:
        parts.append(Markup('<p id="{}-error" class="govuk-error-message"><span class="govuk-'
                            'visually-hidden">Error:</span> {}</p>').format(
                                fid, Markup("<br>").join(messages)))
    if current is not None:
        parts.append(Markup(
            '<p class="govuk-body">Uploaded: <a class="govuk-link" href="{}">{}</a> (version {}).'
            ' Choose another file only to replace it.</p>'
            '<input type="hidden" name="{}" value="{}">').format(
                url_for("task_pages.document", document_id=current.id), current.filename,
                current.version, path, current.id))
    error_class = " govuk-file-upload--error" if messages else ""
    parts.append(Markup('<input class="govuk-file-upload{}" id="{}" name="{}" type="file" '
                        'accept="{}" aria-describedby="{}">').format(
                            error_class, fid, path, ACCEPT, " ".join(ids)))
    group = "govuk-form-group" + (" govuk-form-group--error" if messages else "")
    return Markup('<div class="{}">{}</div>').format(group, Markup("").join(parts))


def describe(value) -> str:
    """A document answer in words: its file name and version, not its id."""
    found = _known(value)
    if found is None and has_app_context() and isinstance(value, str):
        found = db.session.get(Document, value)
    return f"{found.filename} (version {found.version})" if found is not None else str(value)
