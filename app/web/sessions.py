"""Browser sign-in state: who is signed in, inactivity timeout, and page guards."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from app.extensions import db
from app.models import User
from app.security import SESSION_KEY, current_user
from app.services import user_sessions

# Endpoints that never look at who is signed in.
UNSIGNED_ENDPOINTS = frozenset({"static", "assets.asset", "assets.bpmn_js", "health.healthz",
                                "health.readyz"})


def sign_in(user: User) -> None:
    """A new server-side session; the cookie carries only its random id (and a new CSRF
    token, made when the next form is shown)."""
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = user_sessions.start(user)
    db.session.commit()
    g.user = user


def sign_out() -> None:
    """End the session on the server, so a copy of the cookie is refused from now on."""
    raw = session.get(SESSION_KEY)
    if isinstance(raw, str):
        user_sessions.end(raw)
    session.clear()
    g.user = None


def check_session() -> None:
    """Resolve the session before the view runs: an ended, idle (SESSION_IDLE_MINUTES) or
    too old (SESSION_LIFETIME_HOURS) session is refused here, and seeing it is recorded,
    before the view changes anything. Static files need no one signed in."""
    if SESSION_KEY in session and request.endpoint not in UNSIGNED_ENDPOINTS:
        current_user()


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
