"""Email settings: each signed-in person chooses how new work reaches them by email."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.security import signed_in_user
from app.services.notify import FREQUENCIES
from app.web.sessions import page_login_required

bp = Blueprint("email_settings", __name__)


def _page(frequency: str, error: str | None = None, status: int = 200):
    user = signed_in_user()
    errors = {"frequency": error} if error else {}
    return render_template("web/email_settings.html", frequencies=FREQUENCIES,
                           frequency=frequency, errors=errors, email=user.email,
                           hour=current_app.config.get("DIGEST_HOUR", 8)), status


@bp.get("/settings/email")
@page_login_required
def show():
    return _page(signed_in_user().email_frequency)


@bp.post("/settings/email")
@page_login_required
def save():
    choice = request.form.get("frequency", "")
    if choice not in FREQUENCIES:
        return _page(signed_in_user().email_frequency,
                     "Select how often you want emails about new work", 422)
    signed_in_user().email_frequency = choice
    db.session.commit()
    flash("Your email settings have been saved", "success")
    return redirect(url_for("email_settings.show"))
