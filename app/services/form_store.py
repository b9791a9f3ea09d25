"""Where a form's text comes from: its newest version saved in the browser, else its file under
forms/. Saving checks the text is a JSON Schema (or a UI schema) before anything is stored."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from flask import current_app
from jsonschema import Draft202012Validator, SchemaError

from app import audit
from app.engine import form_schema
from app.extensions import db
from app.models import FormVersion, utcnow
from app.services.errors import Invalid

SCHEMA_SUFFIX = ".schema.json"
UI_SCHEMA_SUFFIX = ".uischema.json"
# Lower-case folders and names only: the path becomes a file name when exported.
PATH_PATTERN = re.compile(r"^([a-z0-9][a-z0-9_-]*/)*[a-z0-9][a-z0-9_-]*\.(schema|uischema)\.json$")


def forms_dir() -> Path:
    return Path(current_app.config["FORMS_DIR"]).resolve()


def _file(path: str) -> Path | None:
    base = forms_dir()
    target = (base / path).resolve()
    return target if base in target.parents and target.is_file() else None


def latest(path: str) -> FormVersion | None:
    return db.session.scalar(db.select(FormVersion).where(FormVersion.path == path)
                             .order_by(FormVersion.version.desc()).limit(1))


def read(path: str) -> str | None:
    """The form's text, or None when there is no such form."""
    saved = latest(path)
    if saved is not None:
        return saved.content
    found = _file(path)
    return found.read_text() if found else None


def paths() -> list[str]:
    """Every form: the files under forms/ and the paths saved in the browser."""
    base = forms_dir()
    on_disk = {p.relative_to(base).as_posix() for p in base.rglob("*.json")} \
        if base.is_dir() else set()
    saved = set(db.session.scalars(db.select(FormVersion.path).distinct()))
    return sorted(on_disk | saved)


def schema_paths() -> list[str]:
    return [p for p in paths() if p.endswith(SCHEMA_SUFFIX)]


def ui_schema_paths() -> list[str]:
    return [p for p in paths() if p.endswith(UI_SCHEMA_SUFFIX)]


def versions_of(path: str) -> list[FormVersion]:
    return list(db.session.scalars(db.select(FormVersion).where(FormVersion.path == path)
                                   .order_by(FormVersion.version)))


def check(path: str, text: str) -> dict[str, list[str]]:
    """Field errors for a form about to be saved (empty when it may be saved)."""
    errors: dict[str, list[str]] = {}
    if not PATH_PATTERN.match(path or ""):
        errors["path"] = ["Enter a path such as marp/review.schema.json: lower-case letters, "
                          "digits, - and _, ending .schema.json or .uischema.json"]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        errors["content"] = [f"This is not valid JSON: {exc.msg} at line {exc.lineno}, "
                             f"column {exc.colno}"]
        return errors
    if not isinstance(document, dict):
        errors["content"] = ["A form must be a JSON object ({ ... })"]
        return errors
    if path.endswith(SCHEMA_SUFFIX):
        try:
            Draft202012Validator.check_schema(document)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
            errors["content"] = [f"This is not a valid JSON Schema at {where}: {exc.message}"]
        else:
            if document.get("type", "object") != "object":
                errors["content"] = ['A form\'s schema must have "type": "object"']
            elif found := form_schema.problems(document):
                errors["content"] = found
    return errors


def save(path: str, text: str, saved_by: str, change_note: str | None = None) -> FormVersion:
    """Store the text as the path's next version; refuses (422) what cannot be a form."""
    errors = check(path, text)
    if errors:
        raise Invalid("The form cannot be saved", errors)
    current = latest(path)
    version = FormVersion(
        path=path, version=(current.version + 1) if current else 1, content=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(), saved_at=utcnow(),
        saved_by=saved_by, change_note=change_note)
    db.session.add(version)
    db.session.flush()
    audit.note("form", f"{path} v{version.version}", None)
    return version
