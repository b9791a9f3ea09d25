"""Logs (issue 21, part 5): one JSON line per request and per background job on stdout, a
request id to quote, and never a child's name, reference or form answer in any line."""
from __future__ import annotations

import json
import re

import pytest

from app import scheduler
from app.extensions import db
from app.models import HumanTask, User
from app.worker import make_celery
from tests.pages.conftest import Browser
from tests.pages.test_inbox_and_tasks import SAMPLES, _form_fields

NAME, REF, ANSWER = "Zebedee Quillfeather", "ZQ-987654", "Marmalade-unicorn-7731 needs respite"


def _lines(captured) -> list[dict]:
    lines = [line for line in captured.out.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is JSON


def _requests(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line.get("event") == "request"]


def test_no_child_data_in_any_log_line_while_a_case_is_started_and_worked(app, capsys):
    b = Browser(app)
    b.sign_in("social_worker")
    b.get("/start/marp")
    started = b.post("/start/marp", {"child_ref": REF, "name": NAME})
    task_url = started.headers["Location"].split("?")[0]
    task_id = task_url.rsplit("/", 1)[1]
    b.get(f"/?q={NAME.split()[0]}")  # a search for the child, in the query string
    b.post(task_url, {"action": "complete", "needs_summary": ANSWER, "child_age": "fourteen"})
    assert b.last.status_code == 422  # a refused answer is not logged either
    with app.app_context():
        db.session.get(HumanTask, task_id).draft_data = {**SAMPLES["prepare_request"],
                                                         "needs_summary": ANSWER}
        db.session.commit()
        user_id = db.session.scalar(db.select(User.id).where(User.username == "social_worker"))
    page = b.get(f"{task_url}?view=all").get_data(as_text=True)  # the one-page form
    posted = {k: v if len(v) > 1 else v[0] for k, v in _form_fields(page).items()}
    assert b.post(task_url, {**posted, "action": "complete"}).status_code == 302
    b.get(f"/cases/{NAME}")  # a name typed into a URL: 404, logged by route only

    captured = capsys.readouterr()
    everything = captured.out + captured.err
    for secret in (NAME, *NAME.split(), REF, "Marmalade", "respite", "fourteen"):
        assert secret not in everything, secret
    assert task_id not in captured.out  # route templates, never the URL with its ids
    requests = _requests(_lines(captured))
    routes = [(r["method"], r["route"], r["status"]) for r in requests]
    assert ("POST", "/login", 302) in routes
    assert ("POST", "/start/<key>", 302) in routes
    assert ("POST", "/tasks/<task_id>", 422) in routes
    assert ("POST", "/tasks/<task_id>", 302) in routes
    assert ("GET", "/", 200) in routes
    worked = [r for r in requests if r["route"] == "/tasks/<task_id>"]
    assert all(r["user_id"] == user_id and r["duration_ms"] >= 0 for r in worked)
    assert all(re.fullmatch(r"[0-9a-f]{32}", r["request_id"]) for r in requests)
    assert len({r["request_id"] for r in requests}) == len(requests)


def test_api_calls_log_no_child_data_either(app, as_user, capsys):
    sw = as_user("social_worker")
    created = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": REF, "name": NAME}, "data": {}})
    assert created.status_code == 201
    sw.get(f"/api/v1/tasks?q={NAME}")
    captured = capsys.readouterr()
    assert NAME not in captured.out + captured.err and REF not in captured.out + captured.err
    assert ("POST", "/api/v1/process-instances", 201) in [
        (r["method"], r["route"], r["status"]) for r in _requests(_lines(captured))]


def test_the_request_id_is_sent_back_and_shown_on_error_pages(app, capsys):
    client = app.test_client()
    given = client.get("/healthz", headers={"X-Request-Id": "lb-1234.abc"})
    assert given.headers["X-Request-Id"] == "lb-1234.abc"
    for bad in ("x" * 200, "a b", "<script>", "é"):
        replaced = client.get("/healthz", headers={"X-Request-Id": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"])
    browser = Browser(app)
    browser.sign_in("social_worker")
    missing = browser.get("/tasks/no-such-task")
    assert missing.status_code == 404
    shown = missing.headers["X-Request-Id"]
    assert f"quote request ID <code class=\"app-request-id\">{shown}</code>" in \
        missing.get_data(as_text=True)
    anonymous = client.post("/api/v1/tasks/x/claim")  # refused before sign-in: still an id
    assert anonymous.status_code == 401 and anonymous.headers["X-Request-Id"]
    lines = _requests(_lines(capsys.readouterr()))
    assert {"method": "GET", "route": "/tasks/<task_id>", "status": 404,
            "request_id": shown}.items() <= next(
        r for r in lines if r["request_id"] == shown).items()
    assert next(r for r in lines if r["request_id"] == "lb-1234.abc")["user_id"] is None


def test_a_scheduler_pass_is_one_job_line(app, capsys):
    assert scheduler.run_once(app) == []
    [line] = [x for x in _lines(capsys.readouterr()) if x.get("event") == "job"]
    assert line["job"] == "scheduler.run_due" and line["status"] == "ok"
    assert line["fired"] == 0 and line["failed"] == 0 and line["duration_ms"] >= 0


def test_a_failed_job_logs_its_error_type_but_not_its_message(app, capsys, monkeypatch):
    def fails(*_args):
        raise ValueError(f"cannot place {NAME} ({REF})")

    monkeypatch.setattr(scheduler, "run_due", fails)
    assert scheduler.run_once(app) == []
    captured = capsys.readouterr()
    assert NAME not in captured.out + captured.err and REF not in captured.out + captured.err
    [line] = [x for x in _lines(captured) if x.get("event") == "job"]
    assert line["status"] == "failed" and line["exception"] == "ValueError"
    assert any("scheduler.py" in frame for frame in line["stack"])


@pytest.fixture(scope="module")
def celery(app):
    return make_celery(app)


@pytest.mark.parametrize("task", ["panelflow.enqueue_due", "panelflow.fire_instance"])
def test_each_celery_task_run_is_one_job_line(celery, capsys, task):
    args = ("no-such-instance",) if task == "panelflow.fire_instance" else ()
    celery.tasks[task](*args)
    [line] = [x for x in _lines(capsys.readouterr()) if x.get("event") == "job"]
    assert line["job"] == task and line["status"] == "ok" and "task_id" in line


def test_an_unhandled_error_is_logged_by_route_without_its_message(app, capsys, monkeypatch):
    from app.web import inbox  # noqa: PLC0415

    def breaks(*_args, **_kwargs):
        raise RuntimeError(f"{NAME} broke it")

    monkeypatch.setattr(inbox, "render_template", breaks)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    b = Browser(app)
    b.sign_in("social_worker")
    response = b.get("/")
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] in response.get_data(as_text=True)
    captured = capsys.readouterr()
    assert NAME not in captured.out + captured.err
    lines = _lines(captured)
    [error] = [x for x in lines if x.get("event") == "unhandled_exception"]
    assert error["route"] == "/" and error["exception"] == "RuntimeError"
    assert error["request_id"] == response.headers["X-Request-Id"]
    assert ("GET", "/", 500) in [(r["method"], r["route"], r["status"]) for r in _requests(lines)]
