"""Browser sign-in state: who is signed in, inactivity timeout, and page guards."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for

from app.models import User, utcnow
from app.security import current_user


def sign_in(user: User) -> None:
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["seen"] = utcnow().timestamp()


def sign_out() -> None:
    session.clear()


def expire_idle_sessions() -> None:
    """Sessions end after PANELFLOW_SESSION_MINUTES without a request (checked on the
    server: a copied cookie is useless after that, whatever its own expiry says)."""
    if "user_id" not in session:
        return
    limit = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]).total_seconds()
    now = utcnow().timestamp()
    if now - session.get("seen", 0) > limit:
        session.clear()
        session["expired"] = True  # so the sign-in page can say why
        g.pop("user", None)
        return
    session["seen"] = now


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("inbox.inbox")
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper
