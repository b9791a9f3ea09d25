"""The administrator's people and teams pages (issue 18, part 1), and a team manager's
read-only view of their own team with handover."""
from __future__ import annotations

import json
from pathlib import Path

from app.extensions import db
from app.models import AuditEvent, HumanTask, User

SAMPLES = json.loads((Path(__file__).parents[1] / "pathways" / "marp_samples.json").read_text())
NEW = {"display_name": "Kit Page", "username": "kit.page", "email": "kit@council.example",
       "team": "Locality Team A", "roles": ["social_worker"], "password": "a long pass phrase"}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _start(as_user, username: str, child_ref: str = "C-PEOPLE") -> str:
    started = as_user(username).post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": child_ref, "name": child_ref}})
    assert started.status_code == 201, started.json
    return started.json["tasks"][0]["id"]


def test_the_administrator_finds_people_by_name_team_role_and_status(browser):
    admin = browser("administrator")
    page = _text(admin.get("/admin/people"))
    assert "Sam Carter (Social Worker)" in page and "Lee Marsh (Social Worker)" in page
    assert "Locality Team B" in page and "Active" in page
    # The administrator's menu: people and teams, no case pages.
    menu = page.split('id="navigation"')[1].split("</ul>")[0]
    assert ">People<" in menu and ">Teams<" in menu
    assert "Cases" not in menu and "Dashboard" not in menu
    found = _text(admin.get("/admin/people?q=priya"))
    assert "Priya Lane" in found and "Sam Carter" not in found
    found = _text(admin.get("/admin/people?q=social_worker_3%40panelflow"))  # by email
    assert "Lee Marsh" in found and "Priya Lane" not in found
    found = _text(admin.get("/admin/people?team=Locality+Team+B&role=social_worker"))
    assert "Lee Marsh" in found and "Dana Okafor" not in found and "Sam Carter" not in found
    found = _text(admin.get("/admin/people?role=team_manager"))
    assert "Alex Morgan" in found and "Dana Okafor" in found and "Sam Carter" not in found
    assert "No people match" in _text(admin.get("/admin/people?active=no"))


def test_adding_a_person_says_what_to_fix_and_keeps_what_was_typed(app, browser):
    admin = browser("administrator")
    form = _text(admin.get("/admin/people/new"))
    assert 'name="password"' in form and "Locality Team A" in form and "Social Worker" in form
    refused = admin.post("/admin/people/new", {
        **NEW, "display_name": "", "email": "not an email", "password": "short",
        "roles": ["social_worker", "team_manager"]})
    page = _text(refused)
    assert refused.status_code == 422
    assert "<title>Error: Add a person" in page and "There is a problem" in page
    assert 'href="#display_name">Enter the person&#39;s full name' in page
    assert 'href="#email">Enter an email address in the correct format' in page
    assert 'href="#password">Use a password of at least 12 characters' in page
    assert 'value="kit.page"' in page and 'value="not an email"' in page  # kept as typed
    assert page.count(" checked>") == 2 and 'value="Locality Team A" selected' in page
    assert 'aria-describedby="display_name-hint display_name-error"' in page
    made = admin.post("/admin/people/new", NEW)
    assert made.status_code == 302 and made.headers["Location"] == "/admin/people/kit.page"
    shown = _text(admin.get("/admin/people/kit.page"))
    assert "Kit Page has been added" in shown and "kit@council.example" in shown
    again = admin.post("/admin/people/new", NEW)
    assert again.status_code == 422 and "There is already a person" in _text(again)
    with app.app_context():
        # (audit events outlive each test: the latest is this one)
        event = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.object_id == "kit.page").order_by(AuditEvent.id.desc())).first()
        assert event.actor == "administrator" and "created" in event.detail
    jo = browser()
    jo.sign_in("kit.page", NEW["password"])
    assert "Your inbox" in _text(jo.get("/"))


def test_without_password_sign_in_no_password_is_asked_for(app, browser, monkeypatch):
    admin = browser("administrator")  # signed in before passwords are turned off
    admin.get("/admin/people/new")  # a page with a CSRF token, for the post below
    monkeypatch.setitem(app.config, "PASSWORD_LOGIN", False)
    assert 'name="password"' not in _text(admin.get("/admin/people/new"))
    made = admin.post("/admin/people/new", {**NEW, "password": "ignored, not set"})
    assert made.status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "kit.page"))
        assert user.password_hash == "!"


def test_changing_a_persons_name_email_team_and_roles(app, browser):
    admin = browser("administrator")
    assert admin.post("/admin/people/new", NEW).status_code == 302
    form = _text(admin.get("/admin/people/kit.page/change"))
    assert 'value="Kit Page"' in form
    refused = admin.post("/admin/people/kit.page/change", {
        "display_name": "Kit P", "email": "nope", "team": "Locality Team B",
        "roles": ["social_worker"]})
    assert refused.status_code == 422 and 'value="nope"' in _text(refused)
    changed = admin.post("/admin/people/kit.page/change", {
        "display_name": "Kit Page-Smith", "email": "", "team": "Locality Team B",
        "roles": ["social_worker", "team_manager"]})
    assert changed.status_code == 302
    shown = _text(admin.get("/admin/people/kit.page"))
    assert "Kit Page-Smith" in shown and "Social Worker, Team Manager" in shown
    assert "Locality Team B" in shown and "Not given" in shown
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "kit.page"))
        assert user.team == "Locality Team B" and user.email is None
        assert [t.key for t in user.managed_teams] == ["Locality Team B"]


