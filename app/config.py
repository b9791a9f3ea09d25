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
        # The largest request body accepted (413 above it), read before sign-in. The largest
        # legitimate one is a diagram deployed with its forms: ours are under 40 KB, and
        # diagrams from other tools (tests/data/miwg) reach 240 KB.
        "MAX_CONTENT_LENGTH": int(os.environ.get("PANELFLOW_MAX_BODY_BYTES", str(2 * 1024 * 1024))),
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
        # Roles whose steps are offered only within the case's team (app/services/access.py).
        "TEAM_BOUND_ROLES": [r.strip() for r in os.environ.get(
            "PANELFLOW_TEAM_BOUND_ROLES", "social_worker,team_manager").split(",") if r.strip()],
        "SESSION_IDLE_MINUTES": int(os.environ.get("PANELFLOW_SESSION_MINUTES", "30")),
        # The timeout warning shows this long before an idle session ends.
        "SESSION_WARNING_MINUTES": float(os.environ.get("PANELFLOW_SESSION_WARNING_MINUTES",
                                                        "5")),
        # A task page saves its draft this long after a change (and when a field is left).
        "AUTOSAVE_SECONDS": int(os.environ.get("PANELFLOW_AUTOSAVE_SECONDS", "30")),
        # Answers posted after a session ended wait this long for their author to sign in.
        "PENDING_DRAFT_HOURS": float(os.environ.get("PANELFLOW_PENDING_DRAFT_HOURS", "24")),
        # A browser session ends this long after sign-in however busy it is.
        "SESSION_LIFETIME_HOURS": int(os.environ.get("PANELFLOW_SESSION_HOURS", "12")),
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
                             for name in ("new_work", "digest", "reminder", "decision")}
        | {"default": os.environ.get("PANELFLOW_NOTIFY_TEMPLATE")},
        # Outgoing webhooks (services/webhooks.py): the first retry's wait (doubling after),
        # how many attempts before a delivery is given up, each post's timeout, and whether
        # link-local addresses (cloud metadata services live there) may be receivers.
        "WEBHOOK_RETRY_SECONDS": int(os.environ.get("PANELFLOW_WEBHOOK_RETRY_SECONDS", "30")),
        "WEBHOOK_MAX_ATTEMPTS": int(os.environ.get("PANELFLOW_WEBHOOK_MAX_ATTEMPTS", "8")),
        "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("PANELFLOW_WEBHOOK_TIMEOUT", "5")),
        "WEBHOOK_ALLOW_LINK_LOCAL": os.environ.get("PANELFLOW_WEBHOOK_ALLOW_LINK_LOCAL") == "1",
        # Networks no receiver may be in, besides link-local (comma-separated, e.g. 10.9.0.0/16)
        "WEBHOOK_REFUSED_NETWORKS": [n for n in os.environ.get(
            "PANELFLOW_WEBHOOK_REFUSED_NETWORKS", "").split(",") if n.strip()],
        # The hour (London time) the daily digest of new work is sent to those who chose it.
        "DIGEST_HOUR": int(os.environ.get("PANELFLOW_DIGEST_HOUR", "8")),
        "PUBLIC_URL": os.environ.get("PANELFLOW_PUBLIC_URL", "http://127.0.0.1:5000"),
        "REMINDER_LEAD_HOURS": int(os.environ.get("PANELFLOW_REMINDER_HOURS", "24")),
        # /metrics is 404 unless one of these is set: a bearer token a scraper sends, or
        # addresses (or networks, e.g. 10.0.0.0/24) allowed to scrape, comma-separated.
        "METRICS_TOKEN": os.environ.get("PANELFLOW_METRICS_TOKEN") or None,
        "METRICS_ALLOW": [a.strip() for a
                          in os.environ.get("PANELFLOW_METRICS_ALLOW", "").split(",") if a.strip()],
        # Days the council is closed beyond weekends and bank holidays (ISO dates, commas).
        "CLOSURE_DAYS": [d.strip() for d in os.environ.get("PANELFLOW_CLOSURE_DAYS", "").split(",")
                         if d.strip()],
        # Password sign-in (page and POST /api/v1/auth/token); off once single sign-on is the
        # organisation's only way in.
        "PASSWORD_LOGIN": os.environ.get("PANELFLOW_PASSWORD_LOGIN", "1") != "0",
        **_single_sign_on(),
        **_documents(),
    }


def _documents() -> dict:
    """Uploaded documents: the largest file taken, and where files are kept."""
    env = os.environ.get
    return {
        # 10 MB holds a scanned 40-page assessment; larger is nearly always a photo that
        # should be made smaller. A 413 says the limit.
        "DOCUMENT_MAX_BYTES": int(env("PANELFLOW_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024))),
        "DOCUMENT_STORAGE": env("PANELFLOW_DOCUMENT_STORAGE", "local"),  # local | s3
        "DOCUMENT_DIR": env("PANELFLOW_DOCUMENT_DIR", str(ROOT / "instance" / "documents")),
        "S3_BUCKET": env("PANELFLOW_S3_BUCKET", ""),
        "S3_ENDPOINT_URL": env("PANELFLOW_S3_ENDPOINT_URL") or None,  # MinIO and the like
        "S3_REGION": env("PANELFLOW_S3_REGION") or None,
        "S3_PREFIX": env("PANELFLOW_S3_PREFIX", ""),
    }


def _single_sign_on() -> dict:
    """OpenID Connect settings (docs/single-sign-on.md). Off unless an issuer is named."""
    env = os.environ.get
    return {
        "OIDC_ISSUER": env("PANELFLOW_OIDC_ISSUER") or None,
        "OIDC_CLIENT_ID": env("PANELFLOW_OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": env("PANELFLOW_OIDC_CLIENT_SECRET", ""),
        "OIDC_PROVIDER_NAME": env("PANELFLOW_OIDC_PROVIDER_NAME", "your organisation's account"),
        "OIDC_SCOPES": env("PANELFLOW_OIDC_SCOPES", "openid profile email"),
        "OIDC_USERNAME_CLAIM": env("PANELFLOW_OIDC_USERNAME_CLAIM", "preferred_username"),
        "OIDC_GROUPS_CLAIM": env("PANELFLOW_OIDC_GROUPS_CLAIM", "groups"),
        # JSON: {"<group>": {"roles": ["social_worker"], "team": "<team key>"}, ...}
        "OIDC_GROUP_MAP": env("PANELFLOW_OIDC_GROUP_MAP", "{}"),
        # Only when the app cannot work out its own public address (behind a proxy that does
        # not pass it on): the exact callback URL registered with the provider.
        "OIDC_REDIRECT_URI": env("PANELFLOW_OIDC_REDIRECT_URI") or None,
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
