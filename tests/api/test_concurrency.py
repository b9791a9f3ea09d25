"""Two people acting on the same task at the same moment: exactly one wins.

Real threads against the real database (SQLite or PostgreSQL, per PANELFLOW_TEST_DB).
"""
from __future__ import annotations

import threading

import pytest

from app.extensions import db
from app.models import HistoryEvent, HumanTask
from tests.diagrams import two_step
from tests.factories import make_user
from tests.helpers import deploy, ready_task, start

ROUNDS = 5


@pytest.fixture(autouse=True)
def two_step_model(app):
    deploy(app, two_step())


def _race(calls):
    """Run the calls in threads released together; return their responses."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _second_task(as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish"}})
    return instance["id"], done.json["next_tasks"][0]["id"]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_completions_one_wins(app, as_user, round_):
    instance_id, task_id = _second_task(as_user)
    tm, manager_tm = as_user("team_manager"), as_user("team_manager")
    body = {"data": {"outcome": "finish"}}
    responses = _race([
        lambda: tm.post(f"/api/v1/tasks/{task_id}/complete", json=body),
        lambda: manager_tm.post(f"/api/v1/tasks/{task_id}/complete", json=body),
    ])
    assert sorted(r.status_code for r in responses) == [200, 409]
    with app.app_context():
        completions = db.session.scalars(db.select(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.task_id == task_id,
            HistoryEvent.event == "completed")).all()
        assert len(completions) == 1
        task = db.session.get(HumanTask, task_id)
        assert task.status == "completed"
    final = tm.get(f"/api/v1/process-instances/{instance_id}").json
    assert final["status"] == "completed"


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_claims_one_wins(app, as_user, round_):
    _, task_id = _second_task(as_user)
    a = as_user("team_manager")
    with app.app_context():  # a second team manager, so both claimants hold the role
        make_user("team_manager_b", ["team_manager"], team="Locality Team A")
    b = as_user("team_manager_b")
    responses = _race([lambda: a.post(f"/api/v1/tasks/{task_id}/claim"),
                       lambda: b.post(f"/api/v1/tasks/{task_id}/claim")])
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).json["assignee"]
    assert a.get(f"/api/v1/tasks/{task_id}").json["assignee"] == winner


def test_claim_racing_a_completion(app, as_user):
    _, task_id = _second_task(as_user)
    with app.app_context():
        make_user("team_manager_b", ["team_manager"], team="Locality Team A")
    a, b = as_user("team_manager"), as_user("team_manager_b")
    responses = _race([
        lambda: a.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "finish"}}),
        lambda: b.post(f"/api/v1/tasks/{task_id}/claim"),
    ])
    codes = [r.status_code for r in responses]
    # Either the completion won (the claim sees a finished task) or the claim won (the
    # completion finds it held); never both succeeding.
    assert codes in ([200, 409], [409, 200])
