"""Who is calling: a bearer token (API clients) or the session cookie (browser pages)."""
from __future__ import annotations

from functools import wraps

from flask import g, request, session

from app.extensions import db
from app.models import User
from app.services import auth
from app.services.errors import Unauthorised


def _load_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return auth.user_for_token(header[len("Bearer "):].strip())
    if header:
        return None
    user_id = session.get("user_id")
    if user_id is not None:
        user = db.session.get(User, user_id)
        return user if user is not None and user.active else None
    return None


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
