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
        # Diagram code runs in evaluator processes (app/engine/evaluator.py): the wall-clock
        # seconds one evaluation may take before its process is killed, and its memory; the
        # seconds one engine run (a step, a start, a case's timers) may take in all; the most
        # instances a multi-instance task may have; idle evaluators kept per app process.
        "SANDBOX_TIMEOUT_SECONDS": float(os.environ.get("PANELFLOW_SANDBOX_TIMEOUT", "5")),
        "SANDBOX_MEMORY_MB": int(os.environ.get("PANELFLOW_SANDBOX_MEMORY_MB", "512")),
        "SANDBOX_POOL_SIZE": int(os.environ.get("PANELFLOW_SANDBOX_POOL", "2")),
        "ENGINE_STEP_SECONDS": float(os.environ.get("PANELFLOW_STEP_SECONDS", "30")),
        "MAX_MULTI_INSTANCES": int(os.environ.get("PANELFLOW_MAX_MULTI_INSTANCES", "100")),
        # What a diagram may carry: pieces of code (scripts, conditions, timers, dueDate,
        # assignTo, cardinalities), the characters of one, and of all together.
        "MAX_DIAGRAM_CODE_ITEMS": int(os.environ.get("PANELFLOW_MAX_CODE_ITEMS", "500")),
        "MAX_SCRIPT_CHARS": int(os.environ.get("PANELFLOW_MAX_SCRIPT_CHARS", "20000")),
        "MAX_DIAGRAM_CODE_CHARS": int(os.environ.get("PANELFLOW_MAX_CODE_CHARS", "200000")),
        "SESSION_IDLE_MINUTES": int(os.environ.get("PANELFLOW_SESSION_MINUTES", "30")),
        # Celery (only when scaled out; see app/worker.py).
        "CELERY_BROKER_URL": os.environ.get("PANELFLOW_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CELERY_QUEUE": os.environ.get("PANELFLOW_CELERY_QUEUE", "panelflow"),
        # Reminder and escalation emails; none are sent unless a server is named.
        "MAIL_SERVER": os.environ.get("PANELFLOW_MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("PANELFLOW_MAIL_PORT", "25")),
        "MAIL_FROM": os.environ.get("PANELFLOW_MAIL_FROM", "panelflow@localhost"),
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
