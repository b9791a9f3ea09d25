"""The child's allocated social worker (issue 19 item 3): the steps the seeds give to "the
child's social worker" go to the case's allocated worker, not to whoever started the case.

Seed (decision-making-forums, Placement Forum Parts 2 and 3, "Other information"): "Notes from
the meeting will be distributed within 3 working days. Where discussions relate to specific
children it is the responsibility of the child's social worker to ensure that a note of the
discussion is placed on the child's electronic record."
"""
from __future__ import annotations

from app.engine.working_days import LONDON
from app.extensions import db
from app.models import AuditEvent, HistoryEvent, Meeting, MeetingItem, ProcessInstance, User
from app.web import known_facts
from tests.pages.conftest import Browser
from tests.pathways import test_placement_forum_1 as pf1
from tests.pathways import test_placement_forum_2 as pf2
from tests.pathways import test_placement_forum_3 as pf3
from tests.pathways import test_ppm as ppm
from tests.pathways.walker import Walk
from tests.test_minutes import ANSWERS as MINUTES_ANSWERS
from tests.test_minutes import MINUTES_ROLES


def _walk(app, as_user, traveller, key: str, roles: dict, answers: dict, starter: str,
          allocated: str | None, child_ref: str) -> Walk:
    """A Walk whose case is started with an allocated worker named in the body."""
    body = {"process_model": key, "subject": {"child_ref": child_ref, "name": "Ari Allocated"}}
    if allocated:
        body["allocated_worker"] = allocated
    created = as_user(starter).post("/api/v1/process-instances", json=body)
    assert created.status_code == 201, created.json
    walk = Walk.__new__(Walk)
    walk.app, walk.key, walk.roles, walk.answers = app, key, roles, answers
    walk.traveller, walk.as_user, walk.starter = traveller, as_user, starter
    walk.clients = walk._sign_in({*roles.values(), starter, "panel_administrator",
                                  "panel_chair", "manager"})
    walk.id = created.json["id"]
    return walk


def _minute_meeting(walk: Walk, day: str) -> None:
    """After the meeting: the minutes are drafted, approved and distributed."""
    walk.at(f"{day}T23:00:00+00:00")
    found = walk.clients["panel_administrator"].get(
        "/api/v1/process-instances?process_model=panel_minutes").json["items"]
    [minutes] = [m for m in found if m["data"]["meeting_date"] == day]
    run = walk.follow(minutes["id"], MINUTES_ROLES, MINUTES_ANSWERS, "panel_administrator")
    run.do("draft_minutes", minutes_text=run.data()["minutes_text"])
    run.do("approve_minutes")
    assert run.do("distribute_minutes")["data"]["notes_requested"] >= 1


def _decided_on(app, instance_id: str) -> str:
    """The day of the meeting the case's decision was recorded against (for Part 3's weekly
    listing this is the meeting it is listed for when the decision is recorded)."""
    with app.app_context():
        starts = db.session.scalar(db.select(Meeting.starts_at).join(MeetingItem).where(
            MeetingItem.instance_id == instance_id, MeetingItem.decision.is_not(None)))
        db.session.remove()
    return starts.astimezone(LONDON).date().isoformat()


def _notes(walk: Walk, child_ref: str) -> list[dict]:
    found = walk.clients["manager"].get(
        f"/api/v1/process-instances?process_model=panel_note&child_ref={child_ref}").json
    return [t for case in found["items"] for t in case["tasks"] if t["status"] == "ready"]


def test_part_2_note_goes_to_the_allocated_worker_not_the_service_manager(
        app, as_user, traveller):
    """Placement Forum Part 2 is begun by a service manager; the note of its discussion is
    the child's social worker's to put on the record (seed, Part 2, "Other information")."""
    walk = _walk(app, as_user, traveller, "placement_forum_2", pf2.ROLES, pf2.ANSWERS,
                 "service_manager", "social_worker_2", "C-7201")
    assert walk.instance()["allocated_worker"] == {"username": "social_worker_2",
                                                   "name": _name(app, "social_worker_2")}
    walk.do("prepare_review")
    walk.at("2026-11-25T08:01:00+00:00")
    walk.do("record_decision")
    _minute_meeting(walk, "2026-11-25")
    [note] = _notes(walk, "C-7201")
    assert note["assignee"] == "social_worker_2"
    # They see the case itself too (issue 19: the allocated worker sees their case).
    assert as_user("social_worker_2").get(
        f"/api/v1/process-instances/{walk.id}").status_code == 200


