"""Users and teams (the API contract): an administrator adds a real person, gives them roles
and a team, changes and deactivates them; a team manager reads their team and hands a
leaver's work over; `flask create-admin` makes the first administrator."""
from __future__ import annotations

import json
from pathlib import Path

from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import AuditEvent, Role, User
from tests.conftest import ROOT

SAMPLES = json.loads((Path(__file__).parents[1] / "pathways" / "marp_samples.json").read_text())
NEW = {"username": "jo.bloggs", "display_name": "Jo Bloggs", "email": "jo@council.example",
       "team": "Locality Team A", "roles": ["social_worker"], "password": "a long pass phrase"}


def test_an_administrator_adds_a_person_who_then_works(app, as_user):
    admin = as_user("administrator")
    made = admin.post("/api/v1/users", json=NEW)
    assert made.status_code == 201, made.json
    assert made.json == {"username": "jo.bloggs", "display_name": "Jo Bloggs",
                         "email": "jo@council.example", "team": "Locality Team A",
                         "service": "Locality Services", "roles": ["social_worker"],
                         "active": True}
    token = app.test_client().post("/api/v1/auth/token", json={
        "username": "jo.bloggs", "password": "a long pass phrase"})
    assert token.status_code == 200
    jo = {"Authorization": f"Bearer {token.json['token']}"}
    started = app.test_client().post("/api/v1/process-instances", headers=jo, json={
        "process_model": "marp", "subject": {"child_ref": "C-JO", "name": "Jo's case"}})
    assert started.status_code == 201
    assert started.json["team"] == "Locality Team A"
    with app.app_context():
        [event] = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.object_type == "user", AuditEvent.object_id == "jo.bloggs")).all()
        assert event.actor == "administrator" and event.action == "change"
        assert event.detail["created"]["roles"] == ["social_worker"]


def test_bad_people_are_refused_with_reasons(as_user):
    admin = as_user("administrator")
    assert admin.post("/api/v1/users", json=NEW).status_code == 201
    assert admin.post("/api/v1/users", json=NEW).status_code == 409
    for change, field in (({"roles": ["wizard"]}, "roles"), ({"team": "Nowhere"}, "team"),
                          ({"password": "short"}, "password")):
        refused = admin.post("/api/v1/users", json={**NEW, "username": "x", **change})
        assert refused.status_code == 422, refused.json
        assert field in refused.json["errors"]
    assert as_user("social_worker").post("/api/v1/users", json={
        **NEW, "username": "y"}).status_code == 403


def test_teams_are_made_in_a_service_and_listed(as_user):
    admin = as_user("administrator")
    made = admin.post("/api/v1/teams", json={"key": "fostering-north", "name": "Fostering North",
                                             "service": "Children in Care"})
    assert made.status_code == 201
    assert made.json == {"key": "fostering-north", "name": "Fostering North",
                         "service": "Children in Care"}
    assert admin.post("/api/v1/teams", json={"key": "fostering-north", "name": "Again",
                                             "service": None}).status_code == 409
    listed = {t["key"]: t["service"] for t in as_user("social_worker").get(
        "/api/v1/teams").json}
    assert listed["fostering-north"] == "Children in Care"
    assert listed["Locality Team B"] == "Locality Services"
    assert as_user("team_manager").post("/api/v1/teams", json={
        "key": "t", "name": "T"}).status_code == 403


def test_people_are_filtered_and_a_team_manager_reads_only_their_team(as_user):
    admin = as_user("administrator")
    names = {u["username"] for u in admin.get(
        "/api/v1/users?team=Locality+Team+B&role=social_worker").json}
    assert names == {"social_worker_3"}
    assert "administrator" in {u["username"] for u in admin.get("/api/v1/users").json}
    own = {u["team"] for u in as_user("team_manager_2").get("/api/v1/users").json}
    assert own == {"Locality Team B"}
    assert as_user("team_manager_2").get(
        "/api/v1/users?team=Locality+Team+A").json == []


def _case_held_by(as_user, username: str) -> tuple[str, str]:
    started = as_user(username).post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-LEAVER", "name": "Leaver's case"}})
    assert started.status_code == 201, started.json
    return started.json["id"], started.json["tasks"][0]["id"]


