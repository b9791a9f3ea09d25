"""New work reaches people: a notice in the inbox when a task is assigned to someone (by the
diagram, a manager or a handover) or arrives in their team's queue, and an email at once or in
a daily digest, as each person chooses. Emails go through the one channel
(app/services/notify.py) and only when the scheduler passes: never while a request waits.

SMTP is tested against the real local SMTP server of tests/test_reminders.py; GOV.UK Notify
against tests/test_notify_transport.py's local HTTP server.
"""
from __future__ import annotations

from datetime import datetime
from email import message_from_string, policy

import pytest

from app.extensions import db
from app.models import Notification, User
from tests.pages.conftest import Browser
from tests.pathways.test_marp import ROLES, SAMPLES
from tests.pathways.walker import Walk
from tests.test_reminders import smtp  # noqa: F401 - the fixture

CHILD = {"child_ref": "C-8101", "name": "Kit Notice"}


def _notes(app, username: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [(n.kind, n.message) for n in db.session.scalars(db.select(Notification).where(
            Notification.username == username).order_by(Notification.id))]


def _scheduler_pass(app) -> None:
    result = app.test_cli_runner().invoke(args=["run-due"])
    assert result.exit_code == 0, result.output


def _mails(sink, to: str) -> list[str]:
    """Each email to `to` as its subject line and decoded text."""
    parsed = [message_from_string(raw, policy=policy.default)
              for tos, raw in sink.messages if to in tos]
    return [f"Subject: {mail['Subject']}\n{mail.get_content()}" for mail in parsed]


def _digests(sink, to: str) -> list[str]:
    return [body for body in _mails(sink, to) if "Subject: Your new work" in body]


def _no_child(sink) -> None:
    for body in [mail for tos, _raw in sink.messages for mail in _mails(sink, tos[0])]:
        assert "Kit Notice" not in body and "C-8101" not in body, \
            "no child's name or reference leaves the system by email"


@pytest.fixture
def frequency(app):
    """Sets people's email choice; the demo users are put back to the default after."""
    def choose(username: str, value: str) -> None:
        with app.app_context():
            db.session.scalar(db.select(User).where(User.username == username)) \
                .email_frequency = value
            db.session.commit()
    yield choose
    with app.app_context():
        db.session.execute(db.update(User).values(email_frequency="immediate"))
        db.session.commit()


def test_a_managers_assignment_reaches_the_person_after_the_request(
        app, as_user, traveller, smtp):  # noqa: F811 - the fixture
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    assert _notes(app, "social_worker") == []  # the request's first step is their own doing
    task_id = walk.task("prepare_request")["id"]
    assigned = as_user("team_manager").post(f"/api/v1/tasks/{task_id}/assign",
                                            json={"username": "social_worker_2"})
    assert assigned.status_code == 200, assigned.json
    [(kind, message)] = _notes(app, "social_worker_2")
    assert kind == "assigned" and "Prepare MARP request" in message and "Kit Notice" in message
    assert smtp.messages == [], "the request did not wait for the mail server"

    _scheduler_pass(app)
    [body] = _mails(smtp, "social_worker_2@panelflow.example")
    assert "Subject: A task has been assigned to you" in body
    assert "Prepare MARP request" in body and "Multi-Agency Resource Panel (MARP)" in body
    assert "It is due 7 December 2026" in body
    assert f"https://panelflow.test/tasks/{task_id}" in body
    _no_child(smtp)
    _scheduler_pass(app)  # (the scheduler also begins CTMP's weekly return: its own emails)
    assert len([mail for mail in _mails(smtp, "social_worker_2@panelflow.example")
                if "Prepare MARP request" in mail]) == 1, "each notice is emailed once"


def test_work_arriving_in_a_teams_queue_reaches_that_team_only(app, as_user, traveller, smtp):  # noqa: F811
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    walk.do("prepare_request")  # "Team manager review" waits, unclaimed, for Locality Team A
    [(kind, message)] = _notes(app, "team_manager")
    assert kind == "queued" and "Team manager review" in message and "queue" in message
    assert _notes(app, "team_manager_2") == []  # Locality Team B: not their case
    assert _notes(app, "social_worker") == []  # they did the step that made it
    _scheduler_pass(app)
    [body] = _mails(smtp, "team_manager@panelflow.example")
    assert "Subject: A new task is waiting for your team" in body
    assert "Team manager review" in body and "due 26 November 2026" in body
    _no_child(smtp)

    # Claimed by the manager: nothing new for anyone. Returned by them: the diagram gives
    # the request back to its writer, who is told.
    walk.clients["team_manager"].post(f"/api/v1/tasks/{walk.task('tm_review')['id']}/claim")
    assert len(_notes(app, "team_manager")) == 1
    walk.do("tm_review", "tm_review__return")
    [(kind, message)] = _notes(app, "social_worker")
    assert kind == "assigned" and "Prepare MARP request" in message


def test_a_handover_tells_the_receiver(app, as_user, traveller):
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    moved = as_user("team_manager").post("/api/v1/users/social_worker/handover",
                                         json={"to": "social_worker_2"})
    assert moved.status_code == 200, moved.json
    [(kind, message)] = _notes(app, "social_worker_2")
    assert kind == "assigned" and "Prepare MARP request" in message
    assert walk.task("prepare_request")["assignee"] == "social_worker_2"


def test_a_released_task_is_offered_to_the_team_again(app, as_user, traveller):
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    task_id = walk.task("prepare_request")["id"]
    assert as_user("social_worker").post(f"/api/v1/tasks/{task_id}/release").status_code == 200
    assert [kind for kind, _m in _notes(app, "social_worker_2")] == ["queued"]
    assert _notes(app, "social_worker") == []  # they let it go themselves
    assert _notes(app, "social_worker_3") == []  # Locality Team B


def test_a_daily_digest_is_one_email_a_day_at_the_configured_hour(
        app, as_user, traveller, smtp, frequency):  # noqa: F811 - the fixture
    frequency("team_manager", "daily")
    app.config["DIGEST_HOUR"] = 8
    first = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller,
                 subject=CHILD)
    first.do("prepare_request")  # Monday 23 November, 10:00: new work for team_manager
    _scheduler_pass(app)
    assert _mails(smtp, "team_manager@panelflow.example") == [], "after today's digest hour"
    traveller.move_to(datetime.fromisoformat("2026-11-23T15:00:00+00:00"))
    second = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller,
                  subject=CHILD)
    second.do("prepare_request")
    second_review = second.task("tm_review")["id"]
    first.at("2026-11-24T07:30:00+00:00")  # Tuesday, before the hour
    assert _digests(smtp, "team_manager@panelflow.example") == []

    first.do("tm_review")  # one of the two is done before the morning: not listed
    first.at("2026-11-24T08:05:00+00:00")
    [body] = _digests(smtp, "team_manager@panelflow.example")
    assert "Subject: Your new work in Panelflow: 1 new task" in body
    assert body.count("Team manager review") == 1
    assert f"https://panelflow.test/tasks/{second_review}" in body
    _no_child(smtp)
    first.at("2026-11-24T08:30:00+00:00")
    assert len(_digests(smtp, "team_manager@panelflow.example")) == 1

    # New work after Tuesday's digest waits for Wednesday's.
    traveller.move_to(datetime.fromisoformat("2026-11-24T09:00:00+00:00"))
    third = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller,
                 subject=CHILD)
    third.do("prepare_request")
    first.at("2026-11-24T17:00:00+00:00")
    assert len(_digests(smtp, "team_manager@panelflow.example")) == 1, "one email a day"
    first.at("2026-11-25T08:01:00+00:00")  # Wednesday's digest has it
    mails = _digests(smtp, "team_manager@panelflow.example")
    assert len(mails) == 2 and "1 new task" in mails[1]
    # Reminders are about dates and never wait for the digest: Monday's review was due
    # Thursday 26 November, so Wednesday's pass also sent a due-soon reminder at once.
    assert all("Subject: Your new work" in body or "Subject: Task due soon" in body
               for body in smtp.messages if "team_manager@" in body)