def test_part_3_begun_from_part_1_keeps_the_worker_the_team_manager_allocated(
        app, as_user, traveller):
    """Part 3 is begun by the service from Part 1: its weekly update ("Social workers will
    need to send updates", Part 3) and the note of its discussion go to the child's social
    worker, who is the one the team manager allocated on Part 1, not "system"."""
    walk = _walk(app, as_user, traveller, "placement_forum_1", pf1.ROLES, pf1.ANSWERS,
                 "social_worker", None, "C-7301")
    assert walk.instance()["allocated_worker"]["username"] == "social_worker"  # the starter
    walk.do("prepare_request", "prepare_request__ooa_residential")
    moved = _put(as_user, "team_manager", walk.id, "social_worker_2")
    assert moved.status_code == 200, moved.json
    pf1._to_forum(walk)
    walk.do("record_decision")
    [tracked] = [c for c in pf1._tracking(walk) if c["subject"]["child_ref"] == "C-7301"]
    assert tracked["allocated_worker"]["username"] == "social_worker_2"
    part3 = walk.follow(tracked["id"], pf3.ROLES, pf3.ANSWERS, "team_manager")
    part3.do("record_placement", **pf3.OUT_OF_AUTHORITY)
    update = part3.task("sw_update")
    assert update["assignee"] == "social_worker_2"
    done = as_user("social_worker_2").post(f"/api/v1/tasks/{update['id']}/complete",
                                           json={"data": pf3.ANSWERS["sw_update"]})
    assert done.status_code == 200, done.json
    part3.do("update_tracker")
    meeting = part3.data()["tracking_meeting_date"]
    part3.at(f"{meeting}T12:01:00+00:00")
    part3.do("record_tracking")
    _minute_meeting(part3, _decided_on(app, part3.id))
    notes = _notes(part3, "C-7301")
    assert notes and {n["assignee"] for n in notes} == {"social_worker_2"}


def test_permanence_note_goes_to_the_allocated_worker_not_the_administrator(
        app, as_user, traveller):
    """The permanence planning meeting is begun by the panel administrator; the tracker and
    the note are the child's social worker's."""
    walk = _walk(app, as_user, traveller, "ppm", ppm.ROLES, ppm.ANSWERS, "panel_administrator",
                 "social_worker", "C-7401")
    walk.do("record_review")
    walk.do("invite")
    assert walk.task("complete_tracker")["assignee"] == "social_worker"
    walk.do("complete_tracker")
    walk.at("2026-12-03T13:01:00+00:00")
    walk.do("record_outcome", "record_outcome__endorsed")
    walk.do("distribute_notes")
    _minute_meeting(walk, "2026-12-03")
    [note] = _notes(walk, "C-7401")
    assert note["assignee"] == "social_worker"


def test_without_a_social_worker_nobody_is_allocated_until_the_team_manager_does(
        app, as_user, traveller):
    walk = _walk(app, as_user, traveller, "ppm", ppm.ROLES, ppm.ANSWERS, "panel_administrator",
                 None, "C-7402")
    assert walk.instance()["allocated_worker"] is None
    walk.do("record_review")
    walk.do("invite")
    assert walk.task("complete_tracker")["assignee"] is None  # the team's queue meanwhile
    changed = _put(as_user, "manager", walk.id, "social_worker_2")
    assert changed.status_code == 200
    assert walk.task("complete_tracker")["assignee"] == "social_worker_2"


def _name(app, username: str) -> str:
    with app.app_context():
        name = db.session.scalar(db.select(User.display_name).where(User.username == username))
        db.session.remove()
    return name


def _marp(as_user) -> dict:
    started = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-7501", "name": "Ari Allocated"}})
    assert started.status_code == 201
    return started.json


def _put(as_user, who: str, instance_id: str, worker: str):
    client = as_user(who)
    return client.client.put(f"/api/v1/process-instances/{instance_id}/allocated-worker",
                             json={"allocated_worker": worker}, headers=client.headers)


def test_changing_the_worker_moves_their_open_steps_and_is_in_the_history(app, as_user):
    case = _marp(as_user)
    assert case["allocated_worker"]["username"] == "social_worker"
    assert case["tasks"][0]["assignee"] == "social_worker"
    changed = _put(as_user, "team_manager", case["id"], "social_worker_2")
    assert changed.status_code == 200
    assert changed.json["allocated_worker"]["username"] == "social_worker_2"
    assert changed.json["tasks"][0]["assignee"] == "social_worker_2"
    history = as_user("team_manager").get(
        f"/api/v1/process-instances/{case['id']}/history").json
    assert any(e["event"] == "allocated_worker_changed" and e["actor"] == "team_manager"
               for e in history)
    with app.app_context():  # the audit trail says who changed what on which child's case
        changes = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.child_ref == "C-7501", AuditEvent.action == "change")).all()
        assert any((e.detail or {}).get("allocated_worker")
                   == {"from": "social_worker", "to": "social_worker_2"}
                   and e.actor == "team_manager" for e in changes)
        db.session.remove()


