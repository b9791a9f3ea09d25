"""Pre-Proceedings and Court Tracking, walked through the API on every route.

The clock starts on Monday 23 November 2026. The PCT panel meets fortnightly on Fridays from
4 December 2026, alternating pre-proceedings (4 December) and court tracking (18 December);
the tracking limits are in the diagram's "Set tracking rules" script.
"""
from __future__ import annotations

import pytest

from tests.pathways.walker import Walk, samples

ANSWERS = samples("pct")
ROLES = {
    "register_family": "team_manager", "prepare_update": "team_manager",
    "record_issue": "team_manager", "allocate_slot": "panel_administrator",
    "distribute_notes": "panel_administrator", "record_tracking": "panel_chair",
    "escalate_risk": "service_manager", "raise_practice": "panel_chair",
    "practice_escalated": "service_manager",
}



@pytest.fixture
def walk(app, as_user, traveller):
    def start(register: str) -> Walk:
        case = Walk(app, as_user, "pct", ROLES, ANSWERS, "team_manager", traveller)
        case.do("register_family", register)
        return case
    return start


def test_only_team_managers_start_tracking(as_user):
    """Overview of Decision-Making Forums, PCT, "Who needs to attend": the team manager with case
    responsibility brings the family's pre-proceedings or court case to the forum; no one else
    registers it."""
    for role in ("social_worker", "panel_chair", "service_manager", "panel_administrator"):
        response = as_user(role).post("/api/v1/process-instances", json={"process_model": "pct"})
        assert response.status_code == 403, role
    assert as_user("team_manager").post(
        "/api/v1/process-instances", json={"process_model": "pct"}).status_code == 201


def test_registration_is_the_team_managers_own_task(app, as_user, traveller):
    """Overview of Decision-Making Forums, PCT, "Who needs to attend": the team manager with case
    responsibility."""
    case = Walk(app, as_user, "pct", ROLES, ANSWERS, "team_manager", traveller)
    task = case.task("register_family")
    assert (task["assignee"], task["role"]) == ("team_manager", "team_manager")


def test_pre_proceedings_on_track_then_escalated_as_the_target_nears(walk):
    """Overview of Decision-Making Forums, PCT, "Frequency & when held": fortnightly on a Friday
    morning for 2 hours, one meeting for pre-proceedings and the next for court tracking; "Purpose":
    to minimise drift and delay (a case nearing its limit is escalated); "Bookings/attendance": each
    team manager is sent an allocated slot; "What is required of attendees": a brief update with
    dates of completed and planned meetings; "Main administrator" distributes the notes."""
    case = walk("register_family__pre")
    data = case.data()
    assert (data["tracking_meeting_kind"], data["tracking_meeting_date"]) == \
        ("pre_proceedings", "2026-12-04")
    assert data["tracking_deadline"] == "2027-01-25"  # 16 weeks from 5 October
    case.do("allocate_slot")
    update = case.task("prepare_update")
    assert update["assignee"] == "team_manager"
    # Due the working day before the meeting, at the end of the day.
    assert update["due_at"].startswith("2026-12-03T17:00")
    assert "working day before the tracking meeting" in update["due_rule"]

    case.at("2026-11-30T10:00:00+00:00")
    instance = case.do("prepare_update", "prepare_update__pre")
    assert instance["status"] == "waiting"
    assert instance["data"]["at_risk"] is False
    case.at("2026-12-04T08:59:00+00:00")
    assert case.ready() == []
    case.at("2026-12-04T09:01:00+00:00")
    assert case.ready() == ["record_tracking"]
    case.do("record_tracking", "record_tracking__continue")
    case.do("distribute_notes")

    # Next pre-proceedings meeting: 1 January is a bank holiday, so it moves to Monday 4th.
    assert case.ready() == ["allocate_slot"]
    assert case.data()["tracking_meeting_date"] == "2027-01-04"
    case.do("allocate_slot", tracking_meeting_date="2027-01-04")
    case.at("2026-12-30T10:00:00+00:00")
    instance = case.do("prepare_update", "prepare_update__pre")
    assert instance["data"]["at_risk"] is True
    assert instance["data"]["risk_reasons"] == [
        "26 days remain before the 16-week limit on 2027-01-25"]
    assert case.ready() == ["escalate_risk"]
    case.do("escalate_risk")
    case.at("2027-01-04T09:01:00+00:00")
    case.do("record_tracking", "record_tracking__step_down")
    # The chair flagged practice: its date is recorded on its own step, not the tracker's
    # (tests/pathways/test_pct_notes.py).
    instance = case.do("distribute_notes")
    assert instance["data"]["tracking_outcome"] == "step_down"
    # The practice flagged is raised on its own step, by the next working day (issue 19).
    instance = case.do("raise_practice", practice_raised_on="2027-01-05")
    assert instance["status"] == "completed"


