"""Fires due timers on a schedule inside the app process (the single-machine default).

Scaled out, run `flask scheduler` as its own process instead. Several schedulers at once are
safe: each instance is locked while its timers fire, and re-checked once locked.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask

from app import logs
from app.services.timers import run_due

log = logging.getLogger(__name__)


def run_once(app: Flask) -> list[dict]:
    """One pass, logged as one JSON line (app/logs.py) with what fired and what failed."""
    with app.app_context():
        try:
            with logs.job("scheduler.run_due") as outcome:
                fired = run_due()
                outcome.update(fired=len(fired), failed=sum("error" in item for item in fired))
            return fired
        except Exception:  # logged by logs.job; keep the loop alive, the next tick retries
            return []


def run_forever(app: Flask, stop: threading.Event) -> None:
    interval = app.config["SCHEDULER_INTERVAL_SECONDS"]
    while not stop.is_set():
        for item in run_once(app):  # ids and outcomes only: an error's text may quote data
            logs.event(log, logging.INFO, "timer_fired", instance_id=item["instance_id"],
                       outcome="error" if "error" in item else item["status"])
        stop.wait(interval)


def start_in_background(app: Flask) -> threading.Event:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop), name="panelflow-scheduler",
                              daemon=True)
    thread.start()
    return stop