def test_who_may_change_the_worker_and_to_whom(app, as_user):
    case = _marp(as_user)
    assert _put(as_user, "social_worker", case["id"], "social_worker_2").status_code == 403
    assert _put(as_user, "process_owner", case["id"], "social_worker_2").status_code == 403
    assert _put(as_user, "team_manager_2", case["id"], "social_worker_3").status_code == 404
    # Only a social worker of the case's team: not another team's, not another role.
    wrong_team = _put(as_user, "team_manager", case["id"], "social_worker_3")
    assert wrong_team.status_code == 422 and "allocated_worker" in wrong_team.json["errors"]
    assert _put(as_user, "team_manager", case["id"], "panel_chair").status_code == 422
    assert _put(as_user, "team_manager", case["id"], "nobody_here").status_code == 422
    assert _put(as_user, "team_manager", case["id"], "social_worker").status_code == 422  # same
    assert _put(as_user, "head_of_service", case["id"], "social_worker_2").status_code == 200
    as_user("manager").post(f"/api/v1/process-instances/{case['id']}/terminate",
                            json={"reason": "Test"})
    assert _put(as_user, "manager", case["id"], "social_worker").status_code == 409


def test_a_worker_named_at_start_must_be_a_social_worker_of_the_team(as_user):
    for worker in ("social_worker_3", "team_manager", "nobody_here"):
        refused = as_user("social_worker").post("/api/v1/process-instances", json={
            "process_model": "marp", "subject": {"child_ref": "C-7601"},
            "allocated_worker": worker})
        assert refused.status_code == 422 and "allocated_worker" in refused.json["errors"]
    named = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-7601"},
        "allocated_worker": "social_worker_2"})
    assert named.status_code == 201
    assert named.json["allocated_worker"]["username"] == "social_worker_2"


