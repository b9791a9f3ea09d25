"""Tasks: the inbox, claiming, releasing, assigning and completing, with every error code."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app.extensions import db
from app.models import HumanTask, utcnow
from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start


@pytest.fixture(autouse=True)
def two_step_model(app):
    deploy(app, two_step())


def _to_second(sw, instance):
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish", "when": "2026-11-20"}})
    assert done.status_code == 200, done.json
    return done.json["next_tasks"][0]


def test_inbox_mine_claimable_all(as_user):
    sw, tm = as_user("social_worker"), as_user("team_manager")
    instance = start(sw)
    mine = sw.get("/api/v1/tasks?filter=mine").json
    assert [t["id"] for t in mine["items"]] == [ready_task(instance, "first")["id"]]
    assert sw.get("/api/v1/tasks?filter=claimable").json["total"] == 0
    assert as_user("social_worker_2").get("/api/v1/tasks").json["total"] == 0
    second = _to_second(sw, instance)
    assert tm.get("/api/v1/tasks?filter=claimable").json["items"][0]["id"] == second["id"]
    assert tm.get("/api/v1/tasks?filter=mine").json["total"] == 0
    assert tm.get("/api/v1/tasks").json["total"] == 1
    summary = tm.get("/api/v1/tasks").json["items"][0]
    assert set(summary) >= {"id", "instance_id", "process_model", "name", "title", "role",
                            "assignee", "status", "created_at", "due_at", "subject"}
    assert tm.get("/api/v1/tasks?filter=bogus").status_code == 422


def test_inbox_overdue_and_order(as_user):
    sw = as_user("social_worker")
    start(sw, child_ref="C-1")
    start(sw, child_ref="C-2")
    assert sw.get("/api/v1/tasks?overdue=true").json["total"] == 0
    with time_machine.travel(utcnow() + timedelta(days=10)):
        overdue = as_user("social_worker").get("/api/v1/tasks?overdue=true").json
    assert overdue["total"] == 2
    dues = [t["due_at"] for t in overdue["items"]]
    assert dues == sorted(dues)


def test_task_detail_has_form_data_and_instructions(as_user):
    sw = as_user("social_worker")
    instance = start(sw, data={"note": "prefilled"})
    detail = sw.get(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}").json
    assert detail["form"]["schema"]["properties"]["outcome"]["enum"] == ["wait", "finish", "boom"]
    assert detail["form"]["ui_schema"] == {}
    assert detail["data"]["note"] == "prefilled"
    assert detail["instructions"] == "Instructions for First step"


def test_task_of_another_role_is_404(as_user):
    instance = start(as_user("social_worker"))
    task_id = ready_task(instance, "first")["id"]
    assert as_user("panel_chair").get(f"/api/v1/tasks/{task_id}").status_code == 404
    assert as_user("panel_chair").post(f"/api/v1/tasks/{task_id}/claim").status_code == 404
    assert as_user("social_worker").get("/api/v1/tasks/unknown").status_code == 404


def test_claim_and_conflicting_claim(as_user):
    sw = as_user("social_worker")
    second = _to_second(sw, start(sw))
    tm = as_user("team_manager")
    claimed = tm.post(f"/api/v1/tasks/{second['id']}/claim")
    assert claimed.status_code == 200
    assert claimed.json["assignee"] == "team_manager"
    assert tm.post(f"/api/v1/tasks/{second['id']}/claim").status_code == 200  # idempotent
    other = as_user("manager")
    assert other.post(f"/api/v1/tasks/{second['id']}/claim").status_code == 403


def test_claim_held_by_someone_else_is_409(app, as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    task_id = ready_task(instance, "first")["id"]
    response = as_user("social_worker_2").post(f"/api/v1/tasks/{task_id}/claim")
    assert response.status_code == 409
    assert "social_worker" in response.json["message"]


def test_release_by_holder_and_by_manager_only(as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    task_id = ready_task(instance, "first")["id"]
    assert as_user("social_worker_2").post(f"/api/v1/tasks/{task_id}/release").status_code == 403
    released = sw.post(f"/api/v1/tasks/{task_id}/release")
    assert released.status_code == 200
    assert released.json["assignee"] is None
    claimable = as_user("social_worker_2").get("/api/v1/tasks?filter=claimable").json
    assert [t["id"] for t in claimable["items"]] == [task_id]
    assert as_user("social_worker_2").post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    assert as_user("manager").post(f"/api/v1/tasks/{task_id}/release").status_code == 200


def test_assign_by_team_manager(as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    task_id = ready_task(instance, "first")["id"]
    tm = as_user("team_manager")
    assert sw.post(f"/api/v1/tasks/{task_id}/assign",
                   json={"username": "social_worker_2"}).status_code == 403
    # Not their role's task: the team manager sees it because the case is their team's, and
    # another team's manager does not.
    assert tm.get(f"/api/v1/tasks/{task_id}").status_code == 200
    assert as_user("team_manager_2").get(f"/api/v1/tasks/{task_id}").status_code == 404
    manager = as_user("manager")
    unknown = manager.post(f"/api/v1/tasks/{task_id}/assign", json={"username": "ghost"})
    assert unknown.status_code == 422
    assert "username" in unknown.json["errors"]
    assigned = manager.post(f"/api/v1/tasks/{task_id}/assign", json={"username": "social_worker_2"})
    assert assigned.status_code == 200
    assert assigned.json["assignee"] == "social_worker_2"
    mine = as_user("social_worker_2").get("/api/v1/tasks?filter=mine").json
    assert [t["id"] for t in mine["items"]] == [task_id]
    second = _to_second(as_user("social_worker_2"), {"tasks": [{**assigned.json}]})
    assert tm.post(f"/api/v1/tasks/{second['id']}/assign",
                   json={"username": "team_manager"}).status_code == 200


def test_complete_validates_against_the_form(as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    task_id = ready_task(instance, "first")["id"]
    response = sw.post(f"/api/v1/tasks/{task_id}/complete",
                       json={"data": {"outcome": "maybe", "when": "2026-02-30", "note": 5}})
    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["outcome"] == ["Select one of the options for Outcome"]
    assert errors["when"] == ["Date of visit must be a real date"]
    assert errors["note"] == ["Note must be text"]
    missing = sw.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}})
    assert missing.json["errors"] == {"outcome": ["Select outcome"]}
    no_data = sw.post(f"/api/v1/tasks/{task_id}/complete", json={})
    assert no_data.status_code == 422 and "data" in no_data.json["errors"]
    # Nothing was lost or advanced by the failed attempts.
    assert sw.get(f"/api/v1/tasks/{task_id}").json["status"] == "ready"


def test_complete_moves_the_pathway_on_and_records_history(as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    second = _to_second(sw, instance)
    assert second["name"] == "second" and second["role"] == "team_manager"
    tm = as_user("team_manager")
    done = tm.post(f"/api/v1/tasks/{second['id']}/complete", json={"data": {"outcome": "finish"}})
    assert done.status_code == 200
    assert done.json["instance"]["status"] == "completed"
    assert done.json["next_tasks"] == []
    history = tm.get(f"/api/v1/process-instances/{instance['id']}/history").json
    assert [e["event"] for e in history] == [
        "started", "assigned", "completed", "claimed", "completed", "completed"]
    assert history[2]["detail"]["data"] == {"outcome": "finish", "when": "2026-11-20"}
    assert history[3]["actor"] == "team_manager"  # completing unclaimed claims it first


def test_complete_twice_is_409(as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    task_id = ready_task(instance, "first")["id"]
    ok = sw.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "finish"}})
    assert ok.status_code == 200
    again = sw.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "finish"}})
    assert again.status_code == 409
    assert sw.post(f"/api/v1/tasks/{task_id}/claim").status_code == 409
    assert sw.post(f"/api/v1/tasks/{task_id}/release").status_code == 409


def test_complete_task_held_by_someone_else_is_409(as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    task_id = ready_task(instance, "first")["id"]
    response = as_user("social_worker_2").post(f"/api/v1/tasks/{task_id}/complete",
                                               json={"data": {"outcome": "finish"}})
    assert response.status_code == 409


def test_complete_by_a_role_that_may_not_is_403(as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    task_id = ready_task(instance, "first")["id"]
    response = as_user("manager").post(f"/api/v1/tasks/{task_id}/complete",
                                       json={"data": {"outcome": "finish"}})
    assert response.status_code == 403


def test_gateway_to_timer_makes_the_instance_wait(as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    second = _to_second(sw, instance)
    done = as_user("team_manager").post(f"/api/v1/tasks/{second['id']}/complete",
                                        json={"data": {"outcome": "wait"}})
    assert done.json["instance"]["status"] == "waiting"


def test_engine_failure_rolls_back_the_step_and_keeps_the_submission(app, as_user):
    deploy(app, two_step(condition="undefined_name == 1"))
    sw = as_user("social_worker")
    instance = start(sw)
    second = _to_second(sw, instance)
    tm = as_user("team_manager")
    failed = tm.post(f"/api/v1/tasks/{second['id']}/complete",
                     json={"data": {"outcome": "boom", "note": "keep me"}})
    assert failed.status_code == 409
    assert "lost" in failed.json["message"]
    got = tm.get(f"/api/v1/process-instances/{instance['id']}").json
    assert got["status"] == "error"
    assert ready_task(got, "second")  # the step was rolled back: the task is still there
    history = tm.get(f"/api/v1/process-instances/{instance['id']}/history").json
    assert history[-1]["event"] == "error"
    assert history[-1]["detail"]["submitted"] == {"outcome": "boom", "note": "keep me"}
    assert "completed" not in [e["event"] for e in history if e["task_name"] == "second"]


def test_answers_the_form_does_not_ask_for_are_dropped(as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    task_id = ready_task(instance, "first")["id"]
    done = sw.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {
        "outcome": "finish", "initiator": "intruder", "unrelated": 1}})
    assert done.status_code == 200
    data = done.json["instance"]["data"]
    assert data["initiator"] == "social_worker"
    assert "unrelated" not in data


def test_a_manager_retries_after_an_error_and_the_answers_come_back(app, as_user):
    deploy(app, two_step(condition="undefined_name == 1"))
    sw = as_user("social_worker")
    instance = start(sw)
    second = _to_second(sw, instance)
    tm = as_user("team_manager")
    tm.post(f"/api/v1/tasks/{second['id']}/complete",
            json={"data": {"outcome": "boom", "note": "keep me"}})
    url = f"/api/v1/process-instances/{instance['id']}/retry"
    assert tm.post(url).status_code == 403  # managers and process owners only
    retried = as_user("manager").post(url)
    assert retried.status_code == 200
    assert retried.json["status"] == "running"
    assert as_user("manager").post(url).status_code == 409  # not stopped by an error now
    task = tm.get(f"/api/v1/tasks/{second['id']}").json
    assert task["status"] == "ready"
    with app.app_context():  # the task page fills the form from its draft
        draft = db.session.get(HumanTask, second["id"]).draft_data
        db.session.remove()
    assert draft == {"outcome": "boom", "note": "keep me"}
    history = tm.get(f"/api/v1/process-instances/{instance['id']}/history").json
    assert [e["event"] for e in history[-2:]] == ["error", "retried"]
    # The diagram still cannot pass this gateway, so the same answers fail the same way.
    again = tm.post(f"/api/v1/tasks/{second['id']}/complete",
                    json={"data": {"outcome": "boom", "note": "keep me"}})
    assert again.status_code == 409
    assert tm.get(f"/api/v1/process-instances/{instance['id']}").json["status"] == "error"
