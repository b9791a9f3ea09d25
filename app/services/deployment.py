"""Deploying diagrams as new process model versions."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import g, has_request_context

from app import audit
from app.engine.parsing import NSMAP, BpmnProblems, Problem, read_xml
from app.engine.validation import validate_model
from app.extensions import db
from app.models import FormVersion, ProcessModelVersion, utcnow
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


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def latest_version(key: str) -> ProcessModelVersion | None:
    return db.session.scalar(
        db.select(ProcessModelVersion).where(ProcessModelVersion.key == key)
        .order_by(ProcessModelVersion.version.desc()).limit(1)
    )


def _validated(text: str, expected_key: str | None = None):
    model, problems = validate_model(text, form_store.read)
    if problems:
        raise BpmnProblems(problems)
    if expected_key is not None and model.key != expected_key:
        raise BpmnProblems([Problem(
            f"The diagram's process id is {model.key!r}, not {expected_key!r}", model.key)])
    return model


def deploy_xml(xml: bytes | str, deployed_by: str, change_note: str | None = None,
               expected_key: str | None = None, only_if_changed: bool = False
               ) -> tuple[ProcessModelVersion, bool]:
    """Validate and store as the next version; (version, created). Raises BpmnProblems."""
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    return _store(_validated(text, expected_key), text, deployed_by, change_note,
                  only_if_changed)


def _store(model, text: str, deployed_by: str, change_note: str | None,
           only_if_changed: bool) -> tuple[ProcessModelVersion, bool]:
    content_hash = _hash(text)
    kept = _forms_of(model)
    latest = latest_version(model.key)
    if (only_if_changed and latest is not None and latest.content_hash == content_hash
            and latest.forms == kept):
        return latest, False
    version = ProcessModelVersion(
        key=model.key, name=model.name, version=(latest.version + 1) if latest else 1,
        bpmn_xml=text, content_hash=content_hash, deployed_at=utcnow(), deployed_by=deployed_by,
        change_note=change_note, start_roles=model.start_roles, description=model.description,
        forms=kept, retention=model.retention,
    )
    db.session.add(version)
    db.session.flush()
    if has_request_context():
        g.pop(_LATEST_KEY, None)  # the request's list of newest versions now has a newer one
    audit.note("process_model", f"{version.key} v{version.version}", None)
    return version, True


SYSTEM = "system"  # who deploys processes/ at start-up and in `flask deploy`
START_DEPLOY = "panelflow.deployed_on_start"  # app.extensions: what start-up deployed
EXPORT_HINT = ("run `flask export-models` (it writes the newest diagrams to processes/ and "
               "the forms saved in the browser to forms/) and commit them")


@dataclass(frozen=True)
class FileDeploy:
    """What deploying one file under processes/ did: deployed it as a new version, found
    it already current, or kept a later version that a person deployed (`kept_by`)."""

    key: str
    version: int  # the pathway's latest version afterwards
    created: bool
    filename: str
    kept_by: str | None = None
    kept_at: datetime | None = None

    def describe(self, when: str = "") -> str:
        if self.created:
            return f"{self.key}: version {self.version} deployed from {self.filename}{when}"
        if self.kept_by is None:
            return f"{self.key}: version {self.version} is current ({self.filename} unchanged)"
        return (f"{self.key}: kept version {self.version}, deployed by {self.kept_by} on "
                f"{self.kept_at:%d %B %Y at %H:%M} UTC; {self.filename} differs and was not "
                f"deployed over it (a version a person deployed is never replaced from "
                f"processes/). To keep version {self.version} in git, {EXPORT_HINT}")


@dataclass(frozen=True)
class KeptForm:
    """A form saved in the browser that differs from its file under forms/ (the browser's
    version is the one used; deploying from files never replaces it)."""

    path: str
    version: int
    saved_by: str
    saved_at: datetime

    def describe(self) -> str:
        return (f"form {self.path}: version {self.version} saved in the browser by "
                f"{self.saved_by} on {self.saved_at:%d %B %Y at %H:%M} UTC is used, not the "
                f"differing file in forms/. To keep it in git, {EXPORT_HINT}")


def deploy_directory(directory: Path, deployed_by: str = SYSTEM) -> list[FileDeploy]:
    """Deploy every .bpmn under `directory` whose content (or forms) changed; all or nothing.

    A diagram whose latest version a person deployed (a process owner, in the modeler) is
    left as it is: the file is not deployed over their change.
    """
    results = []
    for path in sorted(directory.rglob("*.bpmn")):
        try:
            results.append(_deploy_file(path, deployed_by))
        except BpmnProblems as exc:
            raise BpmnProblems([Problem(f"{path.name}: {p.message}", p.element_id, p.line)
                                for p in exc.problems]) from None
    return results


def _process_key(text: str) -> str | None:
    try:
        root = read_xml(text)
    except BpmnProblems:
        return None
    found = root.xpath("//bpmn:process[@isExecutable='true']/@id", namespaces=NSMAP)
    return str(found[0]) if len(found) == 1 else None


def _deploy_file(path: Path, deployed_by: str) -> FileDeploy:
    text = path.read_text()
    key = _process_key(text)
    latest = latest_version(key) if key else None
    if latest is not None and latest.deployed_by not in (SYSTEM, deployed_by):
        # Not even validated: a file that no longer fits the forms as a person changed them
        # must not stop the app starting.
        kept = latest.forms or {}
        forms_now = {name: found for name in kept if (found := form_store.read(name)) is not None}
        if latest.content_hash == _hash(text) and kept == forms_now:
            return FileDeploy(key, latest.version, False, path.name)
        return FileDeploy(key, latest.version, False, path.name,
                          kept_by=latest.deployed_by, kept_at=latest.deployed_at)
    version, created = _store(_validated(text), text, deployed_by,
                              f"deployed from {path.name}", only_if_changed=True)
    return FileDeploy(version.key, version.version, created, path.name)


def forms_kept_from_browser(forms_dir: Path) -> list[KeptForm]:
    """Forms saved in the browser whose file under `forms_dir` differs (or is missing)."""
    kept = []
    for path in db.session.scalars(db.select(FormVersion.path).distinct()
                                   .order_by(FormVersion.path)):
        saved = form_store.latest(path)
        target = forms_dir / path
        if not target.is_file() or target.read_text() != saved.content:
            kept.append(KeptForm(path, saved.version, saved.saved_by, saved.saved_at))
    return kept


_LATEST_KEY = "panelflow_latest_versions"


def all_latest() -> list[ProcessModelVersion]:
    """The newest version of every diagram, by key. Kept for the rest of a request (the menu,
    "Start a request" and the page itself each ask), and forgotten when it deploys one."""
    if not has_request_context():
        return _query_latest()
    if _LATEST_KEY not in g:
        setattr(g, _LATEST_KEY, _query_latest())
    return list(getattr(g, _LATEST_KEY))


def _query_latest() -> list[ProcessModelVersion]:
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