def test_proceedings_issued_moves_the_family_to_court_tracking(walk):
    """Overview of Decision-Making Forums, PCT, "Purpose": overview and tracking of all families in
    pre-proceedings and court/care proceedings: a family whose proceedings are issued moves to court
    tracking."""
    case = walk("register_family__pre")
    case.do("allocate_slot")
    case.do("prepare_update", "prepare_update__pre")
    case.at("2026-12-04T09:01:00+00:00")
    case.do("record_tracking", "record_tracking__issue")
    case.at("2026-12-07T10:00:00+00:00")
    case.do("distribute_notes")
    assert case.ready() == ["record_issue"]
    assert case.task("record_issue")["assignee"] == "team_manager"
    case.do("record_issue")
    data = case.data()
    assert data["pct_stage"] == "care_proceedings"
    assert data["tracking_meeting_kind"] == "court_tracking"
    assert data["tracking_deadline"] == "2027-06-14"  # 26 weeks from issue on 14 December
    assert "s32(1)(a)(ii)" in data["tracking_deadline_rule"]
    assert data["tracking_meeting_date"] == "2026-12-18"
    case.do("allocate_slot", tracking_meeting_date="2026-12-18")
    instance = case.do("prepare_update", "prepare_update__court")
    assert instance["data"]["at_risk"] is False
    assert instance["status"] == "waiting"


def test_court_case_with_final_hearing_after_week_26_is_escalated_then_concluded(walk):
    """Overview of Decision-Making Forums, PCT, "Purpose": to minimise drift, track parallel
    planning, ensure court directions are being progressed (the 26-week limit, Children Act 1989
    s32)."""
    case = walk("register_family__court")
    data = case.data()
    assert (data["tracking_meeting_kind"], data["tracking_meeting_date"]) == \
        ("court_tracking", "2026-12-18")
    assert data["tracking_deadline"] == "2027-05-03"
    case.do("allocate_slot", tracking_meeting_date="2026-12-18")
    instance = case.do("prepare_update", "prepare_update__court",
                       planned_final_hearing_date="2027-05-20")
    assert instance["data"]["at_risk"] is True
    assert "after the limit on 2027-05-03" in " ".join(instance["data"]["risk_reasons"])
    # In care proceedings the service manager must say whether an extension is sought.
    response = case.submit("escalate_risk", ANSWERS["escalate_risk"])
    assert response.status_code == 422
    assert "extension_to_be_sought" in response.json["errors"]
    case.do("escalate_risk", "escalate_risk__court")
    case.at("2026-12-18T09:01:00+00:00")
    case.do("record_tracking", "record_tracking__concluded")
    instance = case.do("distribute_notes")
    assert instance["status"] == "completed"
    assert instance["data"]["tracking_outcome"] == "proceedings_concluded"


