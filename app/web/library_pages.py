"""The process owners' library: every process model with its versions (who deployed each,
when, why, and how many cases run on it), what changed between two versions, and the forms
in forms/ with an editor whose preview is the inbox's own form renderer."""
from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from app.extensions import db
from app.models import InstanceStatus, ProcessInstance, User
from app.security import signed_in_user
from app.services import access, deployment, form_store, model_diff
from app.services.errors import Invalid
from app.web import form_render
from app.web.sessions import page_login_required

bp = Blueprint("library_pages", __name__)


def process_owner() -> User:
    """The signed-in process owner; anyone else is refused (403)."""
    user = signed_in_user()
    if not access.owns_processes(user):
        abort(403, "Only a process owner may change diagrams and forms.")
    return user


def _counts() -> dict[int, dict[str, int]]:
    """Per model version: cases still open on it, and all cases ever begun on it."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        db.select(ProcessInstance.model_version_id,
                  ProcessInstance.status.in_(InstanceStatus.OPEN + (InstanceStatus.SUSPENDED,
                                                                    InstanceStatus.ERROR)),
                  db.func.count())
        .group_by(ProcessInstance.model_version_id, ProcessInstance.status))
    for version_id, open_, count in rows:
        entry = counts.setdefault(version_id, {"open": 0, "all": 0})
        entry["all"] += count
        if open_:
            entry["open"] += count
    return counts


def _versions(key: str) -> list:
    """The model's versions, oldest first; 404 for a model that was never deployed."""
    versions = deployment.versions_of(key)
    if not versions:
        abort(404)
    return versions


@bp.get("/models")
@page_login_required
def index():
    process_owner()
    counts = _counts()
    models = []
    for latest in deployment.all_latest():
        versions = deployment.versions_of(latest.key)
        models.append({"latest": latest, "versions": len(versions),
                       "open": sum(counts.get(v.id, {}).get("open", 0) for v in versions)})
    return render_template("library/index.html", models=models)


@bp.get("/models/<key>")
@page_login_required
def model(key: str):
    process_owner()
    versions = _versions(key)
    counts = _counts()
    return render_template("library/model.html", key=key, latest=versions[-1],
                           versions=list(reversed(versions)), counts=counts)


@bp.get("/models/<key>/versions/<int:number>.bpmn")
@page_login_required
def download(key: str, number: int):
    process_owner()
    version = deployment.get_version(key, number)
    if version is None:
        abort(404)
    return Response(version.bpmn_xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}-v{number}.bpmn"'})


def _version_arg(key: str, name: str):
    try:
        number = int(request.args.get(name, ""))
    except ValueError:
        return None
    return deployment.get_version(key, number)


@bp.get("/models/<key>/diff")
@page_login_required
def diff(key: str):
    process_owner()
    versions = _versions(key)
    old, new = _version_arg(key, "from"), _version_arg(key, "to")
    if old is None or new is None:
        flash("Choose two versions of this diagram to compare.", "error")
        return redirect(url_for("library_pages.model", key=key))
    changes = model_diff.diff(old.bpmn_xml, new.bpmn_xml)
    return render_template("library/diff.html", key=key, old=old, new=new, changes=changes,
                           latest=versions[-1])


# Forms ---------------------------------------------------------------------------------------

def _preview(path: str, text: str) -> tuple[str | None, dict[str, list[str]]]:
    """The rendered form for an edited schema or UI schema, with its twin from the store."""
    errors = form_store.check(path, text)
    if errors:
        return None, errors
    edited = json.loads(text)
    if path.endswith(form_store.UI_SCHEMA_SUFFIX):
        twin = path[: -len(form_store.UI_SCHEMA_SUFFIX)] + form_store.SCHEMA_SUFFIX
        schema, ui_schema = json.loads(form_store.read(twin) or "{}"), edited
    else:
        twin = path[: -len(form_store.SCHEMA_SUFFIX)] + form_store.UI_SCHEMA_SUFFIX
        schema, ui_schema = edited, json.loads(form_store.read(twin) or "{}")
    try:
        return str(form_render.render_form(schema, ui_schema, {}, {})), {}
    except Exception as exc:  # noqa: BLE001 - any schema the renderer cannot draw is reported
        return None, {"content": [f"The form cannot be drawn: {exc}"]}


@bp.get("/forms")
@page_login_required
def forms_index():
    process_owner()
    rows = []
    for path in form_store.paths():
        saved = form_store.latest(path)
        rows.append({"path": path, "saved": saved})
    return render_template("library/forms.html", rows=rows)


def _editor(path: str, text: str, errors: dict, status: int = 200, is_new: bool = False,
            note: str = ""):
    preview, preview_errors = _preview(path, text) if path and text else (None, {})
    return render_template(
        "library/form_edit.html", path=path, text=text, errors=errors, is_new=is_new,
        preview=preview, preview_errors=preview_errors if not errors else {}, note=note,
        versions=list(reversed(form_store.versions_of(path))) if path else []), status


@bp.get("/forms/new")
@page_login_required
def new_form():
    process_owner()
    text = json.dumps({"type": "object", "title": "New form", "required": [], "properties": {
        "note": {"type": "string", "title": "Note"}}}, indent=2)
    return _editor("", text, {}, is_new=True)


@bp.get("/forms/<path:form_path>")
@page_login_required
def edit_form(form_path: str):
    process_owner()
    text = form_store.read(form_path)
    if text is None:
        abort(404)
    return _editor(form_path, text, {})


@bp.post("/forms")
@page_login_required
def save_form():
    user = process_owner()
    path = (request.form.get("path") or "").strip()
    text = request.form.get("content") or ""
    note = (request.form.get("change_note") or "").strip() or None
    is_new = request.form.get("is_new") == "1"
    if is_new and form_store.read(path) is not None:
        errors = {"path": ["A form with this path exists already; open it from the list"]}
        return _editor(path, text, errors, 422, is_new=True, note=note or "")
    try:
        errors = form_store.check(path, text)
        if not errors and (broken := deployment.problems_with_form(path, text)):
            errors = {"content": [f"Saving this would break a deployed diagram. {b}"
                                  for b in broken]}
        if errors:
            raise Invalid("The form cannot be saved", errors)
        saved = form_store.save(path, text, user.username, note)
    except Invalid as exc:
        db.session.rollback()
        return _editor(path, text, exc.errors, 422, is_new=is_new, note=note or "")
    db.session.commit()
    users = [v.name for v in deployment.all_latest() if saved.path in v.bpmn_xml]
    flash(f"Saved {saved.path} as version {saved.version}. Deploy "
          + (", ".join(users) if users else "the pathways that use it")
          + " to put it into use: cases begun from then on use it, and running cases keep "
          "the form they began with.", "success")
    return redirect(url_for("library_pages.edit_form", form_path=saved.path))


@bp.post("/forms/preview")
@page_login_required
def preview_form():
    process_owner()
    path = (request.form.get("path") or "").strip() or "preview.schema.json"
    html, errors = _preview(path, request.form.get("content") or "")
    if errors:
        return jsonify(message="The form cannot be previewed", errors=errors), 422
    return jsonify(html=html)
