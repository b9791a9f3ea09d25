"""gunicorn settings for Panelflow's web process: `gunicorn -c gunicorn.conf.py wsgi:app`.

Command-line options (`--bind`, `--workers`) override these. See docs/production.md.
"""
from __future__ import annotations

import os

bind = os.environ.get("PANELFLOW_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PANELFLOW_WEB_WORKERS", "2"))
timeout = 60
# The app writes one JSON line per request (app/logs.py); gunicorn's own access line would
# carry the raw URL with its ids and query.
accesslog = None
errorlog = "-"


def on_starting(server) -> None:
    """Before any worker starts: refuse a weak or broken configuration (app/checks.py), and
    make the metrics directory the workers share (prometheus_client's multiprocess mode)."""
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir:
        os.makedirs(metrics_dir, exist_ok=True)
    from app import create_app  # noqa: PLC0415 - after the environment is read
    from app.checks import refuse_unless_sound  # noqa: PLC0415

    refuse_unless_sound(create_app({"DEPLOY_ON_START": False, "RUN_SCHEDULER": False}))


def child_exit(server, worker) -> None:
    """A worker's live figures leave with it (its counters stay, summed into the totals)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # noqa: PLC0415

        multiprocess.mark_process_dead(worker.pid)
