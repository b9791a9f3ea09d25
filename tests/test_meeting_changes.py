"""Cancelling or moving a meeting, and taking a late case as urgent: the cases follow, their
timers follow, and the people working on them are told."""
from __future__ import annotations

import threading
from datetime import datetime

from app.engine.working_days import LONDON
from app.extensions import db
from app.models import HistoryEvent, Meeting, Notification
from app.services import meeting_changes
from tests.pathways.test_marp import ROLES, SAMPLES
from tests.pathways.walker import Walk


def _waiting_for_meeting(app, as_user, traveller, approved_at: str, child: str) -> Walk:
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller,
                subject={"child_ref": child, "name": f"Child {child}"})
    walk.do("prepare_request")
    walk.do("tm_review")
    walk.at(approved_at)
    walk.do("sm_approval")
    walk.do("list_for_panel", panel_meeting_date=walk.data()["panel_meeting_date"])
    return walk


def _day(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(LONDON).date().isoformat()


def _told(app, username: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(Notification.message).where(
            Notification.username == username, Notification.kind == "meeting_changed")))


def test_cancelling_a_meeting_moves_its_cases_and_their_timers(app, as_user, traveller):
    walk = _waiting_for_meeting(app, as_user, traveller, "2026-11-23T10:00:00+00:00", "C-1")
    meeting_id = walk.instance()["listing"]["meeting_id"]
    admin = walk.clients["panel_administrator"]
    response = admin.post(f"/api/v1/meetings/{meeting_id}/cancel",
                          json={"reason": "The chair is unavailable"})
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["items"]) == ("cancelled", [])
    listing = walk.instance()["listing"]
    assert _day(listing["starts_at"]) == "2026-12-22"
    assert walk.data()["panel_meeting_date"] == "2026-12-22"
    walk.at("2026-12-08T09:00:00+00:00")
    assert walk.ready() == []  # the old date no longer opens the chair's task
    walk.at("2026-12-22T00:01:00+00:00")
    assert walk.ready() == ["record_decision"]
    [message] = _told(app, "social_worker")
    assert "now listed for 22 December 2026" in message and "chair is unavailable" in message
    with app.app_context():
        assert db.session.scalar(db.select(HistoryEvent.event).where(
            HistoryEvent.instance_id == walk.id, HistoryEvent.event == "relisted"))
    again = walk.clients["panel_administrator"].post(f"/api/v1/meetings/{meeting_id}/cancel",
                                                     json={"reason": "twice"})
    assert again.status_code == 409


def test_moving_a_meeting_takes_its_cases_to_the_new_day(app, as_user, traveller):
    walk = _waiting_for_meeting(app, as_user, traveller, "2026-11-23T10:00:00+00:00", "C-2")
    meeting_id = walk.instance()["listing"]["meeting_id"]
    chair = walk.clients["panel_chair"]
    past = chair.post(f"/api/v1/meetings/{meeting_id}/move",
                      json={"starts_on": "2026-11-20", "reason": "typo"})
    assert past.status_code == 422 and "starts_on" in past.json["errors"]
    moved = chair.post(f"/api/v1/meetings/{meeting_id}/move",
                       json={"starts_on": "2026-12-10", "reason": "Room unavailable"}).json
    assert moved["starts_at"].startswith("2026-12-10T10:00")
    assert moved["submission_deadline"].startswith("2026-12-03T16:00")  # 5 working days
    assert "Moved from 2026-12-08 to 2026-12-10" in moved["note"]
    assert walk.data()["panel_meeting_date"] == "2026-12-10"
    walk.at("2026-12-08T09:00:00+00:00")
    assert walk.ready() == []
    walk.at("2026-12-10T00:01:00+00:00")
    assert walk.ready() == ["record_decision"]
    assert _told(app, "social_worker")


def test_the_chair_takes_a_late_case_as_urgent(app, as_user, traveller):
    late = _waiting_for_meeting(app, as_user, traveller, "2026-12-01T16:01:00+00:00", "C-3")
    assert _day(late.instance()["listing"]["starts_at"]) == "2026-12-22"
    meetings = as_user("panel_chair").get(
        "/api/v1/panels/marp/meetings?from=2026-12-08&to=2026-12-08").json
    earlier = meetings[0]["id"]
    body = {"instance_id": late.id, "reason": "Placement breaks down this week"}
    assert late.clients["panel_administrator"].post(
        f"/api/v1/meetings/{earlier}/items", json=body).status_code == 403
    taken = late.clients["panel_chair"].post(f"/api/v1/meetings/{earlier}/items", json=body)
    assert taken.status_code == 200, taken.json
    [item] = taken.json["items"]
    assert (item["instance_id"], item["late"]) == (late.id, True)
    assert late.data()["panel_meeting_date"] == "2026-12-08"
    late.at("2026-12-08T00:01:00+00:00")
    assert late.ready() == ["record_decision"]
    again = late.clients["panel_chair"].post(f"/api/v1/meetings/{earlier}/items", json=body)
    assert again.status_code in (409, 422)


def test_a_cancel_and_a_move_at_once_leave_the_meeting_as_the_first_left_it(
        app, as_user, traveller, monkeypatch):
    """The cancel holds the meeting while it relists the cases; the move waits, then finds the
    meeting cancelled (409) instead of moving a cancelled meeting's date."""
    walk = _waiting_for_meeting(app, as_user, traveller, "2026-11-23T10:00:00+00:00", "C-9")
    meeting_id = walk.instance()["listing"]["meeting_id"]
    admin, chair = walk.clients["panel_administrator"], walk.clients["panel_chair"]
    cancelling, moved = threading.Event(), threading.Event()
    real_next = meeting_changes.panels.next_meeting

    def slow_next(*args, **kwargs):  # in the cancel, after the meeting is marked cancelled
        cancelling.set()
        moved.wait(timeout=1.5)
        return real_next(*args, **kwargs)

    monkeypatch.setattr(meeting_changes.panels, "next_meeting", slow_next)
    results = {}

    def cancel():
        results["cancel"] = admin.post(f"/api/v1/meetings/{meeting_id}/cancel",
                                       json={"reason": "The chair is unavailable"})

    def move():
        cancelling.wait(timeout=10)
        results["move"] = chair.post(f"/api/v1/meetings/{meeting_id}/move",
                                     json={"starts_on": "2026-12-10", "reason": "Room"})
        moved.set()

    threads = [threading.Thread(target=cancel), threading.Thread(target=move)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results["cancel"].status_code == 200
    assert results["move"].status_code == 409, results["move"].json
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status == "cancelled"
        assert meeting.starts_at.astimezone(LONDON).date().isoformat() == "2026-12-08"
