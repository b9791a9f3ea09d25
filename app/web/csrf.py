"""CSRF protection for browser forms: a per-session token in every form, checked on POST.

API calls authenticate with bearer tokens, which a browser never sends by itself, so they
need no CSRF token: under /api/ the session cookie authenticates no change at all (POST, PUT,
PATCH, DELETE take a bearer token only; see app/security.py).
"""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session


def csrf_token() -> str:
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_urlsafe(32)
    return session["csrf_token"]


def _check() -> None:
    if request.method != "POST" or request.path.startswith("/api/"):
        return
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf_token", "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, "This form has expired. Go back, reload the page and try again.")


def init_app(app: Flask) -> None:
    app.before_request(_check)
    app.jinja_env.globals["csrf_token"] = csrf_token