def test_an_extension_granted_by_the_court_moves_the_limit(walk):
    """Overview of Decision-Making Forums, PCT, "Purpose": court directions progressed: an extension
    the court granted moves the limit (Children Act 1989 s32(5))."""
    case = walk("register_family__court")
    case.do("allocate_slot", tracking_meeting_date="2026-12-18")
    instance = case.do("prepare_update", "prepare_update__court",
                       planned_final_hearing_date="2027-05-20", extension_weeks_granted=8)
    assert instance["data"]["tracking_deadline"] == "2027-06-28"
    assert instance["data"]["at_risk"] is False


def test_court_directions_off_track_are_escalated(walk):
    """Overview of Decision-Making Forums, PCT, "Purpose": "ensure court directions are being
    progressed, and evidence is filed as directed": directions off track must be explained and are
    escalated."""
    case = walk("register_family__court")
    case.do("allocate_slot", tracking_meeting_date="2026-12-18")
    response = case.submit("prepare_update", {**ANSWERS["prepare_update__court"],
                                              "directions_on_track": False})
    assert response.status_code == 422
    assert "directions_detail" in response.json["errors"]
    instance = case.do("prepare_update", "prepare_update__court", directions_on_track=False,
                       directions_detail="The expert report is three weeks late.")
    assert instance["data"]["risk_reasons"] == ["Court directions are not on track"]
    assert case.ready() == ["escalate_risk"]


def test_the_update_asks_for_what_the_stage_needs(walk):
    """Overview of Decision-Making Forums, PCT, "What is required of attendees": dates for all
    completed and planned meetings and the pre-proceedings plan for cases in pre-proceedings; the
    most recent case management orders for court cases."""
    court = walk("register_family__court")
    court.do("allocate_slot", tracking_meeting_date="2026-12-18")
    response = court.submit("prepare_update", ANSWERS["prepare_update__pre"])
    assert response.status_code == 422
    assert {"latest_cmo_date", "latest_cmo_summary", "planned_final_hearing_date",
            "directions_on_track"} <= set(response.json["errors"])
    assert court.ready() == ["prepare_update"]

    pre = walk("register_family__pre")
    pre.do("allocate_slot")
    briefing_only = {k: ANSWERS["prepare_update__pre"][k]
                     for k in ("briefing_report", "actions_in_progress")}
    response = pre.submit("prepare_update", briefing_only)
    assert response.status_code == 422
    assert {"completed_meetings", "planned_meetings", "pre_proceedings_plan_date",
            "pre_proceedings_plan_reference"} <= set(response.json["errors"])


def test_registration_needs_the_dates_the_limits_count_from(app, as_user, traveller):
    """Overview of Decision-Making Forums, PCT, "Purpose": tracking needs the date proceedings were
    issued (the limit counts from it), the court and the case number."""
    case = Walk(app, as_user, "pct", ROLES, ANSWERS, "team_manager", traveller)
    response = case.submit("register_family", {"pct_stage": "care_proceedings",
                                                "children_in_family": 1, "parallel_plan": "x"})
    assert response.status_code == 422
    assert {"proceedings_issue_date", "court", "court_case_number"} <= set(response.json["errors"])


def test_every_task_has_a_form_instructions_and_a_due_date_with_its_rule(walk):
    """Overview of Decision-Making Forums, PCT, "Paperwork needed" and "Bookings/attendance": each
    step has its form, instructions and a deadline with the rule behind it."""
    case = walk("register_family__court")
    case.do("allocate_slot", tracking_meeting_date="2026-12-18")
    case.do("prepare_update", "prepare_update__court",
            planned_final_hearing_date="2027-05-20")
    for task in case.instance()["tasks"]:
        detail = case.clients[task["role"]].get(f"/api/v1/tasks/{task['id']}").json
        assert detail["form"]["schema"]["properties"], task["name"]
        assert detail["instructions"], task["name"]
        assert detail["due_at"] and detail["due_rule"], task["name"]


