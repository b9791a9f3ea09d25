"""Absence cover (issue 18, part 5), an extension of "Users and teams": while a person is away,
the colleague covering them sees, does and is recorded doing their tasks, and gets their
reminders; only between the absence's dates."""
from __future__ import annotations

import json
from pathlib import Path

from app.extensions import db
from app.models import AuditEvent, HumanTask
from app.services import reminders

SAMPLES = json.loads((Path(__file__).parents[1] / "pathways" / "marp_samples.json").read_text())
# The traveller fixture's Monday 23 November 2026: away Wednesday to Friday.
AWAY = {"starts_on": "2026-11-25", "ends_on": "2026-11-27", "cover": "social_worker_2"}


def _start(as_user, child_ref: str) -> tuple[str, str]:
    started = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": child_ref, "name": child_ref}})
    assert started.status_code == 201, started.json
    return started.json["id"], started.json["tasks"][0]["id"]


def _mine(as_user, username: str) -> set[str]:
    return {t["id"] for t in as_user(username).get("/api/v1/tasks?filter=mine").json["items"]}


def test_the_cover_sees_does_and_is_recorded_doing_the_work_only_while_it_runs(
        app, as_user, traveller):
    first_case, first = _start(as_user, "C-AWAY-1")
    second_case, second = _start(as_user, "C-AWAY-2")
    recorded = as_user("social_worker").post("/api/v1/users/social_worker/absences", json=AWAY)
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["cover"] == "social_worker_2"

    # Before it starts: the work is still only the absent person's.
    assert not _mine(as_user, "social_worker_2") & {first, second}
    held = as_user("social_worker_2").post(f"/api/v1/tasks/{first}/complete",
                                           json={"data": SAMPLES["prepare_request"]})
    assert held.status_code == 409

    traveller.move_to("2026-11-25T09:00:00+00:00")
    cover = as_user("social_worker_2")
    assert _mine(as_user, "social_worker_2") >= {first, second}
    with app.app_context():
        assert reminders.offered_to(db.session.get(HumanTask, second)) == ["social_worker_2"]
    assert cover.get(f"/api/v1/tasks/{first}").status_code == 200
    done = cover.post(f"/api/v1/tasks/{first}/complete",
                      json={"data": SAMPLES["prepare_request"]})
    assert done.status_code == 200, done.json
    history = cover.get(f"/api/v1/process-instances/{first_case}/history").json
    [completed] = [e for e in history if e["event"] == "completed" and e["task_id"] == first]
    assert completed["actor"] == "social_worker_2"
    assert completed["detail"]["for"] == "social_worker"
    claimed = cover.post(f"/api/v1/tasks/{second}/claim")
    assert claimed.status_code == 200 and claimed.json["assignee"] == "social_worker_2"
    history = cover.get(f"/api/v1/process-instances/{second_case}/history").json
    assert history[-1]["event"] == "claimed" and history[-1]["detail"] == {"for": "social_worker"}

    # After it ends: the absent person's own work is theirs alone again.
    _, third = _start(as_user, "C-AWAY-3")
    traveller.move_to("2026-11-28T09:00:00+00:00")
    assert third not in _mine(as_user, "social_worker_2")
    with app.app_context():
        assert reminders.offered_to(db.session.get(HumanTask, third)) == ["social_worker"]
    late = as_user("social_worker_2").post(f"/api/v1/tasks/{third}/complete",
                                           json={"data": SAMPLES["prepare_request"]})
    assert late.status_code == 409


