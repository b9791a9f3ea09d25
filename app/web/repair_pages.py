"""Case repair on the case page (managers and process owners): send back to an earlier step,
skip a step that cannot be done, correct a recorded answer. Each form leads to a
confirmation page saying what will happen; only confirming changes the case."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.models import InstanceStatus, ProcessInstance, TaskStatus, User
from app.security import signed_in_user
from app.services import access, forms, instances, repair
from app.services.errors import NotFound, ServiceError
from app.web.sessions import page_login_required

bp = Blueprint("repair_pages", __name__)
CASE_ROLES = access.ASSIGNER_ROLES | access.OVERSIGHT_ROLES | access.PANEL_ROLES


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(no answer)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def answers(instance: ProcessInstance) -> list[dict]:
    """Each answer of each step's last round, to choose one to correct."""
    found = []
    for row in repair.done_steps(instance):
        properties = forms.task_form(row).get("properties") or {}
        for field, spec in properties.items():
            if spec.get("readOnly"):
                continue
            found.append({"value": f"{row.id}:{field}", "task": row, "field": field,
                          "label": spec.get("title") or field,
                          "now": _shown((row.submitted_data or {}).get(field))})
    return found


def context(user: User, instance: ProcessInstance) -> dict | None:
    """What the case page's "Repair this case" section offers, or None."""
    if not access.can_repair(user) or instance.status not in InstanceStatus.OPEN:
        return None
    return {"done": repair.done_steps(instance), "answers": answers(instance),
            "ready": [t for t in instance.tasks if t.status == TaskStatus.READY]}


def _repairer(instance_id: str) -> tuple[User, ProcessInstance]:
    user = signed_in_user()
    if not user.role_keys & CASE_ROLES:
        abort(403)
    try:
        instance = instances.get_visible(user, instance_id)
    except NotFound:
        abort(404)
    if not access.can_repair(user):
        abort(403)
    return user, instance


def _back(instance_id: str, message: str, category: str = "error"):
    flash(message, category)
    return redirect(url_for("case_pages.case", instance_id=instance_id) + "#repair")


def _typed(task, field: str, text: str) -> Any:
    """The answer typed on the page, as the form's field type."""
    kind = ((forms.task_form(task).get("properties") or {}).get(field) or {}).get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text  # the form's validation says what is wrong with it
    if kind == "boolean":
        return text.strip().lower() in ("yes", "true", "1")
    if kind == "array":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _confirm_or_do(instance: ProcessInstance, action: str, summary: list[tuple[str, str]],
                   run, done: str):
    if request.form.get("confirmed") != "1":
        return render_template("web/repair_confirm.html", instance=instance, action=action,
                               summary=summary, fields=request.form)
    try:
        run()
    except ServiceError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            abort(exc.status)
        return _back(instance.id, exc.message)
    db.session.commit()
    return _back(instance.id, done, "success")


@bp.post("/cases/<instance_id>/send-back")
@page_login_required
def send_back(instance_id: str):
    user, instance = _repairer(instance_id)
    name, reason = request.form.get("task_name", ""), (request.form.get("reason") or "").strip()
    step = next((t for t in repair.done_steps(instance) if t.name == name), None)
    if step is None or not reason:
        return _back(instance_id, "Choose the step to send the case back to, and say why.")
    later = [t.title for t in instance.tasks if t.status == TaskStatus.READY]
    summary = [("Send back to", step.title), ("Its last answers", "Kept as a draft"),
               ("Withdrawn", ", ".join(later) or "Nothing open now; waiting dates are cleared"),
               ("Reason", reason)]
    return _confirm_or_do(instance, "send-back", summary,
                          lambda: repair.send_back(user, instance_id, name, reason),
                          f"The case is back at “{step.title}”, with its last answers as a draft.")


@bp.post("/cases/<instance_id>/skip")
@page_login_required
def skip(instance_id: str):
    user, instance = _repairer(instance_id)
    task_id, reason = request.form.get("task_id", ""), (request.form.get("reason") or "").strip()
    step = next((t for t in instance.tasks if t.id == task_id
                 and t.status == TaskStatus.READY), None)
    if step is None or not reason:
        return _back(instance_id, "Choose the step to skip, and say why it cannot be done.")
    summary = [("Skip", step.title), ("Answers", "None: the case moves on without them"),
               ("Reason", reason)]
    return _confirm_or_do(instance, "skip", summary,
                          lambda: repair.skip(user, instance_id, task_id, reason),
                          f"“{step.title}” was skipped and the case has moved on.")


@bp.post("/cases/<instance_id>/correct")
@page_login_required
def correct(instance_id: str):
    user, instance = _repairer(instance_id)
    chosen = next((a for a in answers(instance)
                   if a["value"] == request.form.get("answer")), None)
    reason = (request.form.get("reason") or "").strip()
    text = request.form.get("value", "")
    if chosen is None or not reason:
        return _back(instance_id, "Choose the answer to correct, and say why.")
    value = _typed(chosen["task"], chosen["field"], text)
    summary = [("Step", chosen["task"].title), ("Question", chosen["label"]),
               ("Recorded answer", chosen["now"]), ("Corrected answer", _shown(value)),
               ("Reason", reason)]
    return _confirm_or_do(
        instance, "correct", summary,
        lambda: repair.correct(user, instance_id, chosen["task"].id, chosen["field"], value,
                               reason),
        f"“{chosen['label']}” of “{chosen['task'].title}” now reads {_shown(value)}. "
        "The old answer is kept in the history.")