def test_deactivating_ends_access_at_once_and_returns_their_work(app, as_user):
    admin = as_user("administrator")
    assert admin.post("/api/v1/users", json=NEW).status_code == 201
    leaver = as_user("jo.bloggs")
    instance_id, task_id = _case_held_by(as_user, "jo.bloggs")
    assert leaver.get("/api/v1/me").status_code == 200
    changed = admin.patch("/api/v1/users/jo.bloggs", json={"active": False})
    assert changed.status_code == 200 and changed.json["active"] is False
    assert leaver.get("/api/v1/me").status_code == 401
    assert app.test_client().post("/api/v1/auth/token", json={
        "username": "jo.bloggs", "password": NEW["password"]}).status_code == 401
    task = as_user("manager").get(f"/api/v1/tasks/{task_id}").json
    assert task["assignee"] is None  # back in the social workers' queue
    history = as_user("manager").get(f"/api/v1/process-instances/{instance_id}/history").json
    assert history[-1]["event"] == "released"
    assert "deactivated" in json.dumps(history[-1]["detail"])
    # Back again: they may sign in once more.
    assert admin.patch("/api/v1/users/jo.bloggs", json={"active": True}).status_code == 200
    assert app.test_client().post("/api/v1/auth/token", json={
        "username": "jo.bloggs", "password": NEW["password"]}).status_code == 200


def test_roles_and_team_change_and_the_access_rule_follows(as_user):
    admin = as_user("administrator")
    assert admin.post("/api/v1/users", json=NEW).status_code == 201
    changed = admin.patch("/api/v1/users/jo.bloggs", json={
        "roles": ["team_manager"], "team": "Locality Team B", "display_name": "Jo B"})
    assert changed.status_code == 200, changed.json
    assert changed.json["roles"] == ["team_manager"]
    # Now Team B's manager: reads Team B's people.
    assert {u["team"] for u in as_user("jo.bloggs").get("/api/v1/users").json} == {
        "Locality Team B"}
    assert admin.patch("/api/v1/users/jo.bloggs", json={"roles": ["wizard"]}).status_code == 422
    assert admin.patch("/api/v1/users/nobody", json={"email": None}).status_code == 404


def test_handover_moves_open_work_to_someone_who_may_do_it(as_user):
    _, task_id = _case_held_by(as_user, "social_worker_2")
    refused = as_user("team_manager").post("/api/v1/users/social_worker_2/handover",
                                           json={"to": "team_manager_2"})
    assert refused.status_code == 422  # not a social worker in Team A
    moved = as_user("team_manager").post("/api/v1/users/social_worker_2/handover",
                                         json={"to": "social_worker"})
    assert moved.status_code == 200 and moved.json == {"moved": 1}
    assert as_user("social_worker").get(f"/api/v1/tasks/{task_id}").json[
        "assignee"] == "social_worker"
    assert as_user("team_manager_2").post("/api/v1/users/social_worker/handover",
                                          json={"to": "social_worker_2"}).status_code == 403


def test_an_administrator_sees_no_childs_record(as_user):
    instance_id, task_id = _case_held_by(as_user, "social_worker")
    admin = as_user("administrator")
    assert admin.get(f"/api/v1/process-instances/{instance_id}").status_code == 404
    assert admin.get(f"/api/v1/tasks/{task_id}").status_code == 404
    assert admin.get("/api/v1/process-instances").json["total"] == 0


def test_create_admin_on_an_empty_production_database(empty_database, forms_dir):
    app = create_app({"PANELFLOW_ENV": "production", "SECRET_KEY": "s" * 64,
                      "SQLALCHEMY_DATABASE_URI": empty_database, "DEPLOY_ON_START": False,
                      "FORMS_DIR": str(forms_dir), "PROCESSES_DIR": str(ROOT / "processes")})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-admin", "first.admin", "--display-name", "First Admin",
                               "--email", "admin@council.example"])
    assert made.exit_code == 0, made.output
    assert "flask set-password first.admin" in made.output
    again = runner.invoke(args=["create-admin", "first.admin", "--display-name", "Again"])
    assert again.exit_code != 0 and "already" in again.output
    short = runner.invoke(args=["set-password", "first.admin"], input="short\nshort\n")
    assert short.exit_code != 0
    done = runner.invoke(args=["set-password", "first.admin"],
                         input="a long pass phrase\na long pass phrase\n")
    assert done.exit_code == 0, done.output
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "first.admin",
                                                    "password": "a long pass phrase"})
    assert token.status_code == 200
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json['token']}"})
    assert me.json["roles"] == ["administrator"]
    with app.app_context():
        assert db.session.get(Role, "social_worker") is not None  # every lane's role exists
        db.engine.dispose()