def test_people_choose_in_their_email_settings(app, frequency):
    browser = Browser(app)
    browser.sign_in("social_worker")
    page = browser.get("/").get_data(as_text=True)
    assert 'href="/settings/email">Email settings</a>' in page
    page = browser.get("/settings/email").get_data(as_text=True)
    assert "social_worker@panelflow.example" in page and "never name the child" in page
    assert 'value="immediate" checked' in page  # the default
    refused = browser.post("/settings/email", {"frequency": "hourly"})
    assert refused.status_code == 422
    assert 'href="#frequency">Select how often you want emails' in refused.get_data(as_text=True)
    saved = browser.post("/settings/email", {"frequency": "daily"})
    assert saved.status_code == 302
    page = browser.get("/settings/email").get_data(as_text=True)
    assert 'value="daily" checked' in page and "Your email settings have been saved" in page
    with app.app_context():
        assert db.session.scalar(db.select(User.email_frequency).where(
            User.username == "social_worker")) == "daily"


def test_a_case_moved_to_another_team_reaches_that_teams_queue(app, as_user, traveller):
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller, subject=CHILD)
    walk.do("prepare_request")  # "Team manager review" waits for Locality Team A
    moved = as_user("team_manager").post(f"/api/v1/process-instances/{walk.id}/team",
                                         json={"team": "Locality Team B"})
    assert moved.status_code == 200, moved.json
    [(kind, message)] = _notes(app, "team_manager_2")
    assert kind == "queued" and "Team manager review" in message
