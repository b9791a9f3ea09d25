"""Fires due timers on a schedule inside the app process (the single-machine default).

Scaled out, run `flask scheduler` as its own process instead. Several schedulers at once are
safe: each instance is locked while its timers fire, and re-checked once locked.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask

from app.services.timers import run_due

log = logging.getLogger(__name__)


def run_once(app: Flask) -> list[dict]:
    with app.app_context():
        try:
            return run_due()
        except Exception:  # keep the loop alive; the next tick retries
            log.exception("Scheduled timer run failed")
            return []


def run_forever(app: Flask, stop: threading.Event) -> None:
    interval = app.config["SCHEDULER_INTERVAL_SECONDS"]
    while not stop.is_set():
        for item in run_once(app):
            log.info("timer fired: %s", item)
        stop.wait(interval)


def start_in_background(app: Flask) -> threading.Event:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop), name="panelflow-scheduler",
                              daemon=True)
    thread.start()
    return stop