def test_who_may_record_list_and_cancel_an_absence(app, as_user, traveller):
    for recorder, expected in (("social_worker_3", 403), ("team_manager_2", 403),
                               ("panel_chair", 403), ("team_manager", 201)):
        made = as_user(recorder).post("/api/v1/users/social_worker/absences", json=AWAY)
        assert made.status_code == expected, (recorder, made.json)
    absence_id = made.json["id"]
    assert made.json["recorded_by"] == "team_manager"
    assert as_user("administrator").post("/api/v1/users/nobody/absences",
                                         json=AWAY).status_code == 404
    listed = as_user("social_worker").get("/api/v1/users/social_worker/absences")
    assert [a["id"] for a in listed.json] == [absence_id]
    assert as_user("social_worker_3").get(
        "/api/v1/users/social_worker/absences").status_code == 403
    for stranger in ("social_worker_2", "team_manager_2"):  # the cover does not cancel it
        client = as_user(stranger)
        refused = client.client.delete(f"/api/v1/absences/{absence_id}",
                                       headers=client.headers)
        assert refused.status_code == 403
    admin = as_user("administrator")
    for unknown in ("999999", "x1"):
        gone = admin.client.delete(f"/api/v1/absences/{unknown}", headers=admin.headers)
        assert gone.status_code == 404
    cancelled = admin.client.delete(f"/api/v1/absences/{absence_id}", headers=admin.headers)
    assert cancelled.status_code == 204
    assert as_user("social_worker").get("/api/v1/users/social_worker/absences").json == []
    with app.app_context():
        details = [e.detail for e in db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.object_type == "absence", AuditEvent.object_id == absence_id)
            .order_by(AuditEvent.id))]
        # (the last two: a row id may be used again once an earlier test's rows are gone)
        assert [next(iter(d)) for d in details[-2:]] == ["recorded", "cancelled"]
        assert details[-2]["recorded"]["cover"] == "social_worker_2"


def test_an_absence_needs_dates_in_order_and_a_cover_who_can_do_the_work(as_user, traveller):
    client = as_user("social_worker")
    url = "/api/v1/users/social_worker/absences"
    for change, field in (({"cover": "social_worker_3"}, "cover"),  # another team
                          ({"cover": "team_manager"}, "cover"),  # not a social worker
                          ({"cover": "social_worker"}, "cover"),  # themselves
                          ({"cover": "nobody"}, "cover"),
                          ({"ends_on": "2026-11-24"}, "ends_on"),  # before it starts
                          ({"starts_on": "2026-11-01", "ends_on": "2026-11-20"}, "ends_on")):
        refused = client.post(url, json={**AWAY, **change})
        assert refused.status_code == 422, (change, refused.json)
        assert field in refused.json["errors"], (change, refused.json)
    assert client.post(url, json={**AWAY, "ends_on": "27/11/2026"}).status_code == 422
    assert client.post(url, json=AWAY).status_code == 201
    overlapping = client.post(url, json={**AWAY, "starts_on": "2026-11-27",
                                         "ends_on": "2026-12-01"})
    assert overlapping.status_code == 422 and "starts_on" in overlapping.json["errors"]
    # The cover cannot be away at the same time.
    own = as_user("social_worker_2").post("/api/v1/users/social_worker_2/absences", json={
        "starts_on": "2026-12-07", "ends_on": "2026-12-08", "cover": "social_worker"})
    assert own.status_code == 201
    busy = client.post(url, json={**AWAY, "starts_on": "2026-12-08", "ends_on": "2026-12-09"})
    assert busy.status_code == 422 and "cover" in busy.json["errors"]


def test_a_step_kept_apart_from_the_cover_is_not_theirs_to_cover(app, as_user, traveller):
    """separateFrom still holds: the cover is not handed a step they may not do."""
    _, task_id = _start(as_user, "C-APART")
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        task.not_for = ["social_worker_2"]
        db.session.commit()
    assert as_user("social_worker").post("/api/v1/users/social_worker/absences", json={
        **AWAY, "starts_on": "2026-11-23"}).status_code == 201
    assert task_id not in _mine(as_user, "social_worker_2")
    with app.app_context():
        assert reminders.offered_to(db.session.get(HumanTask, task_id)) == ["social_worker"]
    assert as_user("social_worker_2").post(f"/api/v1/tasks/{task_id}/claim").status_code in (
        403, 409)
