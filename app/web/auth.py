"""Sign in and sign out pages, with a limit on repeated failures (services/sign_in_limit.py)."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from app import logs
from app.extensions import db
from app.security import current_user
from app.services import auth, sign_in_limit
from app.web import sso
from app.web.sessions import safe_next, sign_in, sign_out

bp = Blueprint("account", __name__)
# The per-process count (tests clear it by key); the app's own may be Redis: see limiter().
LIMITER = sign_in_limit.MEMORY


def _login_page(**context) -> str:
    """The sign-in page: a button for the identity provider when single sign-on is set up,
    the password form unless PANELFLOW_PASSWORD_LOGIN=0."""
    return render_template(
        "web/login.html", sso_provider=sso.provider_name() if sso.enabled() else None,
        password_login=current_app.config["PASSWORD_LOGIN"], **context)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user() is not None:
            return redirect(safe_next(request.args.get("next")))
        return _login_page(next=request.args.get("next", ""),
                           expired=session.pop("expired", False))
    if not current_app.config["PASSWORD_LOGIN"]:
        errors = {"sso": f"Sign in with {sso.provider_name()}: Panelflow passwords are "
                         "turned off"}
        return _login_page(errors=errors, next=request.form.get("next", "")), 403
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    target = request.form.get("next", "")
    errors = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 - a message, not a secret
    keys = (f"user:{username.lower()}", f"addr:{request.remote_addr}")
    limiter = sign_in_limit.limiter()
    wait = limiter.retry_after(*keys)
    if wait:
        minutes = max(1, round(wait / 60))
        errors = {"username": f"Too many failed attempts. Try again in {minutes} minutes"}
        return _login_page(errors=errors, username=username, next=target), 429
    if not errors:
        user = auth.authenticate(username, password)
        if user is not None:
            limiter.clear(*keys)
            sign_in(user)
            logs.event(current_app.logger, logging.INFO, "signed_in", user_id=user.id)
            return redirect(safe_next(target))
        limiter.fail(*keys)
        errors["username"] = "Enter a correct username and password"
    db.session.rollback()
    return _login_page(errors=errors, username=username, next=target), 401


@bp.post("/logout")
def logout():
    sign_out()
    return redirect(url_for("account.login", signed_out=1))
