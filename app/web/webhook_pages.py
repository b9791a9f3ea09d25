"""The administrator's pages for connections to case systems (issue 20, part 4): list, add,
change and delete outgoing webhooks (deleting after a confirmation page), and each one's
delivery log. The same rules and checks as the API (app/services/webhooks.py); every change
is in the audit trail."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app import audit
from app.extensions import db
from app.models import PersonalData, User, WebhookEvent
from app.security import signed_in_user
from app.services import access, webhooks
from app.services.errors import Invalid, NotFound
from app.web.sessions import page_login_required

bp = Blueprint("webhook_pages", __name__)
EVENT_NAMES = {WebhookEvent.CASE_STARTED: "A case starts",
               WebhookEvent.STEP_DONE: "A step is done",
               WebhookEvent.DECISION_RECORDED: "A panel's decision is recorded",
               WebhookEvent.CASE_ENDED: "A case ends (completed or ended early)"}
DATA_NAMES = {PersonalData.IDS: "Ids only: the case's id, pathway, step and outcome",
              PersonalData.REFERENCE: "Also the child's reference and a decision's "
                                      "conditions"}


def webhook_menu(user: User) -> list[tuple[str, str]]:
    return [("webhook_pages.index", "Webhooks")] if access.can_manage_webhooks(user) else []


def _admin() -> User:
    user = signed_in_user()
    if not access.can_manage_webhooks(user):
        abort(403)
    return user


def _subscription(subscription_id: int):
    try:
        return webhooks.get(subscription_id)
    except NotFound:
        abort(404)


def _values() -> dict:
    return {"name": request.form.get("name", "").strip(),
            "url": request.form.get("url", "").strip(),
            "events": request.form.getlist("events"),
            "personal_data": request.form.get("personal_data") or PersonalData.IDS,
            "active": request.form.get("active", "yes") == "yes"}


def _form(template: str, values: dict, errors: dict, **more):
    return render_template(template, values=values, errors=errors, event_names=EVENT_NAMES,
                           data_names=DATA_NAMES, **more), (422 if errors else 200)


@bp.get("/admin/webhooks")
@page_login_required
def index():
    _admin()
    last = {}
    for subscription in webhooks.all_subscriptions():
        log = webhooks.deliveries(subscription.id, limit=1)
        last[subscription.id] = log[0] if log else None
    return render_template("webhooks/index.html", subscriptions=webhooks.all_subscriptions(),
                           last=last, event_names=EVENT_NAMES)


@bp.route("/admin/webhooks/new", methods=["GET", "POST"])
@page_login_required
def new():
    actor = _admin()
    values = {"name": "", "url": "", "events": [], "personal_data": PersonalData.IDS,
              "active": True}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _values()
        try:
            subscription = webhooks.create(actor, values)
        except Invalid as exc:
            errors = exc.errors or {}
            db.session.rollback()
        else:
            audit.note("webhook", str(subscription.id), None, detail={"created": values})
            db.session.commit()
            # The secret is shown this once: the receiver needs it to check signatures.
            return render_template("webhooks/created.html", subscription=subscription)
    return _form("webhooks/form.html", values, errors, subscription=None)


@bp.get("/admin/webhooks/<int:subscription_id>")
@page_login_required
def show(subscription_id: int):
    _admin()
    subscription = _subscription(subscription_id)
    return render_template("webhooks/show.html", subscription=subscription,
                           log=webhooks.deliveries(subscription_id), event_names=EVENT_NAMES,
                           data_names=DATA_NAMES)


@bp.route("/admin/webhooks/<int:subscription_id>/change", methods=["GET", "POST"])
@page_login_required
def change(subscription_id: int):
    _admin()
    subscription = _subscription(subscription_id)
    values = {"name": subscription.name, "url": subscription.url,
              "events": list(subscription.events), "personal_data": subscription.personal_data,
              "active": subscription.active}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _values()
        try:
            webhooks.update(subscription_id, values)
        except Invalid as exc:
            errors = exc.errors or {}
            db.session.rollback()
        else:
            audit.note("webhook", str(subscription_id), None, detail={"changed": values})
            db.session.commit()
            flash(f"{values['name']} has been changed", "success")
            return redirect(url_for("webhook_pages.show", subscription_id=subscription_id))
    return _form("webhooks/form.html", values, errors, subscription=subscription)


@bp.route("/admin/webhooks/<int:subscription_id>/delete", methods=["GET", "POST"])
@page_login_required
def delete(subscription_id: int):
    _admin()
    subscription = _subscription(subscription_id)
    if request.method == "POST":
        name = subscription.name
        webhooks.delete(subscription_id)
        audit.note("webhook", str(subscription_id), None, detail={"deleted": name})
        db.session.commit()
        flash(f"{name} has been deleted: it is sent nothing more", "success")
        return redirect(url_for("webhook_pages.index"))
    return render_template("webhooks/delete.html", subscription=subscription)
