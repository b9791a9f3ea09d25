"""Configuration read from the environment.

`create_app` takes an optional mapping that overrides anything here, which is how tests
point the app at a throwaway database.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _default_database_url() -> str:
    instance = ROOT / "instance"
    instance.mkdir(exist_ok=True)
    return f"sqlite:///{instance / 'panelflow.db'}"


def from_environment() -> dict:
    """Settings from environment variables, with development defaults."""
    env = os.environ.get("PANELFLOW_ENV", "development")
    return {
        "PANELFLOW_ENV": env,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or _default_database_url(),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "PROCESSES_DIR": os.environ.get("PANELFLOW_PROCESSES_DIR", str(ROOT / "processes")),
        "FORMS_DIR": os.environ.get("PANELFLOW_FORMS_DIR", str(ROOT / "forms")),
        "LETTERS_DIR": os.environ.get("PANELFLOW_LETTERS_DIR", str(ROOT / "letters")),
        "COUNCIL_NAME": os.environ.get("PANELFLOW_COUNCIL_NAME", "Children's Services"),
        "TOKEN_TTL_HOURS": int(os.environ.get("PANELFLOW_TOKEN_TTL_HOURS", "12")),
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "demo"),
        "DEPLOY_ON_START": os.environ.get("PANELFLOW_DEPLOY_ON_START", "1") == "1",
        "SCHEDULER_INTERVAL_SECONDS": int(os.environ.get("PANELFLOW_SCHEDULER_INTERVAL", "60")),
        "RUN_SCHEDULER": os.environ.get("PANELFLOW_RUN_SCHEDULER", "0") == "1",
        "SESSION_IDLE_MINUTES": int(os.environ.get("PANELFLOW_SESSION_MINUTES", "30")),
        # The timeout warning shows this long before an idle session ends.
        "SESSION_WARNING_MINUTES": float(os.environ.get("PANELFLOW_SESSION_WARNING_MINUTES",
                                                        "5")),
        # A task page saves its draft this long after a change (and when a field is left).
        "AUTOSAVE_SECONDS": int(os.environ.get("PANELFLOW_AUTOSAVE_SECONDS", "30")),
        # Answers posted after a session ended wait this long for their author to sign in.
        "PENDING_DRAFT_HOURS": float(os.environ.get("PANELFLOW_PENDING_DRAFT_HOURS", "24")),
        # Celery (only when scaled out; see app/worker.py).
        "CELERY_BROKER_URL": os.environ.get("PANELFLOW_REDIS_URL", "redis://127.0.0.1:6379/0"),
        # Set, it also keeps the failed sign-in count shared by every worker (sign_in_limit).
        "REDIS_URL": os.environ.get("PANELFLOW_REDIS_URL") or None,
        "REDIS_PREFIX": os.environ.get("PANELFLOW_REDIS_PREFIX", "panelflow:"),
        "SIGN_IN_FAILURE_LIMIT": int(os.environ.get("PANELFLOW_SIGN_IN_FAILURES", "5")),
        "SIGN_IN_FAILURE_WINDOW_SECONDS": int(os.environ.get("PANELFLOW_SIGN_IN_WINDOW", "900")),
        "CELERY_QUEUE": os.environ.get("PANELFLOW_CELERY_QUEUE", "panelflow"),
        # Reminder and escalation emails; none are sent unless a server is named.
        "MAIL_SERVER": os.environ.get("PANELFLOW_MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("PANELFLOW_MAIL_PORT", "25")),
        "MAIL_FROM": os.environ.get("PANELFLOW_MAIL_FROM", "panelflow@localhost"),
        # GOV.UK Notify instead of SMTP when a key is set (services/notify.py). A template per
        # kind of email, else the default one, which shows ((subject)) and ((body)).
        "NOTIFY_API_KEY": os.environ.get("PANELFLOW_NOTIFY_API_KEY") or None,
        "NOTIFY_BASE_URL": os.environ.get("PANELFLOW_NOTIFY_BASE_URL",
                                          "https://api.notifications.service.gov.uk"),
        "NOTIFY_TEMPLATES": {name: os.environ.get(f"PANELFLOW_NOTIFY_TEMPLATE_{name.upper()}")
                             for name in ("new_work", "digest", "reminder")}
        | {"default": os.environ.get("PANELFLOW_NOTIFY_TEMPLATE")},
        # The hour (London time) the daily digest of new work is sent to those who chose it.
        "DIGEST_HOUR": int(os.environ.get("PANELFLOW_DIGEST_HOUR", "8")),
        "PUBLIC_URL": os.environ.get("PANELFLOW_PUBLIC_URL", "http://127.0.0.1:5000"),
        "REMINDER_LEAD_HOURS": int(os.environ.get("PANELFLOW_REMINDER_HOURS", "24")),
        # Days the council is closed beyond weekends and bank holidays (ISO dates, commas).
        "CLOSURE_DAYS": [d.strip() for d in os.environ.get("PANELFLOW_CLOSURE_DAYS", "").split(",")
                         if d.strip()],
    }


# Fixed settings that are not meant to be changed per deployment.
STATIC_SETTINGS = {
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "API_TITLE": "Panelflow API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "v1/openapi.json",
    "JSON_SORT_KEYS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
}
