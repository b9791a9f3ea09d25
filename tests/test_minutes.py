"""After a meeting: the minutes pathway begins by itself with the decisions filled in, the
chair approves (or sends back), distribution marks the meeting minuted, and each decided
case's social worker gets a task to put the note on the child's record."""
from __future__ import annotations

from tests.pages.conftest import Browser
from tests.pathways.test_marp import ROLES, SAMPLES
from tests.pathways.walker import Walk

MINUTES_ROLES = {"draft_minutes": "panel_administrator", "approve_minutes": "panel_chair",
                 "distribute_minutes": "panel_administrator"}
ANSWERS = {
    "draft_minutes": {"attendees": "Service Director (chair); Service Manager, Localities"},
    "approve_minutes__returned": {"minutes_outcome": "returned",
                                  "chair_comments": "Add the funding period."},
    "approve_minutes": {"minutes_outcome": "approved"},
    "distribute_minutes": {"minutes_distributed_on": "2026-12-09", "sent_to_attendees": True},
}



def _decided(app, as_user, traveller) -> tuple[Walk, str]:
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller,
                subject={"child_ref": "C-9001", "name": "Rowan Minutes"})
    for step in ("prepare_request", "tm_review", "sm_approval", "list_for_panel"):
        walk.do(step)
    meeting_id = walk.instance()["listing"]["meeting_id"]
    walk.at("2026-12-08T10:30:00+00:00")  # during the meeting
    walk.do("record_decision", "record_decision__approved_with_conditions")
    return walk, meeting_id


def _minutes(walk: Walk) -> list[dict]:
    return walk.clients["panel_administrator"].get(
        "/api/v1/process-instances?process_model=panel_minutes").json["items"]


def test_minutes_begin_after_the_meeting_with_the_decisions_filled_in(app, as_user, traveller):
    walk, meeting_id = _decided(app, as_user, traveller)
    assert _minutes(walk) == []  # not while the meeting is on
    walk.at("2026-12-08T12:01:00+00:00")  # it ended at 12:00
    [minutes] = _minutes(walk)
    assert minutes["data"]["meeting_id"] == meeting_id
    text = minutes["data"]["minutes_text"]
    assert "Rowan Minutes (C-9001)" in text and "Decision: approved with conditions" in text
    [task] = [t for t in minutes["tasks"] if t["status"] == "ready"]
    assert task["name"] == "draft_minutes"
    assert task["due_at"].startswith("2026-12-11T17:00")  # 3 working days after the meeting
    walk.at("2026-12-09T09:00:00+00:00")
    assert len(_minutes(walk)) == 1  # begun once, however often the scheduler runs


def test_the_chair_sends_them_back_then_approves_and_notes_are_asked_for(app, as_user,
                                                                        traveller):
    walk, meeting_id = _decided(app, as_user, traveller)
    walk.at("2026-12-08T12:01:00+00:00")
    minutes = walk.follow(_minutes(walk)[0]["id"], MINUTES_ROLES, ANSWERS, "panel_administrator")
    text = minutes.data()["minutes_text"]
    minutes.do("draft_minutes", minutes_text=text)
    minutes.do("approve_minutes", "approve_minutes__returned")
    assert minutes.ready() == ["draft_minutes"]
    minutes.do("draft_minutes", minutes_text=text + "\nFunding for 12 months.")
    minutes.do("approve_minutes")
    done = minutes.do("distribute_minutes")
    assert done["status"] == "completed" and done["data"]["notes_requested"] == 1
    meeting = walk.clients["panel_chair"].get(f"/api/v1/meetings/{meeting_id}").json
    assert meeting["status"] == "minuted"
    # The meeting's page shows the minutes as approved (the second draft), to the panel.
    chair = Browser(app)
    chair.sign_in("panel_chair")
    page = chair.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "Approved minutes" in page and "Funding for 12 months." in page
    assert "Service Director (chair); Service Manager, Localities" in page
    notes = walk.clients["social_worker"].get("/api/v1/tasks").json["items"]
    [note] = [t for t in notes if t["process_model"] == "panel_note"]
    assert (note["assignee"], note["subject"]["child_ref"]) == ("social_worker", "C-9001")
    filed = walk.clients["social_worker"].post(f"/api/v1/tasks/{note['id']}/complete", json={
        "data": {"note_placed_on": "2026-12-10", "record_reference": "CN-55012"}})
    assert filed.status_code == 200 and filed.json["instance"]["status"] == "completed"


def test_nobody_can_start_minutes_or_notes_by_hand(as_user):
    for role in ("panel_administrator", "social_worker", "manager"):
        for key in ("panel_minutes", "panel_note"):
            response = as_user(role).post("/api/v1/process-instances", json={"process_model": key})
            assert response.status_code == 403, (role, key)
