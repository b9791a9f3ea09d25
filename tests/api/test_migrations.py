"""Moving running cases to a new version: POST /api/v1/process-models/{key}/migrations, as the
contract says (dry run, move, 422 for an unknown version, a case that cannot move stays as it
was; holders, due dates and drafts kept; timers worked out again; `migrated` in history)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance
from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start

URL = "/api/v1/process-models/two_step/migrations"
WITHOUT_SECOND = two_step().replace('second"', 'approve"').replace(">second<", ">approve<")


@pytest.fixture
def cases(app, as_user, traveller):
    """Three cases on version 1: at `first`; at `second` (claimed, with a draft); at the
    timer `wait` (P7D), which began waiting two days before the move."""
    deploy(app, two_step())
    sw, tm = as_user("social_worker"), as_user("team_manager")
    at_first = start(sw, child_ref="C-1")
    at_second = start(sw, child_ref="C-2")
    sw.post(f"/api/v1/tasks/{ready_task(at_second, 'first')['id']}/complete",
            json={"data": {"outcome": "wait"}})
    second = ready_task(sw.get(f"/api/v1/process-instances/{at_second['id']}").json, "second")
    assert tm.post(f"/api/v1/tasks/{second['id']}/claim").status_code == 200
    with app.app_context():
        db.session.get(HumanTask, second["id"]).draft_data = {"note": "half written"}
        db.session.commit()
    at_timer = start(sw, child_ref="C-3")
    sw.post(f"/api/v1/tasks/{ready_task(at_timer, 'first')['id']}/complete",
            json={"data": {"outcome": "wait"}})
    third = ready_task(sw.get(f"/api/v1/process-instances/{at_timer['id']}").json, "second")
    tm.post(f"/api/v1/tasks/{third['id']}/complete", json={"data": {"outcome": "wait"}})
    traveller.shift(timedelta(days=2))
    return {"first": at_first["id"], "second": at_second["id"], "timer": at_timer["id"],
            "second_task": second}


def _row(app, instance_id: str) -> ProcessInstance:
    with app.app_context():
        instance = db.session.get(ProcessInstance, instance_id)
        db.session.expunge(instance)
        return instance


def test_a_dry_run_says_where_each_case_waits_and_changes_nothing(app, as_user, cases):
    deploy(app, two_step(timer='"P14D"'))
    answer = as_user("process_owner").post(URL, json={"from_version": 1, "to_version": 2,
                                                      "dry_run": True})
    assert answer.status_code == 200, answer.json
    assert answer.json["dry_run"] is True and answer.json["migrated"] == 0
    lines = {line["id"]: line for line in answer.json["instances"]}
    assert lines[cases["first"]] == {"id": cases["first"], "ok": True, "waiting_at": ["first"],
                                     "problems": []}
    assert lines[cases["second"]]["waiting_at"] == ["second"]
    assert lines[cases["timer"]]["waiting_at"] == ["wait"]
    got = as_user("manager").get(f"/api/v1/process-instances/{cases['second']}").json
    assert got["version"] == 1


def test_cases_move_keeping_holders_due_dates_drafts_and_timers_are_worked_out_again(
        app, as_user, cases):
    deploy(app, two_step(timer='"P14D"'))
    before = _row(app, cases["timer"]).next_timer_at
    answer = as_user("process_owner").post(URL, json={"from_version": 1, "to_version": 2,
                                                      "dry_run": False})
    assert answer.status_code == 200, answer.json
    assert answer.json["migrated"] == 3 and all(i["ok"] for i in answer.json["instances"])
    manager = as_user("manager")
    moved = manager.get(f"/api/v1/process-instances/{cases['second']}").json
    assert moved["version"] == 2 and moved["status"] == "running"
    task = ready_task(moved, "second")
    old = cases["second_task"]
    assert (task["id"], task["assignee"], task["due_at"]) == (old["id"], "team_manager",
                                                              old["due_at"])
    with app.app_context():
        assert db.session.get(HumanTask, task["id"]).draft_data == {"note": "half written"}
    events = manager.get(f"/api/v1/process-instances/{cases['second']}/history").json
    assert events[-1]["event"] == "migrated" and events[-1]["actor"] == "process_owner"
    assert events[-1]["detail"]["from_version"] == 1 and events[-1]["detail"]["to_version"] == 2
    # 7 days became 14, counted from when the case began to wait, not from the move
    assert _row(app, cases["timer"]).next_timer_at == before + timedelta(days=7)
    # and the moved case runs on under the new version
    done = as_user("team_manager").post(f"/api/v1/tasks/{task['id']}/complete",
                                        json={"data": {"outcome": "finish"}})
    assert done.status_code == 200 and done.json["instance"]["status"] == "completed"
    with app.app_context():
        # The trail outlives each test's data (and deploys are noted too): the latest move.
        audit = [e for e in db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.actor == "process_owner", AuditEvent.object_type == "process_model")
            .order_by(AuditEvent.id)) if e.detail and "migrated" in e.detail]
    assert audit and set(audit[-1].detail["migrated"]) == {
        cases["first"], cases["second"], cases["timer"]}


def test_a_case_that_cannot_move_stays_as_it_was(app, as_user, cases):
    deploy(app, WITHOUT_SECOND)
    owner = as_user("process_owner")
    answer = owner.post(URL, json={"from_version": 1, "to_version": 2, "dry_run": False})
    assert answer.status_code == 200
    lines = {line["id"]: line for line in answer.json["instances"]}
    assert lines[cases["second"]]["ok"] is False
    assert lines[cases["second"]]["problems"] == [{
        "element_id": "second",
        "message": "The user task “Second step” (second) is not in version 2"}]
    assert lines[cases["first"]]["ok"] and lines[cases["timer"]]["ok"]
    assert answer.json["migrated"] == 2
    stayed = as_user("manager").get(f"/api/v1/process-instances/{cases['second']}").json
    assert stayed["version"] == 1
    events = as_user("manager").get(f"/api/v1/process-instances/{cases['second']}/history").json
    assert "migrated" not in [e["event"] for e in events]


def test_chosen_cases_only(app, as_user, cases):
    deploy(app, two_step(timer='"P14D"'))
    answer = as_user("process_owner").post(URL, json={
        "from_version": 1, "to_version": 2, "dry_run": False,
        "instance_ids": [cases["first"], "no-such-case"]})
    assert answer.json["migrated"] == 1
    assert [line["ok"] for line in answer.json["instances"]] == [True, False]
    assert answer.json["instances"][1]["problems"][0]["element_id"] is None
    assert _row(app, cases["second"]).model_version_id != _row(app, cases["first"]
                                                               ).model_version_id


def test_unknown_version_is_422_and_only_process_owners_move_cases(app, as_user, cases):
    owner = as_user("process_owner")
    unknown = owner.post(URL, json={"from_version": 1, "to_version": 9, "dry_run": True})
    assert unknown.status_code == 422 and "to_version" in unknown.json["errors"]
    same = owner.post(URL, json={"from_version": 1, "to_version": 1})
    assert same.status_code == 422
    assert owner.post("/api/v1/process-models/nope/migrations",
                      json={"from_version": 1, "to_version": 2}).status_code == 404
    deploy(app, two_step(timer='"P14D"'))
    assert as_user("manager").post(URL, json={"from_version": 1, "to_version": 2}
                                   ).status_code == 403
    assert owner.post(URL, json={"from_version": "one"}).status_code == 422
