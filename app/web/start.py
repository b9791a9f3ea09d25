"""Start a request: the pathways the user's roles may start, and a short start form."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for

from app.extensions import db
from app.models import TaskStatus
from app.security import signed_in_user
from app.services import deployment, instances
from app.services.errors import Forbidden
from app.web.sessions import page_login_required

bp = Blueprint("start", __name__)


def startable(user) -> list:
    return [v for v in deployment.all_latest() if set(v.start_roles) & user.role_keys]


@bp.get("/start")
@page_login_required
def choose():
    return render_template("web/start.html", models=startable(signed_in_user()))


@bp.route("/start/<key>", methods=["GET", "POST"])
@page_login_required
def start(key: str):
    user = signed_in_user()
    model = next((v for v in startable(user) if v.key == key), None)
    if model is None:
        abort(404)
    values = {"child_ref": request.form.get("child_ref", "").strip(),
              "name": request.form.get("name", "").strip()}
    born = {p: request.form.get(f"date_of_birth-{p}", "").strip()
            for p in ("day", "month", "year")}
    errors = {}
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
        if not errors:
            try:
                instance = instances.start(user, key, values, {})
            except Forbidden:
                abort(403)
            db.session.commit()
            mine = [t for t in instance.tasks
                    if t.status == TaskStatus.READY and t.assignee == user.username]
            if mine:
                return redirect(url_for("task_pages.task", task_id=mine[0].id, started=1))
            return redirect(url_for("inbox.inbox"))
    return render_template("web/start_form.html", model=model, values=values, born=born,
                           errors=errors), (422 if errors else 200)
