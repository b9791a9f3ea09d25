"""Hostile diagram code comes back within seconds as an error, and no one else waits for it.

The hostile payload is one C call with the GIL held: building a set of ints that all hash
alike (quadratic; 40,000 items take about 20 s in-process, 100,000 take minutes). No guard in
the app's process can interrupt it; the evaluator process running it is killed instead. The
evaluation limit is lowered here so the suite stays quick; each test is bounded well under
15 s, where the in-process sandbox took 20 s or more for each.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from app.engine import evaluator
from app.extensions import db
from app.models import ProcessInstance, utcnow
from app.services.timers import run_due
from tests.conftest import DEMO_PASSWORD
from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start

ALIKE = "set([i * 2305843009213693951 for i in range(40000)])"  # every item hashes to 0
HOSTILE_SCRIPT = f"clash = len({ALIKE})"
HOSTILE_CONDITION = f'len({ALIKE}) > 0 and outcome == "wait"'
HOSTILE_DUE_DATE = f'"2027-01-0" + str(len({ALIKE}) % 9 + 1)'
HOSTILE_TIMER = f'"PT" + str(len({ALIKE})) + "S"'
BOUND = 10.0  # seconds; the in-process sandbox took 20 s or more for each


@pytest.fixture(autouse=True)
def one_second_limit(monkeypatch):
    monkeypatch.setattr(evaluator.SETTINGS, "timeout_seconds", 1.0)


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def _instance(app, instance_id: str) -> ProcessInstance:
    with app.app_context():
        instance = db.session.get(ProcessInstance, instance_id)
        db.session.expunge(instance)
        return instance


def _complete(client, instance: dict, name: str, data: dict):
    task = ready_task(instance, name)
    return client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})


def _assert_stopped(app, instance_id: str, response, elapsed: float) -> None:
    assert elapsed < BOUND, f"the step took {elapsed:.1f} s"
    assert response.status_code == 409, response.json
    assert "stopped" in response.json["message"]
    instance = _instance(app, instance_id)
    assert instance.status == "error"
    assert "took more than 1 seconds and was stopped" in instance.error_message


def test_a_hostile_script_fails_its_step_within_seconds(app, as_user):
    deploy(app, two_step("dos_script", script=HOSTILE_SCRIPT))
    sw = as_user("social_worker")
    instance = start(sw, "dos_script")
    response, elapsed = _timed(lambda: _complete(sw, instance, "first", {"outcome": "finish"}))
    _assert_stopped(app, instance["id"], response, elapsed)


def test_a_hostile_condition_fails_its_step_within_seconds(app, as_user):
    deploy(app, two_step("dos_condition", condition=HOSTILE_CONDITION))
    sw, tm = as_user("social_worker"), as_user("team_manager")
    instance = start(sw, "dos_condition")
    done = _complete(sw, instance, "first", {"outcome": "finish"})
    second = done.json["next_tasks"][0]["id"]
    response, elapsed = _timed(lambda: tm.post(f"/api/v1/tasks/{second}/complete",
                                               json={"data": {"outcome": "wait"}}))
    _assert_stopped(app, instance["id"], response, elapsed)


def test_a_hostile_due_date_fails_the_step_that_makes_its_task(app, as_user):
    rule = HOSTILE_DUE_DATE.replace('"', "&quot;")
    xml = two_step("dos_due").replace('<spiffworkflow:property name="dueIn" value="P3D"/>',
                                      f'<spiffworkflow:property name="dueDate" value="{rule}"/>')
    deploy(app, xml)
    sw = as_user("social_worker")
    instance = start(sw, "dos_due")
    response, elapsed = _timed(lambda: _complete(sw, instance, "first", {"outcome": "finish"}))
    _assert_stopped(app, instance["id"], response, elapsed)
    assert "dueDate of 'Second step'" in _instance(app, instance["id"]).error_message


def test_a_hostile_timer_expression_fails_within_seconds(app, as_user):
    deploy(app, two_step("dos_timer", timer=HOSTILE_TIMER))
    sw, tm = as_user("social_worker"), as_user("team_manager")
    instance = start(sw, "dos_timer")
    done = _complete(sw, instance, "first", {"outcome": "finish"})
    second = done.json["next_tasks"][0]["id"]
    response, elapsed = _timed(lambda: tm.post(f"/api/v1/tasks/{second}/complete",
                                               json={"data": {"outcome": "wait"}}))
    _assert_stopped(app, instance["id"], response, elapsed)


def test_sign_in_is_served_while_a_hostile_step_runs(app, as_user, monkeypatch):
    monkeypatch.setattr(evaluator.SETTINGS, "timeout_seconds", 4.0)
    deploy(app, two_step("dos_busy", script=HOSTILE_SCRIPT))
    sw = as_user("social_worker")
    instance = start(sw, "dos_busy")
    busy_before = evaluator.POOL.busy
    outcome = {}

    def hostile_step():
        outcome["response"], outcome["elapsed"] = _timed(
            lambda: _complete(sw, instance, "first", {"outcome": "finish"}))

    worker = threading.Thread(target=hostile_step)
    worker.start()
    deadline = time.monotonic() + BOUND
    while evaluator.POOL.busy <= busy_before and worker.is_alive():  # the script is running
        assert time.monotonic() < deadline, "the hostile step never started evaluating"
        time.sleep(0.01)
    anonymous = app.test_client()
    signed_in, elapsed = _timed(lambda: anonymous.post("/api/v1/auth/token", json={
        "username": "team_manager", "password": DEMO_PASSWORD}))
    assert signed_in.status_code == 200, signed_in.json
    assert elapsed < BOUND
    worker.join(BOUND)
    assert not worker.is_alive()
    assert outcome["response"].status_code == 409
    assert outcome["elapsed"] < BOUND


def _after_timer_script(key: str) -> str:
    """two_step whose timer (a second) leads to a hostile script the scheduler runs."""
    xml = two_step(key, timer='"PT1S"')
    return xml.replace(
        "<bpmn:outgoing>f6</bpmn:outgoing><bpmn:timerEventDefinition>",
        "<bpmn:outgoing>f6a</bpmn:outgoing><bpmn:timerEventDefinition>").replace(
        '<bpmn:sequenceFlow id="f6" sourceRef="wait" targetRef="end"/>',
        '<bpmn:scriptTask id="late" name="Late script"><bpmn:incoming>f6a</bpmn:incoming>'
        f"<bpmn:outgoing>f6</bpmn:outgoing><bpmn:script>{HOSTILE_SCRIPT}</bpmn:script>"
        "</bpmn:scriptTask>"
        '<bpmn:sequenceFlow id="f6a" sourceRef="wait" targetRef="late"/>'
        '<bpmn:sequenceFlow id="f6" sourceRef="late" targetRef="end"/>')


def test_the_scheduler_marks_a_hostile_timer_case_error_and_does_not_retry_it(app, as_user):
    deploy(app, _after_timer_script("dos_later"))
    sw, tm = as_user("social_worker"), as_user("team_manager")
    instance = start(sw, "dos_later")
    done = _complete(sw, instance, "first", {"outcome": "finish"})
    waited = tm.post(f"/api/v1/tasks/{done.json['next_tasks'][0]['id']}/complete",
                     json={"data": {"outcome": "wait"}})
    assert waited.json["instance"]["status"] == "waiting"
    later = utcnow() + timedelta(minutes=5)
    with app.app_context():
        fired, elapsed = _timed(lambda: run_due(later))
    assert elapsed < BOUND
    mine = [f for f in fired if f["instance_id"] == instance["id"]]
    assert len(mine) == 1 and "took more than 1 seconds" in mine[0]["error"]
    assert _instance(app, instance["id"]).status == "error"
    with app.app_context():
        again, elapsed = _timed(lambda: run_due(later + timedelta(minutes=1)))
    assert [f for f in again if f["instance_id"] == instance["id"]] == []
    assert elapsed < BOUND / 2
