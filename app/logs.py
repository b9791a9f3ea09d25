"""Logs: one JSON line per request and per background job, on standard output.

A request's line holds its method, route *template* (`/cases/<instance_id>`, never the URL
with its ids or query), status, duration, request id and the signed-in user's id; a job's line
holds the job's name, outcome, duration and counts. Nothing about a child (name, reference,
form answer) is ever put in a line: fields are chosen here, not taken from the request, and an
exception is logged as its type and stack frames without its message, which may quote data.

Each request has an id: the caller's `X-Request-Id` if well-formed, else a new one. It is sent
back in the `X-Request-Id` header and shown on error pages, so a user can quote it.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, Response, g, has_request_context, request

REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
HEADER = "X-Request-Id"

requests_log = logging.getLogger("app.requests")
jobs_log = logging.getLogger("app.jobs")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, then the record's fields (or its
    message); an exception as its type and frames only."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        line = {"time": moment.isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name}
        fields = getattr(record, "fields", None)
        if fields is not None:
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        if "request_id" not in line and has_request_context():
            line["request_id"] = request_id()
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
            line["stack"] = [f"{frame.filename}:{frame.lineno} {frame.name}"
                             for frame in traceback.extract_tb(record.exc_info[2])]
        return json.dumps(line, default=str)


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time (a test's capture, a redirected stream)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


class _NoRawRequestLines(logging.Filter):
    """The development server's own request line carries the raw URL and query: drop it, the
    JSON line says the same without them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.endswith('"%s" %s %s\n'))


def configure() -> None:
    """JSON lines on stdout for every `app.*` logger (once per process)."""
    logger = logging.getLogger("app")
    if not any(isinstance(h, StdoutHandler) for h in logger.handlers):
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # exactly one line, whatever the root logger has
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, _NoRawRequestLines) for f in werkzeug.filters):
        werkzeug.addFilter(_NoRawRequestLines())


def event(logger: logging.Logger, level: int, name: str, **fields) -> None:
    logger.log(level, name, extra={"fields": {"event": name, **fields}})


def request_id() -> str:
    if "request_id" not in g:
        sent = request.headers.get(HEADER, "")
        g.request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
    return g.request_id


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _user_id() -> int | None:
    user = g.get("user")
    if user is None:
        return None
    identity = sa.inspect(user).identity  # no query, even once the session has committed
    return identity[0] if identity else None


def _finish(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    started = g.get("request_started")
    event(requests_log, logging.INFO, "request", method=request.method,
          route=request.url_rule.rule if request.url_rule is not None else None,
          status=response.status_code,
          duration_ms=round((time.perf_counter() - started) * 1000, 1) if started else None,
          request_id=request_id(), user_id=_user_id())
    return response


@contextmanager
def job(name: str, **fields) -> Iterator[dict]:
    """Log one line for a background job: `with job("scheduler.run_due") as outcome:` and
    put counts (never data) in `outcome`. A failure is logged and raised again."""
    started = time.perf_counter()
    outcome: dict = {}
    try:
        yield outcome
    except Exception:
        jobs_log.error("job", exc_info=True, extra={"fields": {
            "event": "job", "job": name, **fields, "status": "failed",
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)}})
        raise
    event(jobs_log, logging.INFO, "job", job=name, **fields, status="ok",
          duration_ms=round((time.perf_counter() - started) * 1000, 1), **outcome)


def _log_exception(exc_info) -> None:
    """Flask's own line names the raw path; this one names the route, as the request's does."""
    requests_log.error("unhandled_exception", exc_info=exc_info, extra={"fields": {
        "event": "unhandled_exception", "method": request.method,
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "user_id": _user_id()}})


def init_app(app: Flask) -> None:
    """Registered first, so the clock starts before any other check and every response,
    even a refusal before sign-in, carries its request id."""
    configure()
    app.log_exception = _log_exception
    app.before_request(_start)
    app.after_request(_finish)
    app.jinja_env.globals["request_id"] = request_id
