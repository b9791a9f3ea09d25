"""Panels: configuration from the terms of reference, meetings generated around bank
holidays, cut-offs, and cases listed on the right meeting."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert

from app.engine.working_days import LONDON, is_working_day
from app.extensions import db
from app.models import AuditEvent, Meeting, MeetingStatus, Panel
from app.services import panels
from tests.pages.conftest import Browser
from tests.pathways.test_marp import ROLES as MARP_ROLES
from tests.pathways.test_marp import SAMPLES as MARP_SAMPLES
from tests.pathways.test_pct import ANSWERS as PCT_ANSWERS
from tests.pathways.test_pct import ROLES as PCT_ROLES
from tests.pathways.walker import Walk

KEYS = sorted(["marp", "pct", "ppm", "placement_forum_1", "placement_forum_2",
               "placement_forum_3", "ctmp"])



def _local_day(moment: str) -> date:
    return datetime.fromisoformat(moment).astimezone(LONDON).date()


def _meetings(client, key: str, start: str, end: str) -> list[dict]:
    response = client.get(f"/api/v1/panels/{key}/meetings?from={start}&to={end}")
    assert response.status_code == 200, response.json
    return response.json


def test_every_forum_is_configured_from_its_terms_of_reference(as_user):
    panels = {p["key"]: p for p in as_user("social_worker").get("/api/v1/panels").json}
    assert sorted(panels) == KEYS
    marp = panels["marp"]
    assert (marp["cadence"], marp["weekday"], marp["minutes_due_working_days"]) == \
        ("fortnightly", "Tuesday", 3)
    assert "4pm on the Tuesday one week before" in marp["cutoff_rule"]
    assert (panels["placement_forum_3"]["starts_at"], panels["placement_forum_3"]["ends_at"]) \
        == ("12:30", "13:30")
    assert panels["placement_forum_2"]["weekday"] == "Wednesday"
    assert "Thursday 12 noon" in panels["ctmp"]["cutoff_rule"]
    for panel in panels.values():
        assert panel["chair"] and panel["administrator"] and panel["members"]


def test_three_months_of_meetings_for_every_forum_fall_on_working_days(as_user, traveller):
    client = as_user("panel_administrator")
    for key in KEYS:
        meetings = _meetings(client, key, "2026-11-23", "2027-02-23")
        assert len(meetings) >= 6, key  # fortnightly over three months
        for meeting in meetings:
            day = _local_day(meeting["starts_at"])
            if meeting["status"] == "scheduled":
                assert is_working_day(day), (key, day)
            assert datetime.fromisoformat(meeting["submission_deadline"]) <= \
                datetime.fromisoformat(meeting["starts_at"])


def test_christmas_and_new_year_move_friday_meetings_to_the_next_working_day(as_user):
    meetings = _meetings(as_user("panel_administrator"), "ctmp", "2026-12-18", "2027-01-08")
    days = [_local_day(m["starts_at"]).isoformat() for m in meetings]
    # Fri 25 Dec → Tue 29 Dec (28th is the Boxing Day substitute); Fri 1 Jan → Mon 4 Jan.
    assert days == ["2026-12-18", "2026-12-29", "2027-01-04", "2027-01-08"]
    assert "Moved from 2026-12-25" in meetings[1]["note"]
    # CTMP papers are due by 12 noon the working day before: Thursday 24 December.
    assert meetings[1]["submission_deadline"].startswith("2026-12-24T12:00")


def test_good_friday_moves_past_easter_monday(as_user):
    meetings = _meetings(as_user("manager"), "placement_forum_3", "2027-03-19", "2027-04-02")
    days = [_local_day(m["starts_at"]).isoformat() for m in meetings]
    assert days == ["2027-03-19", "2027-03-30", "2027-04-02"]
    # 12:30 in British Summer Time is 11:30 UTC.
    assert meetings[2]["starts_at"].startswith("2027-04-02T11:30")


def test_a_one_off_bank_holiday_and_the_cancel_setting(app, as_user):
    with app.app_context():  # the Platinum Jubilee holiday, Friday 3 June 2022
        panel = db.session.get(Panel, "ctmp")  # (conftest puts the panels back afterwards)
        panel.first_meeting, panel.on_holiday = date(2022, 5, 27), "cancel"
        db.session.commit()
    meetings = _meetings(as_user("manager"), "ctmp", "2022-05-27", "2022-06-10")
    assert [(m["status"], _local_day(m["starts_at"]).isoformat()) for m in meetings] == [
        ("scheduled", "2022-05-27"), ("cancelled", "2022-06-03"), ("scheduled", "2022-06-10")]


def test_marp_cut_off_across_christmas(as_user):
    meetings = _meetings(as_user("manager"), "marp", "2026-12-01", "2027-01-10")
    deadlines = {_local_day(m["starts_at"]).isoformat(): m["submission_deadline"][:16]
                 for m in meetings}
    assert deadlines == {"2026-12-08": "2026-12-01T16:00", "2026-12-22": "2026-12-15T16:00",
                         "2027-01-05": "2026-12-24T16:00"}


def test_pct_meetings_alternate_pre_proceedings_and_court_tracking(as_user):
    meetings = _meetings(as_user("manager"), "pct", "2026-12-01", "2027-01-20")
    assert [(m["focus"], _local_day(m["starts_at"]).isoformat()) for m in meetings] == [
        ("pre_proceedings", "2026-12-04"), ("court_tracking", "2026-12-18"),
        ("pre_proceedings", "2027-01-04"), ("court_tracking", "2027-01-15")]


def test_a_range_the_wrong_way_round_is_refused(as_user):
    response = as_user("manager").get("/api/v1/panels/marp/meetings?from=2027-01-01&to=2026-12-01")
    assert response.status_code == 422
    assert "to" in response.json["errors"]
    assert as_user("manager").get("/api/v1/panels/nope/meetings").status_code == 404


def _approved(app, as_user, traveller, at: str) -> Walk:
    walk = Walk(app, as_user, "marp", MARP_ROLES, MARP_SAMPLES, "social_worker", traveller)
    walk.do("prepare_request")
    walk.do("tm_review")
    walk.at(at)
    walk.do("sm_approval")
    return walk


def test_a_request_approved_at_16_01_on_the_cut_off_tuesday_lands_on_the_following_meeting(
        app, as_user, traveller):
    on_time = _approved(app, as_user, traveller, "2026-12-01T16:00:00+00:00")
    late = _approved(app, as_user, traveller, "2026-12-01T16:01:00+00:00")
    for walk, day in ((on_time, "2026-12-08"), (late, "2026-12-22")):
        listing = walk.instance()["listing"]
        assert _local_day(listing["starts_at"]).isoformat() == day
        meeting = walk.clients["panel_administrator"].get(
            f"/api/v1/meetings/{listing['meeting_id']}").json
        [item] = meeting["items"]
        assert item["instance_id"] == walk.id
        assert item["subject"]["child_ref"] == "C-3001"
        assert (item["late"], item["retrospective"], item["decision"]) == (False, False, None)
        assert meeting["item_count"] == 1


def test_an_agenda_shows_only_the_cases_the_caller_may_see(app, as_user, traveller):
    walk = _approved(app, as_user, traveller, "2026-11-23T10:00:00+00:00")
    meeting_id = walk.instance()["listing"]["meeting_id"]
    stranger = as_user("auditor").get(f"/api/v1/meetings/{meeting_id}").json  # no MARP role
    assert (stranger["items"], stranger["item_count"]) == ([], 0)
    assert len(as_user("panel_chair").get(f"/api/v1/meetings/{meeting_id}").json["items"]) == 1


def test_the_chairs_decision_goes_on_the_agenda_and_the_meeting_is_held(app, as_user,
                                                                        traveller):
    walk = _approved(app, as_user, traveller, "2026-11-23T10:00:00+00:00")
    meeting_id = walk.instance()["listing"]["meeting_id"]
    # The request is in; only the administrator's own listing step is open.
    agenda = walk.clients["panel_administrator"].get(f"/api/v1/meetings/{meeting_id}").json
    assert agenda["items"][0]["paperwork"] == "complete"
    walk.do("list_for_panel")
    walk.at("2026-12-08T09:00:00+00:00")
    walk.do("record_decision", "record_decision__approved_with_conditions")
    meeting = walk.clients["panel_chair"].get(f"/api/v1/meetings/{meeting_id}").json
    assert meeting["status"] == "held"
    decision = meeting["items"][0]["decision"]
    conditions = MARP_SAMPLES["record_decision__approved_with_conditions"]
    assert decision["outcome"] == "approved_with_conditions"
    assert decision["conditions"] == conditions["decision_conditions"]
    assert decision["review_date"] == conditions["review_date"]
    assert walk.instance()["listing"] is None  # decided: no longer waiting for a meeting


def test_meetings_past_their_end_are_marked_held(app, as_user, traveller):
    client = as_user("manager")
    [first] = _meetings(client, "placement_forum_2", "2026-11-25", "2026-11-25")
    assert first["status"] == "scheduled"
    traveller.move_to(datetime(2026, 11, 25, 10, 1, tzinfo=UTC))
    assert app.test_cli_runner().invoke(args=["run-due"]).exit_code == 0
    [first] = _meetings(as_user("manager"), "placement_forum_2", "2026-11-25", "2026-11-25")
    assert first["status"] == "held"


def test_paperwork_is_missing_while_the_team_manager_owes_the_update(app, as_user, traveller):
    walk = Walk(app, as_user, "pct", PCT_ROLES, PCT_ANSWERS, "team_manager", traveller)
    walk.do("register_family", "register_family__pre")
    walk.do("allocate_slot")
    meeting_id = walk.instance()["listing"]["meeting_id"]
    client = walk.clients["panel_administrator"]
    assert client.get(f"/api/v1/meetings/{meeting_id}").json["items"][0]["paperwork"] == "missing"
    walk.do("prepare_update", "prepare_update__pre")
    assert client.get(f"/api/v1/meetings/{meeting_id}").json["items"][0]["paperwork"] == \
        "complete"


def test_an_administrator_changes_a_panels_hours_and_cut_off(app, as_user, traveller):
    walk = _approved(app, as_user, traveller, "2026-11-23T10:00:00+00:00")
    listed = walk.instance()["listing"]["meeting_id"]
    admin = as_user("panel_administrator")
    changes = {"starts_at": "13:00", "ends_at": "15:00", "cutoff_working_days": 3,
               "cutoff_time": "12:00", "cutoff_rule": "Papers by noon, 3 working days before.",
               "members": ["Service Manager, Localities"]}
    assert as_user("social_worker").patch("/api/v1/panels/marp", json=changes).status_code == 403
    bad = admin.patch("/api/v1/panels/marp", json={"starts_at": "15:00", "ends_at": "13:00"})
    assert bad.status_code == 422 and "ends_at" in bad.json["errors"]
    response = admin.patch("/api/v1/panels/marp", json=changes)
    assert response.status_code == 200, response.json
    assert response.json["cutoff_rule"] == "Papers by noon, 3 working days before."
    meetings = _meetings(admin, "marp", "2026-12-01", "2026-12-31")
    by_day = {_local_day(m["starts_at"]).isoformat(): m for m in meetings}
    assert by_day["2026-12-08"]["id"] == listed  # the meeting with a case keeps its identity
    assert by_day["2026-12-08"]["starts_at"].startswith("2026-12-08T13:00")
    assert by_day["2026-12-08"]["submission_deadline"].startswith("2026-12-03T12:00")
    assert by_day["2026-12-22"]["starts_at"].startswith("2026-12-22T13:00")
    assert walk.instance()["listing"]["meeting_id"] == listed
    # Who changed what is in the audit trail (issue 19, "Also": audited changes).
    with app.app_context():
        # The audit trail outlives each test (append-only): this change is the newest entry.
        event = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.object_type == "panel", AuditEvent.object_id == "marp")
            .order_by(AuditEvent.id.desc())).first()
        assert (event.actor, event.action) == ("panel_administrator", "change")
        assert event.detail["changed"]["starts_at"] == {"from": "10:00", "to": "13:00"}
        assert event.detail["changed"]["members"]["to"] == ["Service Manager, Localities"]


def test_the_administrator_chases_missing_papers_once(app, as_user, traveller):
    walk = Walk(app, as_user, "pct", PCT_ROLES, PCT_ANSWERS, "team_manager", traveller)
    walk.do("register_family", "register_family__pre")
    walk.do("allocate_slot")
    meeting_id = walk.instance()["listing"]["meeting_id"]
    assert as_user("social_worker").post(
        f"/api/v1/meetings/{meeting_id}/chase").status_code == 403
    admin = walk.clients["panel_administrator"]
    assert admin.post(f"/api/v1/meetings/{meeting_id}/chase").json == {"asked": 1}
    assert admin.post(f"/api/v1/meetings/{meeting_id}/chase").json == {"asked": 0}
    [note] = [n for n in as_user("team_manager").get("/api/v1/notifications").json
              if n["kind"] == "chase"]  # (the steps themselves arrived as new work first)
    assert "Prepare tracking update" in note["message"]


# Each forum's "Chair & Vice Chair" as its terms of reference give them (copied from the
# council's Overview of Decision-Making Forums and the CTMP procedure; roles, never names).
# PCT's terms name a person with no role and no vice chair, so only "PCT Chair" is asserted.
SEED_CHAIRS = {
    "marp": ("Service Director", "Head of Service"),  # "Service Director (Chair) / HoS (Vice)"
    "pct": ("PCT Chair", None),
    "ppm": ("Head of Service, Localities, Corporate Parenting and Fostering",
            "Service Manager, Children in Care and Care Leavers"),
    "placement_forum_1": ("Head of Service, Localities, Corporate Parenting and Fostering",
                          "Head of Service, Prevention, ART and 0-25 Disability"),
    "placement_forum_2": ("Head of Service, Localities, Corporate Parenting and Fostering",
                          "Head of Service, Prevention, ART and 0-25 Disability"),
    "placement_forum_3": ("Head of Service, Localities, Corporate Parenting and Fostering",
                          "Head of Service, Prevention, ART and 0-25 Disability"),
    "ctmp": ("Head of Service, Permanence", None),  # "The panel consists of: Head of Service,
}                                                   # Permanence, ..." (no vice chair given)


def test_each_panels_chair_and_vice_chair_are_those_its_terms_of_reference_name(
        app, as_user):
    """Issue 19, item 9: "Chair & Vice Chair" of each forum in the Overview of
    Decision-Making Forums (MARP, PCT, PPM, Placement Forum Parts 1-3) and the CTMP procedure
    ("The panel consists of: Head of Service, Permanence ...")."""
    found = {p["key"]: p for p in as_user("social_worker").get("/api/v1/panels").json}
    for key, (chair, vice_chair) in SEED_CHAIRS.items():
        assert found[key]["chair"].startswith(chair), key
        if vice_chair is None:
            assert found[key]["vice_chair"] is None, key
        else:
            assert found[key]["vice_chair"].startswith(vice_chair), key
    # PCT's terms name a person: the chair is the forum's own, no role is made up.
    assert "Head of Service" not in found["pct"]["chair"]
    chair = Browser(app)
    chair.sign_in("panel_chair")
    page = chair.get("/panels/ppm").get_data(as_text=True)
    assert ("Head of Service, Localities, Corporate Parenting and Fostering; vice chair: "
            "Service Manager, Children in Care and Care Leavers") in page


def test_meetings_another_worker_made_just_now_are_kept_once_and_the_rest_made(app, ctx,
                                                                               monkeypatch):
    """ensure_meetings makes the missing meetings in one flush; when another worker has made
    one of them between the look and the insert (the unique panel and date), it makes them
    one by one instead, so none is lost and none is doubled."""
    panel = db.session.get(Panel, "marp")
    until = panel.first_meeting + timedelta(days=panel.every_days * 9)  # ten meetings
    taken = panel.first_meeting + timedelta(days=panel.every_days * 4)
    real_begin_nested = db.session.begin_nested
    calls = []

    def other_worker_first():
        if not calls:  # the other worker's row, committed before this worker's flush
            db.session.execute(insert(Meeting).values(
                panel_key="marp", scheduled_on=taken, status=MeetingStatus.SCHEDULED,
                starts_at=panels.local_moment(taken, "09:00"),
                ends_at=panels.local_moment(taken, "10:00"),
                submission_deadline=panels.local_moment(taken, "09:00")))
        calls.append(1)
        return real_begin_nested()

    monkeypatch.setattr(db.session, "begin_nested", other_worker_first)
    panels.ensure_meetings(panel, until)
    db.session.commit()
    monkeypatch.undo()

    days = list(db.session.scalars(db.select(Meeting.scheduled_on).where(
        Meeting.panel_key == "marp", Meeting.scheduled_on <= until).order_by(
        Meeting.scheduled_on)))
    assert days == [panel.first_meeting + timedelta(days=panel.every_days * n)
                    for n in range(10)]
    assert len(calls) == 1 + 10  # the one flush that failed, then one per meeting
    assert db.session.scalar(db.select(func.count()).select_from(Meeting).where(
        Meeting.panel_key == "marp", Meeting.scheduled_on == taken)) == 1
