"""The timeout warning: a dialog some minutes before an idle session ends, with "Stay signed
in" calling the small endpoint here (any request counts as activity, so it only has to be
one). The times come from SESSION_IDLE_MINUTES and SESSION_WARNING_MINUTES."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, url_for

from app.security import current_user

bp = Blueprint("session_timeout", __name__)


def timeout_settings() -> dict:
    """Seconds until an idle session ends, and before that when to warn (for the layout)."""
    timeout = float(current_app.config["SESSION_IDLE_MINUTES"]) * 60
    warning = min(float(current_app.config.get("SESSION_WARNING_MINUTES", 5)) * 60,
                  timeout * 0.8)
    return {"timeout": _seconds(timeout), "warning": _seconds(warning)}


def _seconds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 3)


@bp.post("/session/keepalive")
def keepalive():
    """Stay signed in: 204 while the session lasts (this request renewed it), else 401."""
    if current_user() is None:
        return jsonify(signed_out=True, sign_in=url_for("account.login")), 401
    return "", 204
