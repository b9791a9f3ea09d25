"""The scheduler stops a case that fails in any way (not only a diagram error) and moves on:
the case is marked `error` once, and later passes neither retry it nor stop at it."""
from __future__ import annotations

from datetime import timedelta

from app.engine import workflows
from app.extensions import db
from app.models import ProcessInstance, utcnow
from app.services.timers import run_due
from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start


def _waiting(as_user, key: str) -> str:
    sw, tm = as_user("social_worker"), as_user("team_manager")
    instance = start(sw, key)
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish"}})
    waited = tm.post(f"/api/v1/tasks/{done.json['next_tasks'][0]['id']}/complete",
                     json={"data": {"outcome": "wait"}})
    assert waited.json["instance"]["status"] == "waiting"
    return instance["id"]


def test_a_case_that_breaks_the_scheduler_is_marked_error_once(app, as_user, monkeypatch):
    deploy(app, two_step("sched_break", timer='"PT1S"'))
    broken, healthy = _waiting(as_user, "sched_break"), _waiting(as_user, "sched_break")
    real_fire = workflows.fire_timers
    calls = []

    def fire(workflow):
        calls.append(workflow)
        if len(calls) == 1:
            raise RuntimeError("the engine broke")
        return real_fire(workflow)

    monkeypatch.setattr(workflows, "fire_timers", fire)
    later = utcnow() + timedelta(minutes=5)
    with app.app_context():
        fired = run_due(later)
        failed = [f for f in fired if "error" in f]
        assert len(failed) == 1 and "the engine broke" in failed[0]["error"]
        stopped = failed[0]["instance_id"]
        other = ({broken, healthy} - {stopped}).pop()
        assert [f["instance_id"] for f in fired if "error" not in f] == [other]
        assert db.session.get(ProcessInstance, stopped).status == "error"
        assert db.session.get(ProcessInstance, other).status == "completed"
        again = run_due(later + timedelta(minutes=1))
    assert [f for f in again if f["instance_id"] == stopped] == []
    assert len(calls) == 2
