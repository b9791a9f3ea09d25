"""Who is calling: a bearer token (API clients) or the session cookie (browser pages)."""
from __future__ import annotations

from functools import wraps

from flask import g, request, session

from app.models import User
from app.services import auth, user_sessions
from app.services.errors import Unauthorised

SESSION_KEY = "sid"


def _session_user() -> User | None:
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, str):
        return None
    user, reason = user_sessions.resolve(raw)
    if user is None:
        session.clear()
        if reason in ("idle", "lifetime"):
            session["expired"] = reason  # so the sign-in page can say why
    return user


def _load_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return auth.user_for_token(header[len("Bearer "):].strip())
    if header:
        return None
    return _session_user()


def current_user() -> User | None:
    if "user" not in g:
        g.user = _load_user()
    return g.user


def signed_in_user() -> User:
    user = current_user()
    if user is None:
        raise Unauthorised("Sign in first: send Authorization: Bearer <token>")
    return user


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        signed_in_user()
        return view(*args, **kwargs)

    return wrapper
