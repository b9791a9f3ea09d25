"""Prometheus figures at GET /metrics (prometheus_client). A dashboard is the council's.

Off unless configured, and then not public: with neither PANELFLOW_METRICS_TOKEN nor
PANELFLOW_METRICS_ALLOW set, /metrics is 404; with either, a scrape must bring
`Authorization: Bearer <token>` or come from an allowed address (the direct peer: behind a
proxy, that is the proxy, so use the token there).

Two kinds of figure:
- counted as things happen (request latency by route template, task completions, steps
  failed, timers fired), each counted only once its transaction commits, so a step rolled back
  counts nothing;
- read from the database at scrape time with a few COUNT queries (open and overdue tasks by
  pathway, timers due, scheduler lag), so every web worker answers the same and a dead
  scheduler shows as a growing lag whichever process should have fired the timers.

Under gunicorn each worker is its own process: with PROMETHEUS_MULTIPROC_DIR set (the same
directory for the web, Celery worker and beat on one machine) prometheus_client keeps the
counts in files there and a scrape sums them all (gunicorn.conf.py marks exited workers).
Nothing about a child is a label: pathways, routes and outcomes only.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event, func
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus, utcnow
from app.models.processes import ProcessModelVersion

bp = Blueprint("metrics", __name__)
PENDING = "panelflow_metrics_pending"

REQUEST_SECONDS = Histogram(
    "panelflow_http_request_duration_seconds", "Time to answer a request, by route template",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REQUESTS = Counter("panelflow_http_requests_total", "Requests answered, by route and status",
                   ["method", "route", "status"])
TASKS_COMPLETED = Counter("panelflow_task_completions_total",
                          "User tasks completed, by pathway", ["pathway"])
STEPS_FAILED = Counter("panelflow_steps_failed_total",
                       "Steps the engine failed on (the case stopped in error), by pathway",
                       ["pathway"])
TIMERS_FIRED = Counter("panelflow_timers_fired_total",
                       "Timers fired, by pathway and outcome (ok or error)",
                       ["pathway", "outcome"])


def count_on_commit(counter: Counter, **labels: str) -> None:
    """Count one when the current database transaction commits; nothing if it rolls back."""
    db.session.info.setdefault(PENDING, []).append((counter, labels))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for counter, labels in session.info.pop(PENDING, []):
        counter.labels(**labels).inc()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(PENDING, None)


class LiveFigures(Collector):
    """Gauges read at scrape time: every pathway deployed appears, with 0 when idle."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = utcnow()
        pathways = dict.fromkeys(db.session.scalars(
            db.select(ProcessModelVersion.key).distinct()), 0)
        ready = HumanTask.status == TaskStatus.READY
        open_tasks = GaugeMetricFamily("panelflow_open_tasks", "Tasks waiting to be done",
                                       labels=["pathway"])
        overdue = GaugeMetricFamily("panelflow_overdue_tasks",
                                    "Open tasks past their due time", labels=["pathway"])
        for family, where in ((open_tasks, [ready]), (overdue, [ready, HumanTask.due_at < now])):
            counts = dict(pathways) | dict(db.session.execute(
                db.select(HumanTask.process_key, func.count()).where(*where)
                .group_by(HumanTask.process_key)).all())
            for pathway, count in sorted(counts.items()):
                family.add_metric([pathway], count)
            yield family
        due_count, oldest = db.session.execute(
            db.select(func.count(), func.min(ProcessInstance.next_timer_at)).where(
                ProcessInstance.next_timer_at <= now,
                ProcessInstance.status.in_(InstanceStatus.OPEN))).one()
        yield GaugeMetricFamily("panelflow_timers_due",
                                "Timers due now and not yet fired", value=due_count)
        lag = 0.0 if oldest is None else max(0.0, (now - _aware(oldest)).total_seconds())
        yield GaugeMetricFamily(
            "panelflow_scheduler_lag_seconds",
            "How long the oldest due timer has waited to be fired (0 when none is due)",
            value=lag)


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive UTC datetimes back for aggregates such as MIN().
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _counted_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    allow = current_app.config.get("METRICS_ALLOW") or []
    if not token and not allow:
        abort(404)
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        peer = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(network, strict=False) for network in allow)


@bp.get("/metrics")
def scrape():
    if not _allowed():
        return Response("Send Authorization: Bearer <PANELFLOW_METRICS_TOKEN>\n", 403,
                        mimetype="text/plain")
    live = CollectorRegistry(auto_describe=False)
    live.register(LiveFigures())
    body = generate_latest(_counted_registry()) + generate_latest(live)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _started() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None:
        # The template (/cases/<instance_id>), never the URL: no ids, no query, few labels.
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        REQUEST_SECONDS.labels(request.method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_started)
    app.after_request(_observe)
