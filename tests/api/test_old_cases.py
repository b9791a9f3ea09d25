"""A step of a case tracked for years costs what the same step of a new case costs (issue 17,
part 1): completing it reads the case's open work and the few earlier rows a round needs,
never every task the case ever had as a full object; the response still lists every task
(the API contract's instance, "ready and completed"), read as plain rows."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from app.api import schemas, task_summaries
from app.extensions import db
from app.models import HumanTask, ProcessInstance
from tests.diagrams import review_loop
from tests.helpers import deploy, ready_task, start


@contextmanager
def _task_objects_loaded():
    """How many human-task objects the ORM builds from rows meanwhile."""
    built = []

    def count(target, context):
        built.append(target)

    event.listen(HumanTask, "load", count)
    try:
        yield built
    finally:
        event.remove(HumanTask, "load", count)


def _return_once(worker, manager, instance: dict) -> dict:
    """One round of the loop: the request is written, then the review returns it."""
    request = ready_task(instance, "request")
    instance = worker.post(f"/api/v1/tasks/{request['id']}/complete",
                           json={"data": {"summary": "Try again"}}).json["instance"]
    review = ready_task(instance, "review")
    return manager.post(f"/api/v1/tasks/{review['id']}/complete", json={"data": {
        "outcome": "return", "comments": "More"}}).json["instance"]


def test_rounds_of_an_old_case_completed_at_one_instant_keep_their_order(app, as_user,
                                                                         traveller):
    """Under a frozen clock every step of the case shares one timestamp, more of them than
    one read of earlier rows takes: the history still orders the rounds, so the returned
    request opens with its writer's last answers and the review without its own."""
    deploy(app, review_loop())
    worker, manager = as_user("social_worker"), as_user("team_manager")
    instance = start(worker, "review_loop")
    for number in range(12):
        request = ready_task(instance, "request")
        instance = worker.post(f"/api/v1/tasks/{request['id']}/complete",
                               json={"data": {"summary": f"Round {number}"}}).json["instance"]
        review = ready_task(instance, "review")
        instance = manager.post(f"/api/v1/tasks/{review['id']}/complete", json={"data": {
            "outcome": "return", "comments": f"More {number}"}}).json["instance"]
    request = ready_task(instance, "request")
    data = worker.get(f"/api/v1/tasks/{request['id']}").json["data"]
    assert (data["summary"], data["comments"]) == ("Round 11", "More 11")
    instance = worker.post(f"/api/v1/tasks/{request['id']}/complete",
                           json={"data": {"summary": "Final"}}).json["instance"]
    data = manager.get(f"/api/v1/tasks/{ready_task(instance, 'review')['id']}").json["data"]
    assert "outcome" not in data and "comments" not in data
    assert data["summary"] == "Final"


def _objects_for_one_request(worker, instance: dict) -> int:
    request = ready_task(instance, "request")
    with _task_objects_loaded() as built:
        response = worker.post(f"/api/v1/tasks/{request['id']}/complete",
                               json={"data": {"summary": "Once more"}})
    assert response.status_code == 200, response.json
    return len(built)


def test_completing_a_step_of_an_old_case_builds_no_object_for_each_past_step(app, as_user):
    """The same step, in the same case, after 2 rounds and after 12: as many task objects
    built (the task itself and the case's open work), not one more per round since."""
    deploy(app, review_loop())
    worker, manager = as_user("social_worker"), as_user("team_manager")
    young = start(worker, "review_loop", child_ref="C-YOUNG")
    old = start(worker, "review_loop", child_ref="C-OLD")
    for _ in range(2):
        young = _return_once(worker, manager, young)
    for _ in range(12):
        old = _return_once(worker, manager, old)
    assert len(old["tasks"]) == 25  # 24 done, 1 open: the old case does have its rows

    built_for_old, built_for_young = (_objects_for_one_request(worker, old),
                                      _objects_for_one_request(worker, young))
    assert built_for_old == built_for_young <= 4


def test_the_completed_response_lists_every_task_as_the_instance_does(app, as_user):
    """Every task of the case, ready and completed, exactly as the TaskSummary schema dumps
    it and as `GET /process-instances/{id}` lists it (API contract, "Tasks": complete)."""
    deploy(app, review_loop())
    worker, manager = as_user("social_worker"), as_user("team_manager")
    instance = _return_once(worker, manager, start(worker, "review_loop"))
    request = ready_task(instance, "request")
    reply = worker.post(f"/api/v1/tasks/{request['id']}/complete",
                        json={"data": {"summary": "Third"}}).json
    shown = worker.get(f"/api/v1/process-instances/{instance['id']}").json
    assert reply["instance"]["tasks"] == shown["tasks"]
    assert [t["status"] for t in reply["instance"]["tasks"]] == [
        "completed", "completed", "completed", "ready"]
    assert reply["next_tasks"] == [t for t in shown["tasks"] if t["status"] == "ready"]
    assert {k: v for k, v in reply["instance"].items() if k != "tasks"} == {
        k: v for k, v in shown.items() if k not in ("tasks", "listing")}

    with app.app_context():
        case = db.session.get(ProcessInstance, instance["id"])
        case.tasks[0].due_at = case.tasks[0].created_at  # a due date, and a role of None
        case.tasks[0].role = None
        db.session.commit()
        assert task_summaries.for_instance(case.id) == schemas.TaskSummary(many=True).dump(
            case.tasks)
        db.session.remove()
