"""Case repair through the API (managers and process owners): send back, skip, correct, each
recorded in the history with its reason."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance
from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start


@pytest.fixture(autouse=True)
def two_step_model(app):
    deploy(app, two_step())


def _case(as_user, first: dict | None = None) -> tuple[dict, dict]:
    """A case whose first step social_worker has done; (instance, its `second` task)."""
    sw = as_user("social_worker")
    instance = start(sw)
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": first or {"outcome": "wait", "note": "as written"}})
    assert done.status_code == 200, done.json
    return done.json["instance"], ready_task(done.json["instance"], "second")


def _history(as_user, instance_id: str) -> list[dict]:
    return as_user("manager").get(f"/api/v1/process-instances/{instance_id}/history").json


def test_send_back_readies_the_step_with_its_answers_and_withdraws_what_came_after(
        app, as_user):
    instance, second = _case(as_user)
    url = f"/api/v1/process-instances/{instance['id']}/send-back"
    answer = as_user("manager").post(url, json={"task_name": "first",
                                                "reason": "Endorsed in error"})
    assert answer.status_code == 200, answer.json
    again = ready_task(answer.json, "first")
    assert again["assignee"] == "social_worker"
    withdrawn = next(t for t in answer.json["tasks"] if t["id"] == second["id"])
    assert withdrawn["status"] == "cancelled"
    with app.app_context():
        assert db.session.get(HumanTask, again["id"]).draft_data == {
            "outcome": "wait", "note": "as written"}
    event = _history(as_user, instance["id"])[-1]
    assert event["event"] == "sent_back" and event["actor"] == "manager"
    assert event["detail"]["reason"] == "Endorsed in error"
    assert event["detail"]["withdrawn"] == ["Second step"]
    # the case runs on from there
    sw = as_user("social_worker")
    assert sw.post(f"/api/v1/tasks/{again['id']}/complete",
                   json={"data": {"outcome": "finish"}}).status_code == 200


def test_send_back_clears_a_waiting_timer(app, as_user):
    instance, second = _case(as_user)
    as_user("team_manager").post(f"/api/v1/tasks/{second['id']}/complete",
                                 json={"data": {"outcome": "wait"}})
    with app.app_context():
        assert db.session.get(ProcessInstance, instance["id"]).next_timer_at is not None
    answer = as_user("process_owner").post(
        f"/api/v1/process-instances/{instance['id']}/send-back",
        json={"task_name": "second", "reason": "Wrong outcome"})
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "running"
    assert ready_task(answer.json, "second")
    with app.app_context():
        row = db.session.get(ProcessInstance, instance["id"])
        assert row.next_timer_at is None and row.timer_waits == {}


def test_send_back_only_to_a_step_done_and_only_by_managers(as_user):
    instance, _ = _case(as_user)
    url = f"/api/v1/process-instances/{instance['id']}/send-back"
    not_done = as_user("manager").post(url, json={"task_name": "second", "reason": "x"})
    assert not_done.status_code == 422 and "task_name" in not_done.json["errors"]
    assert as_user("team_manager").post(url, json={"task_name": "first", "reason": "x"}
                                        ).status_code == 403
    assert as_user("manager").post(url, json={"task_name": "first"}).status_code == 422


def test_skip_completes_the_step_with_no_answers_and_moves_on(app, as_user):
    sw = as_user("social_worker")
    instance = start(sw)
    first = ready_task(instance, "first")
    answer = as_user("manager").post(f"/api/v1/process-instances/{instance['id']}/skip",
                                     json={"task_id": first["id"],
                                           "reason": "The family moved away"})
    assert answer.status_code == 200, answer.json
    assert ready_task(answer.json, "second")
    skipped = next(t for t in answer.json["tasks"] if t["id"] == first["id"])
    assert skipped["status"] == "completed" and skipped["completed_by"] == "manager"
    event = [e for e in _history(as_user, instance["id"]) if e["event"] == "skipped"][0]
    assert event["task_name"] == "first" and event["detail"] == {
        "reason": "The family moved away"}


def test_a_step_the_diagram_needs_answers_from_cannot_be_skipped(app, as_user):
    instance = start(as_user("social_worker"))
    url = f"/api/v1/process-instances/{instance['id']}/skip"
    manager = as_user("manager")
    skipped = manager.post(url, json={"task_id": ready_task(instance, "first")["id"],
                                      "reason": "x"}).json
    second = ready_task(skipped, "second")  # its gateway reads `outcome`, which nobody gave
    answer = manager.post(url, json={"task_id": second["id"], "reason": "x"})
    assert answer.status_code == 409
    still = as_user("manager").get(f"/api/v1/process-instances/{instance['id']}").json
    assert ready_task(still, "second")["id"] == second["id"]


def test_correct_keeps_old_and_new_and_updates_the_case(app, as_user):
    instance, _ = _case(as_user)
    first = next(t for t in instance["tasks"] if t["name"] == "first")
    url = f"/api/v1/process-instances/{instance['id']}/correct"
    answer = as_user("manager").post(url, json={
        "task_id": first["id"], "field": "note", "value": "as meant",
        "reason": "Typing error"})
    assert answer.status_code == 200, answer.json
    assert answer.json["data"]["note"] == "as meant"
    with app.app_context():
        assert db.session.get(HumanTask, first["id"]).submitted_data["note"] == "as meant"
        audit = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.actor == "manager", AuditEvent.detail.is_not(None))
            .order_by(AuditEvent.id)).all()  # the latest last, whatever ran before
        assert audit[-1].detail["corrected"]["old"] == "as written"
    event = _history(as_user, instance["id"])[-1]
    assert event["event"] == "corrected"
    assert event["detail"] == {"field": "note", "old": "as written", "new": "as meant",
                               "reason": "Typing error", "case_data_updated": True}
    # what the open step opens with follows the correction
    second = ready_task(answer.json, "second")
    detail = as_user("team_manager").get(f"/api/v1/tasks/{second['id']}").json
    assert detail["data"]["note"] == "as meant"


def test_a_correction_must_fit_the_form(as_user):
    instance, second = _case(as_user)
    first = next(t for t in instance["tasks"] if t["name"] == "first")
    url = f"/api/v1/process-instances/{instance['id']}/correct"
    manager = as_user("manager")
    wrong = manager.post(url, json={"task_id": first["id"], "field": "outcome",
                                    "value": "perhaps", "reason": "x"})
    assert wrong.status_code == 422 and "value" in wrong.json["errors"]
    unknown = manager.post(url, json={"task_id": first["id"], "field": "colour",
                                      "value": "red", "reason": "x"})
    assert unknown.status_code == 422 and "field" in unknown.json["errors"]
    open_step = manager.post(url, json={"task_id": second["id"], "field": "note",
                                        "value": "x", "reason": "x"})
    assert open_step.status_code == 409
