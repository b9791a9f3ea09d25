"""Who is calling: a bearer token (API clients) or the session cookie (browser pages).

The API rule (finding 9 of issue 15): under /api/, a call that changes something (any method
but GET, HEAD and OPTIONS) is authenticated by `Authorization: Bearer` only. The session
cookie is ignored there, and a call that brings only the cookie is refused with 403, so a page
on another site cannot make a signed-in browser change anything through the API, whatever
content type it sends. No page of ours calls the API with the cookie to change anything: the
modeler and the form editor post to their own pages (/models/..., /library/...), which check
the form CSRF token. Reading (GET) with the cookie stays allowed: another site cannot read the
answer, and it changes nothing.
"""
from __future__ import annotations

from functools import wraps

from flask import g, request, session

from app.models import User
from app.services import auth, user_sessions
from app.services.errors import Forbidden, Unauthorised

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_KEY = "sid"


def cookie_refused() -> bool:
    """The cookie does not authenticate this request: a change made through the API."""
    return request.path.startswith("/api/") and request.method not in SAFE_METHODS


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
    if header or cookie_refused():
        return None
    return _session_user()


def current_user() -> User | None:
    if "user" not in g:
        g.user = _load_user()
    return g.user


def signed_in_user() -> User:
    user = current_user()
    if user is None:
        if cookie_refused() and SESSION_KEY in session:
            raise Forbidden("The API changes nothing for a browser session: send "
                            "Authorization: Bearer <token> from POST /api/v1/auth/token")
        raise Unauthorised("Sign in first: send Authorization: Bearer <token>")
    return user


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        signed_in_user()
        return view(*args, **kwargs)

    return wrapper