def test_deactivating_asks_first_and_says_what_will_happen(app, browser, as_user):
    task_id = _start(as_user, "social_worker_2")
    worker = browser("social_worker_2")
    admin = browser("administrator")
    person = _text(admin.get("/admin/people/social_worker_2"))
    assert "Deactivate Priya Lane" in person
    confirm = _text(admin.get("/admin/people/social_worker_2/deactivate"))
    assert "Deactivate Priya Lane (Social Worker)?" in confirm
    assert "signed out everywhere at once" in confirm
    assert "their 1 open task goes back to the queue" in confirm
    with app.app_context():  # nothing happens before the button
        assert db.session.get(HumanTask, task_id).assignee == "social_worker_2"
    done = admin.post("/admin/people/social_worker_2/deactivate")
    assert done.status_code == 302
    assert "Deactivated" in _text(admin.get("/admin/people/social_worker_2"))
    assert worker.get("/").status_code == 302  # signed out at once
    with app.app_context():
        assert db.session.get(HumanTask, task_id).assignee is None
    assert "Priya Lane" in _text(admin.get("/admin/people?active=no"))
    assert admin.post("/admin/people/social_worker_2/reactivate").status_code == 302
    assert "can sign in again" in _text(admin.get("/admin/people/social_worker_2"))
    browser("social_worker_2")  # signs in again
    own = _text(admin.get("/admin/people/administrator/deactivate"))
    assert "You cannot deactivate yourself" in own


def test_a_team_manager_reads_their_team_and_hands_a_leavers_work_over(app, browser, as_user):
    task_id = _start(as_user, "social_worker")
    manager = browser("team_manager")
    page = _text(manager.get("/admin/people"))
    assert "Sam Carter" in page and "Lee Marsh" not in page and "Add a person" not in page
    person = _text(manager.get("/admin/people/social_worker"))
    assert "Hand over their work" in person and "Change" not in person
    assert "Deactivate" not in person
    assert manager.get("/admin/people/social_worker_3").status_code == 404
    assert manager.get("/admin/people/new").status_code == 403
    assert manager.get("/admin/people/social_worker/change").status_code == 403
    assert manager.get("/admin/teams").status_code == 403
    form = _text(manager.get("/admin/people/social_worker/handover"))
    assert "holds 1 open task" in form and "Priya Lane" in form and "Lee Marsh" not in form
    empty = manager.post("/admin/people/social_worker/handover", {"to": ""})
    assert empty.status_code == 422 and "Choose who should get their work" in _text(empty)
    moved = manager.post("/admin/people/social_worker/handover", {"to": "social_worker_2"})
    assert moved.status_code == 302
    assert "1 task handed over to Priya Lane" in _text(manager.get(moved.headers["Location"]))
    with app.app_context():
        assert db.session.get(HumanTask, task_id).assignee == "social_worker_2"
    admin = browser("administrator")
    refused = admin.post("/admin/people/social_worker_2/handover", {"to": "social_worker_3"})
    assert refused.status_code == 422 and "does not do this step" in _text(refused)
    worker = browser("social_worker")
    assert worker.get("/admin/people").status_code == 403
    assert ">People<" not in _text(worker.get("/"))


def test_teams_are_listed_with_their_service_and_added(browser):
    admin = browser("administrator")
    page = _text(admin.get("/admin/teams"))
    assert "Locality Team A" in page and "Locality Services" in page
    refused = admin.post("/admin/teams/new", {"name": "", "key": "", "service": ""})
    assert refused.status_code == 422 and 'href="#name">Enter the team&#39;s name' in _text(
        refused)
    assert "#key" not in _text(refused)
    made = admin.post("/admin/teams/new", {"name": "Fostering North", "key": "",
                                           "service": "", "new_service": "Children in Care"})
    assert made.status_code == 302
    page = _text(admin.get("/admin/teams"))
    assert "Fostering North has been added" in page and "Children in Care" in page
    again = admin.post("/admin/teams/new", {"name": "Fostering North", "key": "",
                                            "service": "Locality Services"})
    assert again.status_code == 422 and "There is already a team" in _text(again)
    assert "Fostering North (Children in Care)" in _text(admin.get("/admin/people/new"))


def test_an_administrator_sees_no_childs_record(browser, as_user):
    task_id = _start(as_user, "social_worker")
    admin = browser("administrator")
    assert admin.get(f"/tasks/{task_id}").status_code == 404
    assert admin.get("/cases").status_code == 403
