"""Moving running cases to another version of their diagram (the API contract's "Moving
running cases to a new version"), for process owners.

A dry run says, for each open case on the old version, where it waits and whether it can
move (the engine actually moves it in memory, and the result is thrown away). A real run
moves each movable case in its own transaction under the case's row lock, so one case that
fails leaves the others moved and itself as it was. A moved case keeps its row, data,
history, panel listing and its open task rows (ids, holders, due dates, drafts): the engine
keeps the ids of the tasks it waits at, so the rows still match them.
"""
from __future__ import annotations

from app import audit
from app.engine import migration, workflows
from app.engine.parsing import ParsedModel
from app.engine.specs import SPECS
from app.extensions import db
from app.models import InstanceStatus, ProcessInstance, ProcessModelVersion, TaskStatus, User
from app.services import access, deployment, history, progress
from app.services.errors import Forbidden, Invalid, NotFound


def model_of(version: ProcessModelVersion) -> ParsedModel:
    return SPECS.get(version.id, version.content_hash, lambda: version.bpmn_xml)


def versions(key: str, from_version: int, to_version: int
             ) -> tuple[ProcessModelVersion, ProcessModelVersion]:
    """The two versions; 404 for a model never deployed, 422 for a version it does not have."""
    known = {v.version: v for v in deployment.versions_of(key)}
    if not known:
        raise NotFound("No such process model")
    errors = {name: [f"{key} has no version {number}; it has versions "
                     f"{', '.join(str(n) for n in sorted(known))}"]
              for name, number in (("from_version", from_version), ("to_version", to_version))
              if number not in known}
    if not errors and from_version == to_version:
        errors = {"to_version": ["Choose a version other than the one the cases are on"]}
    if errors:
        raise Invalid("Unknown version", errors)
    return known[from_version], known[to_version]


def open_cases(version: ProcessModelVersion) -> list[ProcessInstance]:
    return list(db.session.scalars(
        db.select(ProcessInstance).where(ProcessInstance.model_version_id == version.id,
                                         ProcessInstance.status.in_(InstanceStatus.OPEN))
        .order_by(ProcessInstance.started_at, ProcessInstance.id)))


def open_counts() -> dict[int, int]:
    """Open cases per model version id."""
    return dict(db.session.execute(
        db.select(ProcessInstance.model_version_id, db.func.count())
        .where(ProcessInstance.status.in_(InstanceStatus.OPEN))
        .group_by(ProcessInstance.model_version_id)).all())


def _not_open(instance_id: str, old: ProcessModelVersion) -> dict:
    return {"id": instance_id, "ok": False, "waiting_at": [], "problems": [{
        "element_id": None,
        "message": f"This is not an open case of {old.key} version {old.version}"}]}


def _try(instance: ProcessInstance, new: ProcessModelVersion, model: ParsedModel):
    """(the moved workflow or None, the case's line in the answer)."""
    workflow, _old_model = progress.load(instance)
    assessment = migration.assess(workflow, model.spec, model.subprocess_specs, new.version)
    line = {"id": instance.id, "ok": assessment.ok, "waiting_at": assessment.waiting_at,
            "problems": assessment.problems}
    if not assessment.ok:
        return None, line
    try:
        migration.migrate(workflow, model.spec, model.subprocess_specs)
    except workflows.EngineError as exc:
        line["ok"] = False
        line["problems"] = [{"element_id": None, "message": str(exc)}]
        return None, line
    return workflow, line


def _follow_new_version(instance: ProcessInstance, model: ParsedModel) -> None:
    """Open task rows take the new version's title, role, form and instructions for their
    step; who holds them, when they are due and their drafts stay."""
    for row in instance.tasks:
        spec = model.user_tasks.get(row.name)
        if row.status != TaskStatus.READY or spec is None:
            continue
        row.title, row.role, row.instructions = spec.title, spec.role, spec.instructions
        row.form_schema_file = spec.form_schema_file
        row.form_ui_schema_file = spec.form_ui_schema_file


def _move(user: User, instance_id: str, old: ProcessModelVersion, new: ProcessModelVersion,
          model: ParsedModel) -> dict:
    instance = progress.lock(instance_id, for_step=True)
    if (instance is None or instance.model_version_id != old.id
            or instance.status not in InstanceStatus.OPEN):
        db.session.rollback()
        return _not_open(instance_id, old)
    workflow, line = _try(instance, new, model)
    if workflow is None:
        db.session.rollback()
        return line
    instance.model_version_id, instance.model_version = new.id, new
    _follow_new_version(instance, model)
    history.record(instance.id, "migrated", user.username,
                   detail={"from_version": old.version, "to_version": new.version,
                           "waiting_at": line["waiting_at"]})
    progress.save(instance, workflow, model, user.username)
    db.session.commit()
    audit.note("instance", instance.id, instance.child_ref,
               detail={"migrated": {"process_model": old.key, "from_version": old.version,
                                    "to_version": new.version}})
    return line


def run(user: User, key: str, from_version: int, to_version: int,
        instance_ids: list[str] | None = None, dry_run: bool = True) -> dict:
    """The contract's answer: `{"dry_run", "instances": [...], "migrated": K}`."""
    if not access.owns_processes(user):
        raise Forbidden("Only a process owner may move cases to another version")
    old, new = versions(key, from_version, to_version)
    model = model_of(new)
    cases = {i.id: i for i in open_cases(old)}
    wanted = list(dict.fromkeys(instance_ids)) if instance_ids is not None else list(cases)
    lines = []
    for instance_id in wanted:
        if instance_id not in cases:
            lines.append(_not_open(instance_id, old))
        elif dry_run:
            lines.append(_try(cases[instance_id], new, model)[1])
        else:
            lines.append(_move(user, instance_id, old, new, model))
    moved = [line["id"] for line in lines if line["ok"]] if not dry_run else []
    if moved:
        audit.note("process_model", key, None, detail={
            "migrated": moved, "from_version": old.version, "to_version": new.version})
    return {"dry_run": dry_run, "instances": lines, "migrated": len(moved)}