def test_the_case_page_shows_the_name_and_changes_it_after_confirming(app, as_user):
    case = _marp(as_user)
    manager = Browser(app)
    manager.sign_in("team_manager")
    page = manager.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Child's social worker" in page and _name(app, "social_worker") in page
    assert 'name="allocated_worker"' in page
    url = f"/cases/{case['id']}/allocated-worker"
    asked = manager.post(url, {"allocated_worker": "social_worker_2"})
    assert asked.status_code == 200 and "Yes, allocate to" in asked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ProcessInstance, case["id"]).allocated_worker == "social_worker"
        db.session.remove()
    done = manager.post(url, {"allocated_worker": "social_worker_2", "confirmed": "1"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(ProcessInstance, case["id"]).allocated_worker == "social_worker_2"
        assert db.session.scalar(db.select(HistoryEvent).where(
            HistoryEvent.instance_id == case["id"],
            HistoryEvent.event == "allocated_worker_changed")) is not None
        db.session.remove()
    after = manager.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert (f"changed the child&#39;s social worker ({_name(app, 'social_worker')} → "
            f"{_name(app, 'social_worker_2')})") in after
    # Another team's social worker is refused with a message, nothing changed.
    refused = manager.post(url, {"allocated_worker": "social_worker_3", "confirmed": "1"})
    assert refused.status_code == 302
    social_worker = Browser(app)
    social_worker.sign_in("social_worker")
    assert social_worker.post(url, {"allocated_worker": "social_worker"}).status_code == 403
    page = social_worker.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert 'name="allocated_worker"' not in page  # no form for those who may not


def test_the_allocated_worker_is_prefilled_by_name_not_the_starter(app, as_user):
    """Issue 16 item 7: known facts, including the allocated worker, are prefilled."""
    started = as_user("service_manager").post("/api/v1/process-instances", json={
        "process_model": "placement_forum_2", "subject": {"child_ref": "C-7701"},
        "allocated_worker": "social_worker_2"})
    assert started.status_code == 201
    schema = {"properties": {"allocated_worker": {"type": "string"}}}
    with app.app_context():
        instance = db.session.get(ProcessInstance, started.json["id"])
        values = known_facts.prefill(schema, instance, {})
        db.session.remove()
    assert values["allocated_worker"] == _name(app, "social_worker_2")


def test_minutes_3_days_are_read_as_working_days_and_the_rule_says_so(app, as_user,
                                                                      traveller):
    """Seed, Governance & Quality Assurance: "Minutes will be distributed within 3 days of the
    forum" (Parts 2 and 3 say "3 working days"). We read working days: a Friday forum's
    minutes are due on Wednesday, not on the Monday that 3 calendar days would give."""
    walk = _walk(app, as_user, traveller, "placement_forum_1", pf1.ROLES, pf1.ANSWERS,
                 "social_worker", None, "C-7801")
    walk.do("prepare_request")
    pf1._to_forum(walk)  # Friday 27 November 2026
    walk.do("record_decision")
    walk.at("2026-11-27T23:00:00+00:00")
    found = walk.clients["panel_administrator"].get(
        "/api/v1/process-instances?process_model=panel_minutes").json["items"]
    [minutes] = [m for m in found if m["data"]["meeting_date"] == "2026-11-27"]
    [draft] = [t for t in minutes["tasks"] if t["status"] == "ready"]
    assert draft["due_at"].startswith("2026-12-02T17:00")  # Wednesday; not Monday 30th
    assert "within 3 days of the forum" in draft["due_rule"]
    assert "read as 3 working days" in draft["due_rule"]


def test_part_3_note_goes_to_part_1s_social_worker_not_the_system(app, as_user, traveller):
    """The defect as reported, with nothing but the pathways: Part 3 is begun by the service
    from Part 1, and its note went to its starter, "system". It is the child's social worker's
    (seed, Part 3, "Other information")."""
    walk = Walk(app, as_user, "placement_forum_1", pf1.ROLES, pf1.ANSWERS, "social_worker",
                traveller, subject={"child_ref": "C-7302", "name": "Ari Allocated"})
    walk.do("prepare_request", "prepare_request__ooa_residential")
    pf1._to_forum(walk)
    walk.do("record_decision")
    [tracked] = [c for c in pf1._tracking(walk) if c["subject"]["child_ref"] == "C-7302"]
    part3 = walk.follow(tracked["id"], pf3.ROLES, pf3.ANSWERS, "team_manager")
    part3.clients.update(walk._sign_in({"panel_administrator", "manager"}))
    part3.do("record_placement", **pf3.OUT_OF_AUTHORITY)
    part3.do("sw_update")
    part3.do("update_tracker")
    part3.at(f"{part3.data()['tracking_meeting_date']}T12:01:00+00:00")
    part3.do("record_tracking")
    _minute_meeting(part3, _decided_on(app, part3.id))
    notes = _notes(part3, "C-7302")
    assert notes and {n["assignee"] for n in notes} == {"social_worker"}


def test_the_start_page_asks_for_the_childs_social_worker(app):
    """A service manager begins Part 2 for a child: they choose the child's social worker
    among their team's social workers (another team's is refused); a social worker starting a
    request is the default."""
    manager = Browser(app)
    manager.sign_in("service_manager")
    page = manager.get("/start/placement_forum_2").get_data(as_text=True)
    assert 'name="allocated_worker"' in page
    assert _name(app, "social_worker_2") in page and _name(app, "social_worker_3") not in page
    assert '<option value="" selected>' in page  # not a social worker: nobody by default
    form = {"child_ref": "C-7901", "name": "Ari Allocated"}
    refused = manager.post("/start/placement_forum_2", {**form, "allocated_worker":
                                                        "social_worker_3"})
    assert refused.status_code == 422
    assert "is not in this case&#39;s team" in refused.get_data(as_text=True)
    started = manager.post("/start/placement_forum_2", {**form, "allocated_worker":
                                                        "social_worker_2"})
    assert started.status_code == 302
    with app.app_context():
        instance = db.session.scalar(db.select(ProcessInstance).where(
            ProcessInstance.child_ref == "C-7901"))
        assert instance.allocated_worker == "social_worker_2"
        db.session.remove()
    social_worker = Browser(app)
    social_worker.sign_in("social_worker")
    own = social_worker.get("/start/marp").get_data(as_text=True)
    assert '<option value="social_worker" selected>' in own


def test_a_handover_gives_the_leavers_cases_and_a_leaver_gets_no_new_steps(
        app, as_user, traveller):
    """A worker who leaves: their team manager hands their work over, allocations included;
    a deactivated worker still named on a case is not given its next step (the team's
    queue is)."""
    walk = _walk(app, as_user, traveller, "ppm", ppm.ROLES, ppm.ANSWERS, "panel_administrator",
                 "social_worker_2", "C-8001")
    handed = as_user("team_manager").post("/api/v1/users/social_worker_2/handover",
                                          json={"to": "social_worker"})
    assert handed.status_code == 200, handed.json
    assert walk.instance()["allocated_worker"]["username"] == "social_worker"
    other = _walk(app, as_user, traveller, "ppm", ppm.ROLES, ppm.ANSWERS,
                  "panel_administrator", "social_worker_2", "C-8002")
    other.do("record_review")
    left = as_user("administrator").patch("/api/v1/users/social_worker_2",
                                          json={"active": False})
    assert left.status_code == 200, left.json
    other.do("invite")
    assert other.task("complete_tracker")["assignee"] is None
