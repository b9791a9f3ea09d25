"""The process owners' modeler: edit a diagram in the browser, check it, deploy a new version.

The page is bpmn-js's modeler (bundled by `make install` into app/static/modeler/build) with
a properties panel of our own for what the engine reads. The server stays the judge of
whether a diagram can run: the page's own lint rules only help while drawing.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request
from sqlalchemy.exc import IntegrityError

from app.engine.parsing import BpmnProblems, Problem
from app.extensions import db
from app.models import ProcessModelVersion, User
from app.security import signed_in_user
from app.services import access, deployment, form_store
from app.web.library_pages import process_owner
from app.web.sessions import page_login_required

bp = Blueprint("modeler_pages", __name__)


def _json_owner() -> tuple[User | None, Response | None]:
    """As `process_owner`, but the page's scripts read a JSON refusal, not an HTML page."""
    user = signed_in_user()
    if not access.owns_processes(user):
        response = jsonify(message="Only a process owner may change diagrams.", errors=[])
        response.status_code = 403
        return None, response
    return user, None


def form_files() -> dict[str, list[str]]:
    """The JSON Schema and UI schema files a user task may name: those in forms/ and those
    saved in the browser."""
    return {"schemas": form_store.schema_paths(), "ui_schemas": form_store.ui_schema_paths()}


def _submitted_xml() -> str:
    """The diagram, sent as a form field or (for large diagrams) as a file part."""
    if "xml" in request.files:
        raw = request.files["xml"].read()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return ""  # reported by the parser as not well-formed
    return request.form.get("xml", "")


def _problems(problems: list[Problem]) -> list[dict]:
    return [p.as_dict() for p in problems]


def _page(version: ProcessModelVersion | None, xml: str | None) -> str:
    return render_template(
        "modeler/edit.html", version=version,
        data={"xml": xml, "key": version.key if version else None,
              "version": version.version if version else None,
              "forms": form_files(),
              "validate_url": "/models/validate",
              "deploy_url": f"/models/{version.key}/deploy" if version else "/models/deploy"})


@bp.get("/models/<key>/edit")
@page_login_required
def edit(key: str) -> str:
    """A version of a model (the latest unless ?version=N) open in the modeler."""
    process_owner()
    number = request.args.get("version")
    if number is not None and not number.isdigit():
        abort(404)
    version = deployment.get_version(key, int(number) if number is not None else None)
    if version is None:
        abort(404)
    return _page(version, version.bpmn_xml)


@bp.get("/models/new")
@page_login_required
def new() -> str:
    """A blank diagram, or one uploaded from another modeler, to deploy as a new model."""
    process_owner()
    return _page(None, None)


@bp.post("/models/validate")
@page_login_required
def validate() -> Response:
    """Everything the engine would refuse, each tied to its element where it can be."""
    _, refused = _json_owner()
    if refused:
        return refused
    problems = deployment.validate_xml(_submitted_xml())
    return jsonify(valid=not problems, errors=_problems(problems))


def _deploy(user: User, expected_key: str | None) -> tuple[Response, int]:
    change_note = (request.form.get("change_note") or "").strip()
    if not change_note:
        return jsonify(message="Say what changed before deploying.", errors=[
            {"element_id": None, "line": None, "field": "change_note",
             "message": "Enter a change note saying what changed and why"}]), 422
    try:
        version, created = deployment.deploy_xml(
            _submitted_xml(), user.username, change_note=change_note,
            expected_key=expected_key, only_if_changed=True)
        db.session.commit()
    except BpmnProblems as exc:
        db.session.rollback()
        return jsonify(message="The diagram cannot be deployed", valid=False,
                       errors=_problems(exc.problems)), 422
    except IntegrityError:
        # Another process owner took the same version number a moment earlier.
        db.session.rollback()
        return jsonify(message="Someone deployed this model at the same moment", errors=[
            {"element_id": None, "line": None,
             "message": "Someone else deployed a new version just now: reload the page to "
                        "see it, then make your change again"}]), 409
    if not created:  # a version identical to the latest would only confuse the library
        return jsonify(message="Nothing has changed", errors=[
            {"element_id": None, "line": None,
             "message": f"Nothing has changed since version {version.version}: the diagram "
                        "and the forms it names are as deployed then"}]), 409
    return jsonify(key=version.key, version=version.version, name=version.name,
                   edit_url=f"/models/{version.key}/edit?version={version.version}"), 201


@bp.post("/models/<key>/deploy")
@page_login_required
def deploy(key: str) -> Response | tuple[Response, int]:
    """Deploy the diagram as the next version of `key`; nothing is stored if it is invalid."""
    user, refused = _json_owner()
    if refused:
        return refused
    return _deploy(user, key)


@bp.post("/models/deploy")
@page_login_required
def deploy_new() -> Response | tuple[Response, int]:
    """Deploy a new diagram under its own process id (the next version if that id exists)."""
    user, refused = _json_owner()
    if refused:
        return refused
    return _deploy(user, None)
