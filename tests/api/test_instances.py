"""Process instances: start, list, read, history and the manager's controls."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app.models import utcnow
from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start


@pytest.fixture(autouse=True)
def two_step_model(app):
    deploy(app, two_step())


def test_start_creates_the_first_task_for_the_starter(as_user):
    instance = start(as_user("social_worker"), child_ref="C-1")
    assert instance["process_model"] == "two_step"
    assert instance["status"] == "running"
    assert instance["started_by"] == "social_worker"
    assert instance["subject"] == {"child_ref": "C-1", "name": "Test Child"}
    task = ready_task(instance, "first")
    assert task["assignee"] == "social_worker"
    assert task["role"] == "social_worker"
    assert task["due_at"] > task["created_at"]


def test_start_needs_the_start_lane_role(as_user):
    response = as_user("team_manager").post("/api/v1/process-instances",
                                            json={"process_model": "two_step"})
    assert response.status_code == 403
    assert response.json["code"] == 403


def test_start_unknown_model_is_422(as_user):
    response = as_user("social_worker").post("/api/v1/process-instances",
                                             json={"process_model": "nope"})
    assert response.status_code == 422
    assert "process_model" in response.json["errors"]


def test_start_validates_its_body(as_user):
    client = as_user("social_worker")
    missing = client.post("/api/v1/process-instances", json={"subject": {}})
    assert missing.status_code == 422
    assert "process_model" in missing.json["errors"]
    wrong_type = client.post("/api/v1/process-instances",
                             json={"process_model": "two_step", "data": [1, 2]})
    assert wrong_type.status_code == 422
    assert "data" in wrong_type.json["errors"]


def test_get_and_history(as_user):
    sw = as_user("social_worker")
    instance = start(sw, data={"note": "hello"})
    got = sw.get(f"/api/v1/process-instances/{instance['id']}")
    assert got.status_code == 200
    assert got.json["data"]["note"] == "hello"
    assert got.json["data"]["initiator"] == "social_worker"
    events = sw.get(f"/api/v1/process-instances/{instance['id']}/history").json
    assert [e["event"] for e in events] == ["started", "assigned"]
    assert events[0]["actor"] == "social_worker"


def test_instances_are_hidden_from_uninvolved_roles(as_user):
    instance = start(as_user("social_worker"))
    outsider = as_user("panel_chair")
    assert outsider.get(f"/api/v1/process-instances/{instance['id']}").status_code == 404
    assert outsider.get(f"/api/v1/process-instances/{instance['id']}/history").status_code == 404
    assert outsider.get("/api/v1/process-instances").json == {"items": [], "total": 0}
    assert as_user("manager").get(f"/api/v1/process-instances/{instance['id']}").status_code == 200


def test_list_filters_and_pages(as_user):
    sw = as_user("social_worker")
    a = start(sw, child_ref="C-A")
    start(sw, child_ref="C-B")
    listed = sw.get("/api/v1/process-instances").json
    assert listed["total"] == 2
    by_child = sw.get("/api/v1/process-instances?child_ref=C-A").json
    assert [i["id"] for i in by_child["items"]] == [a["id"]]
    page = sw.get("/api/v1/process-instances?per_page=1&page=2").json
    assert page["total"] == 2 and len(page["items"]) == 1
    assert sw.get("/api/v1/process-instances?process_model=other").json["total"] == 0
    assert sw.get("/api/v1/process-instances?status=completed").json["total"] == 0
    assert sw.get("/api/v1/process-instances?per_page=201").status_code == 422
    assert sw.get("/api/v1/process-instances?status=bogus").status_code == 422


def test_overdue_filter_follows_the_due_date(as_user):
    sw = as_user("social_worker")
    start(sw)
    assert sw.get("/api/v1/process-instances?overdue=true").json["total"] == 0
    with time_machine.travel(utcnow() + timedelta(days=10)):
        later = as_user("social_worker")  # a fresh token: the first has expired by then
        assert later.get("/api/v1/process-instances?overdue=true").json["total"] == 1


def test_suspend_resume_terminate(as_user):
    sw, manager = as_user("social_worker"), as_user("manager")
    instance = start(sw)
    url = f"/api/v1/process-instances/{instance['id']}"
    assert sw.post(f"{url}/suspend").status_code == 403
    suspended = manager.post(f"{url}/suspend", json={"reason": "checking"})
    assert suspended.status_code == 200
    assert suspended.json["status"] == "suspended"
    task_id = ready_task(instance, "first")["id"]
    blocked = sw.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"outcome": "finish"}})
    assert blocked.status_code == 409
    assert manager.post(f"{url}/suspend").status_code == 409
    resumed = manager.post(f"{url}/resume")
    assert resumed.json["status"] == "running"
    terminated = manager.post(f"{url}/terminate", json={"reason": "duplicate request"})
    assert terminated.json["status"] == "terminated"
    assert terminated.json["completed_at"]
    assert all(t["status"] == "cancelled" for t in terminated.json["tasks"])
    assert manager.post(f"{url}/terminate").status_code == 409
    assert manager.post(f"{url}/resume").status_code == 409
    events = [e["event"] for e in manager.get(f"{url}/history").json]
    assert events[-3:] == ["suspended", "resumed", "terminated"]
    assert sw.get("/api/v1/tasks").json["total"] == 0


def test_controls_on_unknown_instance_are_404(as_user):
    assert as_user("manager").post("/api/v1/process-instances/nope/suspend").status_code == 404
