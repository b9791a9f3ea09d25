"""Start a request: the pathways the user's roles may start, and a short start form."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for

from app.extensions import db
from app.models import InstanceStatus, ProcessInstance, TaskStatus
from app.security import signed_in_user
from app.services import access, allocation, deployment, forms, instances, progress
from app.services.errors import Forbidden, Invalid
from app.web import case_pages, form_render
from app.web.display import long_date
from app.web.sessions import page_login_required

bp = Blueprint("start", __name__)


def startable(user) -> list:
    return [v for v in deployment.all_latest() if set(v.start_roles) & user.role_keys]


@bp.get("/start")
@page_login_required
def choose():
    return render_template("web/start.html", models=startable(signed_in_user()))


def _start_form(version) -> tuple[dict, dict]:
    """The questions the diagram's start event asks (its form and layout, as deployed), or
    nothing: CTMP asks whether commissioning must be told at once."""
    name = progress.model_for_version(version).start_form
    if not name:
        return {}, {}
    layout = name.removesuffix(".schema.json") + ".uischema.json"
    return forms.load_form(name, version), forms.load_form(layout, version)


def _open_request(user, key: str, child_ref: str) -> dict | None:
    """An open request of this pathway for this child, as the start page may describe it:
    when it was started, and a link when the person may see the case."""
    found = db.session.scalars(
        db.select(ProcessInstance).where(ProcessInstance.process_key == key,
                                         ProcessInstance.child_ref == child_ref,
                                         ProcessInstance.status.in_(InstanceStatus.OPEN))
        .order_by(ProcessInstance.started_at.desc()).limit(1)).first()
    if found is None:
        return None
    visible = db.session.scalar(db.select(ProcessInstance.id).where(
        ProcessInstance.id == found.id, access.visible_instances(user)))
    link = None
    if visible and case_pages.sees_cases(user):
        link = url_for("case_pages.case", instance_id=found.id)
    elif (found.data or {}).get("initiator") == user.username:
        link = url_for("my_work.index")
    return {"started": long_date(found.started_at), "link": link,
            "mine": (found.data or {}).get("initiator") == user.username}


@bp.route("/start/<key>", methods=["GET", "POST"])
@page_login_required
def start(key: str):
    user = signed_in_user()
    model = next((v for v in startable(user) if v.key == key), None)
    if model is None:
        abort(404)
    values = {"child_ref": request.form.get("child_ref", "").strip(),
              "name": request.form.get("name", "").strip()}
    # The child's social worker: the starter if they are one, unless someone else is chosen.
    workers = allocation.social_workers(user.team)
    default = user.username if allocation.why_not(user, user.team) is None else ""
    allocated = request.form.get("allocated_worker", default) if request.method == "POST" \
        else default
    born = {p: request.form.get(f"date_of_birth-{p}", "").strip()
            for p in ("day", "month", "year")}
    errors = {}
    schema, ui = _start_form(model)
    data: dict = {}
    asked: dict[str, list[str]] = {}  # the start form's own questions' errors, by field path
    if request.method == "POST" and schema:
        data, asked = form_render.parse_submission(schema, ui, request.form)
    if request.method == "POST":
        if any(born.values()):
            try:  # optional: known here, the forms need not ask for it (or the age) again
                values["date_of_birth"] = date(int(born["year"]), int(born["month"]),
                                               int(born["day"])).isoformat()
            except ValueError:
                errors["date_of_birth"] = "Date of birth must be a real date"
            else:
                if values["date_of_birth"] > date.today().isoformat():
                    errors["date_of_birth"] = "Date of birth must be today or in the past"
        if not values["child_ref"]:
            errors["child_ref"] = "Enter the child's reference"
        elif len(values["child_ref"]) > 80:
            errors["child_ref"] = "The child's reference must be 80 characters or fewer"
        if not values["name"]:
            errors["name"] = "Enter the child's name"
        elif len(values["name"]) > 200:
            errors["name"] = "The child's name must be 200 characters or fewer"
        if asked:
            errors.update({form_render.field_id(path): messages[0]
                           for path, messages in asked.items()})
        if not errors and request.form.get("duplicate") != "start":
            duplicate = _open_request(user, key, values["child_ref"])
            if duplicate is not None:
                # A second open request for the same child is usually a mistake: say so first.
                return _form(model, values, born, {}, workers, allocated, duplicate,
                             asked=(schema, ui, data, {}))
        if not errors:
            try:
                instance = instances.start(user, key, values, data, allocated or None)
            except Forbidden:
                abort(403)
            except Invalid as exc:
                db.session.rollback()
                asked = {field.removeprefix("data."): messages
                         for field, messages in (exc.errors or {}).items()
                         if field.startswith("data.")}
                errors = {field: messages[0] for field, messages in (exc.errors or {}).items()
                          if not field.startswith("data.")}
                errors.update({form_render.field_id(path): messages[0]
                               for path, messages in asked.items()})
                return _form(model, values, born, errors, workers, allocated,
                             asked=(schema, ui, data, asked)), 422
            db.session.commit()
            mine = [t for t in instance.tasks
                    if t.status == TaskStatus.READY and t.assignee == user.username]
            if mine:
                return redirect(url_for("task_pages.task", task_id=mine[0].id, started=1))
            return redirect(url_for("inbox.inbox"))
    return _form(model, values, born, errors, workers, allocated,
                 asked=(schema, ui, data, asked)), (422 if errors else 200)


def _form(model, values: dict, born: dict, errors: dict, workers: list, allocated: str,
          duplicate: dict | None = None,
          asked: tuple[dict, dict, dict, dict] | None = None) -> str:
    schema, ui, data, asked_errors = asked or ({}, {}, {}, {})
    return render_template("web/start_form.html", model=model, values=values, born=born,
                           errors=errors, duplicate=duplicate, workers=workers,
                           allocated=allocated,
                           questions=form_render.render_form(schema, ui, data, asked_errors)
                           if schema.get("properties") else None)
