"""Time: `flask run-due` (with --as-of), the scheduler's job, and the other commands."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import ProcessInstance, utcnow
from app.scheduler import run_once, start_in_background
from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start


@pytest.fixture(autouse=True)
def two_step_model(app):
    deploy(app, two_step())


def _waiting_instance(as_user) -> str:
    sw = as_user("social_worker")
    instance = start(sw)
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish"}})
    second = done.json["next_tasks"][0]["id"]
    waited = as_user("team_manager").post(f"/api/v1/tasks/{second}/complete",
                                          json={"data": {"outcome": "wait"}})
    assert waited.json["instance"]["status"] == "waiting"
    return instance["id"]


def _next_timer(app, instance_id):
    with app.app_context():
        return db.session.get(ProcessInstance, instance_id).next_timer_at


def test_waiting_instance_records_its_next_timer(app, as_user):
    instance_id = _waiting_instance(as_user)
    due = _next_timer(app, instance_id)
    assert timedelta(days=6, hours=23) < due - utcnow() <= timedelta(days=7)


def test_run_due_fires_nothing_early(app, as_user):
    instance_id = _waiting_instance(as_user)
    result = app.test_cli_runner().invoke(args=["run-due"])
    assert result.exit_code == 0, result.output
    assert "0 timer(s) fired" in result.output
    assert as_user("manager").get(f"/api/v1/process-instances/{instance_id}").json["status"] \
        == "waiting"


def test_run_due_as_of_fires_and_completes(app, as_user):
    instance_id = _waiting_instance(as_user)
    as_of = (utcnow() + timedelta(days=8)).isoformat()
    result = app.test_cli_runner().invoke(args=["run-due", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    assert instance_id in result.output
    assert "1 timer(s) fired" in result.output
    manager = as_user("manager")
    assert manager.get(f"/api/v1/process-instances/{instance_id}").json["status"] == "completed"
    events = [e["event"] for e in manager.get(
        f"/api/v1/process-instances/{instance_id}/history").json]
    assert events[-2:] == ["timer_fired", "completed"]
    assert _next_timer(app, instance_id) is None
    again = app.test_cli_runner().invoke(args=["run-due", "--as-of", as_of])
    assert "0 timer(s) fired" in again.output


def test_run_due_skips_suspended_instances(app, as_user):
    instance_id = _waiting_instance(as_user)
    as_user("manager").post(f"/api/v1/process-instances/{instance_id}/suspend")
    as_of = (utcnow() + timedelta(days=8)).isoformat()
    result = app.test_cli_runner().invoke(args=["run-due", "--as-of", as_of])
    assert "0 timer(s) fired" in result.output


def test_run_due_rejects_a_time_without_offset(app):
    result = app.test_cli_runner().invoke(args=["run-due", "--as-of", "2027-01-31T09:00:00"])
    assert result.exit_code != 0
    assert "offset" in result.output


def test_scheduler_tick_fires_due_timers(app, as_user, time_machine):
    instance_id = _waiting_instance(as_user)
    time_machine.move_to(utcnow() + timedelta(days=8))
    fired = run_once(app)
    assert [f["instance_id"] for f in fired] == [instance_id]


def test_deploy_command_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["deploy"])
    assert result.exit_code == 0, result.output
    assert "marp: version 1 is current (marp.bpmn unchanged)" in result.output


def test_seed_demo_is_idempotent_and_refused_in_production(app, as_user):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "none (already there)" in result.output
    assert "demo cases begun: 4" in result.output
    manager = as_user("manager")
    cases = manager.get("/api/v1/process-instances?per_page=100").json["items"]
    assert sorted(c["subject"]["child_ref"] for c in cases) == [
        "C-DEMO-01", "C-DEMO-02", "C-DEMO-03", "C-DEMO-04"]
    overdue = manager.get("/api/v1/process-instances?overdue=true").json["items"]
    assert [c["subject"]["child_ref"] for c in overdue] == ["C-DEMO-01"]
    team_a = as_user("team_manager").get("/api/v1/process-instances").json["items"]
    assert sorted(c["subject"]["child_ref"] for c in team_a) == [
        "C-DEMO-01", "C-DEMO-02", "C-DEMO-03"]  # not Locality Team B's C-DEMO-04
    again = runner.invoke(args=["seed-demo"])
    assert "demo cases begun: 0" in again.output  # never twice
    app.config["PANELFLOW_ENV"] = "production"
    try:
        refused = runner.invoke(args=["seed-demo"])
    finally:
        app.config["PANELFLOW_ENV"] = "testing"
    assert refused.exit_code != 0
    assert "never loaded in production" in refused.output


def test_background_scheduler_thread_fires_timers(app, as_user, time_machine):
    instance_id = _waiting_instance(as_user)
    time_machine.move_to(utcnow() + timedelta(days=8), tick=True)
    app.config["SCHEDULER_INTERVAL_SECONDS"] = 0.05
    stop = start_in_background(app)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with app.app_context():
                status = db.session.get(ProcessInstance, instance_id).status
                db.session.remove()
            if status == "completed":
                break
            time.sleep(0.05)
    finally:
        stop.set()
        # Let a pass under way finish before the tables are emptied: a pass may still be
        # writing (a reminder for an overdue task of a pathway it began) when the test ends.
        for thread in threading.enumerate():
            if thread.name == "panelflow-scheduler":
                thread.join(timeout=20)
        app.config["SCHEDULER_INTERVAL_SECONDS"] = 60
    assert status == "completed"
