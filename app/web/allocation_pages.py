"""Changing the child's allocated social worker from the case page (managers of the case's
team or service): a confirmation page says what will move; only confirming changes it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.models import InstanceStatus, ProcessInstance
from app.security import signed_in_user
from app.services import allocation, instances
from app.services.errors import NotFound, ServiceError
from app.web.sessions import page_login_required

bp = Blueprint("allocation_pages", __name__)


def context(user, instance: ProcessInstance) -> dict:
    """What the case page shows: the worker's name, and whom a manager may allocate."""
    may = (allocation.may_change(user, instance)
           and instance.status not in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED))
    return {"allocated_name": allocation.name_of(instance.allocated_worker),
            "allocate_to": [u for u in allocation.candidates(instance)
                            if u.username != instance.allocated_worker] if may else []}


@bp.post("/cases/<instance_id>/allocated-worker")
@page_login_required
def change(instance_id: str):
    user = signed_in_user()
    username = request.form.get("allocated_worker") or ""
    back = url_for("case_pages.case", instance_id=instance_id)
    if request.form.get("confirmed") != "1":
        try:
            instance = instances.get_visible(user, instance_id)
        except NotFound:
            abort(404)
        if not allocation.may_change(user, instance):
            abort(403)
        if problem := allocation.why_not(allocation.person(username), instance.team):
            flash(problem, "error")
            return redirect(back)
        name = allocation.name_of(username) or "nobody"
        now = allocation.name_of(instance.allocated_worker)
        return render_template(
            "web/confirm.html", heading=f"Allocate this case to {name}?",
            explain=[f"The child's social worker is now {now or 'not allocated'}. {name} "
                     "will be, and the open steps the pathway gives to the child's social "
                     "worker will move to their inbox. The case's history will say you "
                     "changed it."],
            button=f"Yes, allocate to {name}", fields={"allocated_worker": username},
            warning=False, action=request.path, back=back,
            caption=f"{(instance.subject or {}).get('name', '')} "
                    f"{instance.child_ref or ''}".strip())
    try:
        instance = instances.change_allocated_worker(user, instance_id, username)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            abort(exc.status)
        messages = [m for ms in (exc.errors or {}).values() for m in ms] or [exc.message]
        flash(" ".join(messages), "error")
        return redirect(back)
    db.session.commit()
    flash(f"The case is allocated to {allocation.name_of(instance.allocated_worker)}.",
          "success")
    return redirect(back)
