"""Sign in and sign out pages, with a limit on repeated failures."""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from app import logs
from app.extensions import db
from app.security import current_user
from app.services import auth
from app.web.sessions import safe_next, sign_in, sign_out

bp = Blueprint("account", __name__)


class FailureLimiter:
    """At most `limit` failed sign-ins per username and per address in `window` seconds.

    Kept in the process: enough for one server; several workers each count their own.
    """

    def __init__(self, limit: int = 5, window: float = 900):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed (0 if allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = [int(self.window - (now - t[0])) + 1 for k in keys
                     if len(t := self._recent(k, now)) >= self.limit]
        return max(waits, default=0)

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def clear(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


LIMITER = FailureLimiter()


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user() is not None:
            return redirect(safe_next(request.args.get("next")))
        return render_template("web/login.html", next=request.args.get("next", ""),
                               expired=session.pop("expired", False))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    target = request.form.get("next", "")
    errors = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 - a message, not a secret
    keys = (f"user:{username.lower()}", f"addr:{request.remote_addr}")
    wait = LIMITER.retry_after(*keys)
    if wait:
        minutes = max(1, round(wait / 60))
        errors = {"username": f"Too many failed attempts. Try again in {minutes} minutes"}
        return render_template("web/login.html", errors=errors, username=username,
                               next=target), 429
    if not errors:
        user = auth.authenticate(username, password)
        if user is not None:
            LIMITER.clear(*keys)
            sign_in(user)
            logs.event(current_app.logger, logging.INFO, "signed_in", user_id=user.id)
            return redirect(safe_next(target))
        LIMITER.fail(*keys)
        errors["username"] = "Enter a correct username and password"
    db.session.rollback()
    return render_template("web/login.html", errors=errors, username=username, next=target), 401


@bp.post("/logout")
def logout():
    sign_out()
    return redirect(url_for("account.login", signed_out=1))