def test_a_case_past_its_limit_says_so(walk):
    """Overview of Decision-Making Forums, PCT, "Purpose": drift: a case past its 26-week limit says
    so in its update."""
    case = walk("register_family__court")
    case.do("allocate_slot", tracking_meeting_date="2026-12-18")
    case.at("2027-05-04T10:00:00+00:00")  # the day after week 26 from issue on 2 November
    instance = case.do("prepare_update", "prepare_update__court")
    assert instance["data"]["risk_reasons"][0] == "The 26-week limit passed on 2027-05-03"


def test_the_pre_proceedings_update_references_the_plo_plan(walk):
    """Overview of Decision-Making Forums, PCT, "What is required of attendees": "Team Managers
    should be able to access and speak to the pre-proceedings plan ... for all [cases] in their
    team" (issue 19, item 8). The pre-proceedings update names the current PLO plan, its date and
    where it is kept, and the case keeps them for the forum; a court case's update does not ask for
    it (its latest case management order is asked instead)."""
    case = walk("register_family__pre")
    case.do("allocate_slot")
    without = {k: v for k, v in ANSWERS["prepare_update__pre"].items()
               if not k.startswith("pre_proceedings_plan")}
    response = case.submit("prepare_update", without)
    assert response.status_code == 422
    assert {"pre_proceedings_plan_date", "pre_proceedings_plan_reference"} <= \
        set(response.json["errors"])
    assert "pre-proceedings (PLO) plan" in case.clients["team_manager"].get(
        f"/api/v1/tasks/{case.task('prepare_update')['id']}").json["instructions"]
    instance = case.do("prepare_update", "prepare_update__pre")
    assert instance["data"]["pre_proceedings_plan_reference"] == \
        "Mosaic document 48213: PLO plan of 12 October 2026"
    assert instance["data"]["pre_proceedings_plan_date"] == "2026-10-12"

    court = walk("register_family__court")
    court.do("allocate_slot", tracking_meeting_date="2026-12-18")
    assert court.submit("prepare_update", ANSWERS["prepare_update__court"]).status_code == 200


def _tracked_with_practice(walk) -> Walk:
    case = walk("register_family__pre")
    case.do("allocate_slot")
    case.at("2026-11-30T10:00:00+00:00")
    case.do("prepare_update", "prepare_update__pre")
    case.at("2026-12-04T09:01:00+00:00")
    case.do("record_tracking", "record_tracking__continue", practice_to_raise="outstanding",
            practice_detail="The parallel plan was exemplary; tell the team manager.")
    return case


def test_practice_noted_at_pct_is_raised_by_the_next_working_day(walk):
    """Governance & Quality Assurance, for all forums: "Outstanding practice and that requires
    significant improvement will be brought to the attention of the TM and SM (if required)
    the following day at the latest" (issue 19, item 7): at PCT it had only a date on the
    notes, due in 3 working days, and nothing checked the next day."""
    case = _tracked_with_practice(walk)
    assert sorted(case.ready()) == ["distribute_notes", "raise_practice"]
    task = case.task("raise_practice")
    assert task["role"] == "panel_chair"
    assert task["due_at"].startswith("2026-12-07T17:00")  # Friday's meeting: Monday
    case.do("raise_practice")
    case.do("distribute_notes")
    assert case.ready() == ["allocate_slot"]


def test_practice_not_raised_at_pct_goes_to_the_service_manager(walk):
    """Governance & Quality Assurance: not raised by the end of the next working day, the
    service manager is asked to make sure the team manager hears of it."""
    case = _tracked_with_practice(walk)
    case.do("distribute_notes")
    case.at("2026-12-07T16:59:00+00:00")
    assert "raise_practice" in case.ready()
    case.at("2026-12-07T17:01:00+00:00")
    assert "practice_escalated" in case.ready() and "raise_practice" not in case.ready()
    assert case.task("practice_escalated")["role"] == "service_manager"
    case.do("practice_escalated")
    assert case.ready() == ["allocate_slot"]

