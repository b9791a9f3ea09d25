"""The process library's page for moving running cases to another version: pick the
versions, see the dry run (each open case, where it waits, whether it can move and why not,
and the same on the diagram), move all that can or a chosen few, confirm, see what moved."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app import audit
from app.extensions import db
from app.models import ProcessInstance
from app.services import deployment, migrations
from app.services.errors import ServiceError
from app.web.library_pages import process_owner
from app.web.sessions import page_login_required

bp = Blueprint("migration_pages", __name__)


def _number(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _element_names(version) -> dict[str, str]:
    model = migrations.model_of(version)
    names: dict[str, str] = {}
    for spec in (model.spec, *model.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None):
                names[task_spec.bpmn_id] = task_spec.bpmn_name or task_spec.bpmn_id
    return names


def _default_from(versions, counts: dict[int, int]) -> int:
    older = [v for v in versions[:-1] if counts.get(v.id)]
    return (older[-1] if older else versions[max(0, len(versions) - 2)]).version


def _rows(lines: list[dict], names: dict[str, str]) -> list[dict]:
    found = {i.id: i for i in db.session.scalars(db.select(ProcessInstance).where(
        ProcessInstance.id.in_([line["id"] for line in lines])))}
    rows = []
    for line in lines:
        instance = found.get(line["id"])
        if instance is not None:
            audit.note("instance", instance.id, instance.child_ref)
        rows.append({**line, "instance": instance,
                     "where": [names.get(e, e) for e in line["waiting_at"]]})
    return rows


@bp.get("/models/<key>/migrate")
@page_login_required
def plan(key: str):
    user = process_owner()
    versions = deployment.versions_of(key)
    if not versions:
        abort(404)
    counts = migrations.open_counts()
    old = _number(request.args.get("from")) or _default_from(versions, counts)
    new = _number(request.args.get("to")) or versions[-1].version
    try:
        result = migrations.run(user, key, old, new, None, dry_run=True)
    except ServiceError as exc:
        db.session.rollback()
        return render_template("library/migrate.html", key=key, versions=versions,
                               counts=counts, old=old, new=new, rows=None,
                               error=exc.message, latest=versions[-1]), exc.status
    source = next(v for v in versions if v.version == old)
    names = _element_names(source)
    rows = _rows(result["instances"], names)
    waiting: dict[str, int] = {}
    blocked: set[str] = set()
    for line in result["instances"]:
        for element in line["waiting_at"]:
            waiting[element] = waiting.get(element, 0) + 1
        blocked |= {p["element_id"] for p in line["problems"] if p["element_id"]}
    return render_template("library/migrate.html", key=key, versions=versions, counts=counts,
                           old=old, new=new, rows=rows, error=None, latest=versions[-1],
                           diagram={"waiting": waiting, "blocked": sorted(blocked)})


@bp.post("/models/<key>/migrate")
@page_login_required
def move(key: str):
    user = process_owner()
    old, new = _number(request.form.get("from")), _number(request.form.get("to"))
    chosen = request.form.getlist("movable" if request.form.get("scope") == "all"
                                  else "instance_ids")
    back = url_for("migration_pages.plan", key=key, **{"from": old, "to": new})
    if old is None or new is None or not chosen:
        flash("Choose at least one case that can move.", "error")
        return redirect(back)
    if request.form.get("confirmed") != "1":
        try:
            preview = migrations.run(user, key, old, new, chosen, dry_run=True)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(back)
        rows = _rows(preview["instances"], _element_names(
            deployment.get_version(key, old)))
        return render_template("library/migrate_confirm.html", key=key, old=old, new=new,
                               rows=rows, back=back)
    try:
        result = migrations.run(user, key, old, new, chosen, dry_run=False)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    rows = _rows(result["instances"], _element_names(deployment.get_version(key, new)))
    return render_template("library/migrate_done.html", key=key, old=old, new=new, rows=rows,
                           migrated=result["migrated"], back=back)
