"""Deploying diagrams as new process model versions."""
from __future__ import annotations

import hashlib
from pathlib import Path

from app import audit
from app.engine.parsing import BpmnProblems, Problem
from app.engine.validation import validate_model
from app.extensions import db
from app.models import ProcessModelVersion, utcnow
from app.services import form_store


def validate_xml(xml: bytes | str) -> list[Problem]:
    _, problems = validate_model(xml, form_store.read)
    return problems


def _forms_of(model) -> dict[str, str]:
    """The text of every form (and layout) the diagram's user tasks and start event name, as
    they are now."""
    names = {name for task in model.user_tasks.values()
             for name in (task.form_schema_file, task.form_ui_schema_file) if name}
    names |= {model.start_form} if model.start_form else set()
    return {name: text for name in sorted(names) if (text := form_store.read(name)) is not None}


def problems_with_form(path: str, text: str) -> list[str]:
    """What a changed form would break in the diagrams deployed now that name it (a decision
    field it no longer asks for, a schema that is no longer valid)."""
    def read(name: str) -> str | None:
        return text if name == path else form_store.read(name)

    found = []
    for version in all_latest():
        if path not in version.bpmn_xml:
            continue
        _, problems = validate_model(version.bpmn_xml, read)
        found += [f"{version.name}: {p.message}" for p in problems]
    return found


def latest_version(key: str) -> ProcessModelVersion | None:
    return db.session.scalar(
        db.select(ProcessModelVersion).where(ProcessModelVersion.key == key)
        .order_by(ProcessModelVersion.version.desc()).limit(1)
    )


def deploy_xml(xml: bytes | str, deployed_by: str, change_note: str | None = None,
               expected_key: str | None = None, only_if_changed: bool = False
               ) -> tuple[ProcessModelVersion, bool]:
    """Validate and store as the next version; (version, created). Raises BpmnProblems."""
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    model, problems = validate_model(text, form_store.read)
    if problems:
        raise BpmnProblems(problems)
    if expected_key is not None and model.key != expected_key:
        raise BpmnProblems([Problem(
            f"The diagram's process id is {model.key!r}, not {expected_key!r}", model.key)])
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    kept = _forms_of(model)
    latest = latest_version(model.key)
    if (only_if_changed and latest is not None and latest.content_hash == content_hash
            and latest.forms == kept):
        return latest, False
    version = ProcessModelVersion(
        key=model.key, name=model.name, version=(latest.version + 1) if latest else 1,
        bpmn_xml=text, content_hash=content_hash, deployed_at=utcnow(), deployed_by=deployed_by,
        change_note=change_note, start_roles=model.start_roles, description=model.description,
        forms=kept,
    )
    db.session.add(version)
    db.session.flush()
    audit.note("process_model", f"{version.key} v{version.version}", None)
    return version, True


def deploy_directory(directory: Path, deployed_by: str = "system") -> list[tuple[str, int, bool]]:
    """Deploy every .bpmn under `directory` whose content changed; all or nothing."""
    results = []
    for path in sorted(directory.rglob("*.bpmn")):
        try:
            version, created = deploy_xml(path.read_text(), deployed_by,
                                          change_note=f"deployed from {path.name}",
                                          only_if_changed=True)
        except BpmnProblems as exc:
            raise BpmnProblems([Problem(f"{path.name}: {p.message}", p.element_id, p.line)
                                for p in exc.problems]) from None
        results.append((version.key, version.version, created))
    return results


def all_latest() -> list[ProcessModelVersion]:
    newest = (db.select(ProcessModelVersion.key, db.func.max(ProcessModelVersion.version)
                        .label("v")).group_by(ProcessModelVersion.key).subquery())
    return list(db.session.scalars(
        db.select(ProcessModelVersion).join(
            newest, (ProcessModelVersion.key == newest.c.key)
            & (ProcessModelVersion.version == newest.c.v))
        .order_by(ProcessModelVersion.key)
    ))


def versions_of(key: str) -> list[ProcessModelVersion]:
    return list(db.session.scalars(
        db.select(ProcessModelVersion).where(ProcessModelVersion.key == key)
        .order_by(ProcessModelVersion.version)
    ))


def get_version(key: str, version: int | None) -> ProcessModelVersion | None:
    if version is None:
        return latest_version(key)
    return db.session.scalar(db.select(ProcessModelVersion).where(
        ProcessModelVersion.key == key, ProcessModelVersion.version == version))
