"""PCT: one update per team per meeting, with each family (issue 19, item 8).

Overview of Decision-Making Forums, PCT, "Who needs to attend": the team manager with case
responsibility attends "to speak to all pre and court proceedings cases in their team"; "What
is required of attendees": "Team Manager to provide a brief update of progress on all
pre-proceedings and court proceedings cases in their team". So a team manager gives ONE update
per meeting covering every family of their team listed on it, each family with its own answers
(and each case's history still records its own).

The clock starts on Monday 23 November 2026; the first PCT meeting is the pre-proceedings
meeting on Friday 4 December 2026 (tests/pathways/test_pct.py).
"""
from __future__ import annotations

import re
from datetime import date

import pytest

from app.extensions import db
from app.models import AuditEvent, HistoryEvent, HumanTask, Meeting
from tests.pages.conftest import Browser
from tests.pathways.test_pct import ANSWERS, ROLES
from tests.pathways.walker import Walk

TEAM_A = ["Ava Family", "Ben Family", "Cal Family"]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _family(app, as_user, traveller, name: str, ref: str, starter: str = "team_manager",
            register: str = "register_family__pre") -> Walk:
    case = Walk(app, as_user, "pct", ROLES, ANSWERS, starter, traveller,
                subject={"child_ref": ref, "name": name})
    # The team manager's steps are the starter's (Team B's manager for Team B's family).
    case.clients["team_manager"] = case.clients[starter]
    case.do("register_family", register)
    case.do("allocate_slot", tracking_meeting_date=case.data()["tracking_meeting_date"])
    assert case.ready() == ["prepare_update"]
    return case


@pytest.fixture
def families(app, as_user, traveller):
    """Three Team A families and one Team B family on the 4 December pre-proceedings
    meeting, and a Team A court family on the 18 December court tracking meeting."""
    team_a = [_family(app, as_user, traveller, name, f"C-PCT-{i}")
              for i, name in enumerate(TEAM_A)]
    team_b = _family(app, as_user, traveller, "Dee Otherteam", "C-PCT-B",
                     starter="team_manager_2")
    court = _family(app, as_user, traveller, "Eve Court", "C-PCT-C",
                    register="register_family__court")
    with app.app_context():
        meeting = db.session.scalar(db.select(Meeting).where(
            Meeting.panel_key == "pct", Meeting.scheduled_on == date(2026, 12, 4)))
        meeting_id = meeting.id
    return {"team_a": team_a, "team_b": team_b, "court": court, "meeting": meeting_id}


def _inputs(prefix: str, data: dict) -> dict:
    """A family's answers as the page's inputs, named "<task id>.<field>"."""
    out: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, list):
            for index, row in enumerate(value):
                out.update(_inputs(f"{name}.{index}", row))
        elif isinstance(value, bool):
            out[name] = "yes" if value else "no"
        elif isinstance(value, str) and ISO_DATE.match(value):
            year, month, day = value.split("-")
            out.update({f"{name}-day": day, f"{name}-month": month, f"{name}-year": year})
        else:
            out[name] = str(value)
    return out


def _task_ids(cases) -> list[str]:
    return [case.task("prepare_update")["id"] for case in cases]


def _page(app, meeting_id: str, username: str = "team_manager") -> tuple[Browser, str]:
    b = Browser(app)
    b.sign_in(username)
    return b, f"/meetings/{meeting_id}/team-update"


def test_one_inbox_row_one_page_one_submit_completes_every_family(app, families):
    """PCT, "What is required of attendees": a brief update on all pre-proceedings cases in
    the team, with dates of completed and planned meetings, for each family: one row in the
    team manager's inbox, one page, one Submit; each case records its own update."""
    b, url = _page(app, families["meeting"])
    inbox = b.get("/").get_data(as_text=True)
    assert inbox.count(url) == 2  # the row's title and its Open link: one row
    assert "Team update for 4 December 2026" in inbox
    assert "3 families" in inbox
    for name in TEAM_A:
        assert name in inbox
    assert "Dee Otherteam" not in inbox  # Team B's family is Team B's
    # The court family's update is for another meeting: a row of its own ...
    assert "Eve Court" in inbox and "Team update for 18 December 2026" in inbox
    assert f"/meetings/{families['meeting']}/team-update?team=" in inbox

    page = b.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    ids = _task_ids(families["team_a"])
    for task_id, name in zip(ids, TEAM_A, strict=True):
        assert name in text and f'name="{task_id}.briefing_report"' in text
    assert "Dee Otherteam" not in text and "Eve Court" not in text  # ... not this one

    form = {"action": "complete"}
    for task_id in ids:
        form.update(_inputs(task_id, ANSWERS["prepare_update__pre"]))
    done = b.post(url, form)
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    for case in families["team_a"]:
        assert "prepare_update" not in case.ready()
        data = case.data()
        assert data["pre_proceedings_plan_reference"] == \
            ANSWERS["prepare_update__pre"]["pre_proceedings_plan_reference"]
    with app.app_context():
        for task_id, case in zip(ids, families["team_a"], strict=True):
            task = db.session.get(HumanTask, task_id)
            assert (task.status, task.completed_by) == ("completed", "team_manager")
            assert db.session.scalar(db.select(HistoryEvent).where(
                HistoryEvent.instance_id == case.id, HistoryEvent.event == "completed",
                HistoryEvent.task_id == task_id)) is not None
        # Each family's record viewed on the page is audited, child by child.
        viewed = set(db.session.scalars(db.select(AuditEvent.child_ref).where(
            AuditEvent.actor == "team_manager", AuditEvent.path == url)))
        assert {"C-PCT-0", "C-PCT-1", "C-PCT-2"} <= viewed
        assert "C-PCT-B" not in viewed
    # Nothing left for this meeting: the team's update is done.
    assert b.get(url).status_code == 404
    assert families["team_b"].ready() == ["prepare_update"]
    assert families["court"].ready() == ["prepare_update"]


def test_one_familys_invalid_answer_keeps_everything_and_completes_none(app, families):
    """PCT, "What is required of attendees": dates for all completed and planned meetings
    for cases in pre-proceedings. One family's update without them is refused, with the
    error beside that family; no family's update is sent, and every answer typed is kept."""
    b, url = _page(app, families["meeting"])
    ids = _task_ids(families["team_a"])
    form = {"action": "complete"}
    for task_id in ids:
        form.update(_inputs(task_id, ANSWERS["prepare_update__pre"]))
    for key in [k for k in form if k.startswith(f"{ids[1]}.planned_meetings")]:
        del form[key]
    form[f"{ids[2]}.briefing_report"] = "Cal's report as typed"
    refused = b.post(url, form)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Ben Family: " in text  # the summary names the family
    assert f'href="#f-{ids[1]}-planned_meetings"' in text
    assert "Cal&#39;s report as typed" in text or "Cal's report as typed" in text
    assert "Ava Family: " not in text
    for case in families["team_a"]:
        assert case.ready() == ["prepare_update"]
    with app.app_context():
        assert all(db.session.get(HumanTask, i).status == "ready" for i in ids)


def test_drafts_are_kept_per_family(app, families):
    """PCT, "What is required of attendees": each family's own update, saved as a draft on
    its own step until the team's update is sent."""
    b, url = _page(app, families["meeting"])
    ids = _task_ids(families["team_a"])
    saved = b.post(url, {"action": "draft", f"{ids[0]}.briefing_report": "Ava so far",
                         f"{ids[1]}.briefing_report": "Ben so far"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(HumanTask, ids[0]).draft_data == {"briefing_report": "Ava so far"}
        assert db.session.get(HumanTask, ids[1]).draft_data == {"briefing_report": "Ben so far"}
    text = b.get(url).get_data(as_text=True)
    assert "Ava so far" in text and "Ben so far" in text


def test_another_teams_manager_and_other_roles_cannot_give_the_update(app, families):
    """PCT, "Who needs to attend": the team manager with case responsibility for the team's
    cases. Another team's manager sees only their own team's families, and not Team A's
    (403 when asking for Team A's update by name); other roles give no update (403)."""
    b, url = _page(app, families["meeting"], "team_manager_2")
    own = b.get(url)
    assert own.status_code == 200
    text = own.get_data(as_text=True)
    assert "Dee Otherteam" in text
    assert not any(name in text for name in TEAM_A)
    with app.app_context():
        team_a = db.session.get(HumanTask, _task_ids(families["team_a"])[0]).team
    assert b.get(f"{url}?team={team_a}").status_code == 403
    assert b.post(f"{url}?team={team_a}", {"action": "complete"}).status_code == 403
    for role in ("social_worker", "panel_chair"):
        other, _ = _page(app, families["meeting"], role)
        assert other.get(url).status_code == 403, role
    none, _ = _page(app, "nomeeting")
    assert none.get("/meetings/nomeeting/team-update").status_code == 404


def test_the_api_submits_the_teams_update_all_or_nothing(app, as_user, families):
    """PCT, "What is required of attendees": the same one update through the API."""
    client = as_user("team_manager")
    url = f"/api/v1/meetings/{families['meeting']}/team-update"
    listed = client.get(url)
    assert listed.status_code == 200
    ids = _task_ids(families["team_a"])
    assert [t["id"] for t in listed.json["tasks"]] == ids
    good = ANSWERS["prepare_update__pre"]
    bad = {k: v for k, v in good.items() if k != "completed_meetings"}
    refused = client.post(url, json={"updates": [
        {"task_id": ids[0], "data": good}, {"task_id": ids[1], "data": bad},
        {"task_id": ids[2], "data": good}]})
    assert refused.status_code == 422
    assert f"{ids[1]}.completed_meetings" in refused.json["errors"]
    assert all(case.ready() == ["prepare_update"] for case in families["team_a"])
    done = client.post(url, json={"updates": [{"task_id": i, "data": good} for i in ids]})
    assert done.status_code == 200, done.json
    assert all("prepare_update" not in case.ready() for case in families["team_a"])
    assert as_user("team_manager_2").post(url, json={"updates": [
        {"task_id": ids[0], "data": good}]}).status_code == 422  # not one of theirs


def test_add_another_action_works_per_family_without_javascript(app, families):
    """PCT, "Paperwork needed": the briefing report of all tasks and actions in progress, by
    whom and by when, for each family: "Add another" adds a row to that family's actions
    only, keeping what was typed for every family as their drafts."""
    b, url = _page(app, families["meeting"])
    ids = _task_ids(families["team_a"])
    page = b.get(url).get_data(as_text=True)
    assert f'name="{ids[0]}.actions_in_progress-rows" value="1"' in page
    more = b.post(url, {"action": f"add:{ids[0]}.actions_in_progress",
                        f"{ids[0]}.actions_in_progress-rows": "1",
                        f"{ids[0]}.actions_in_progress.0.action": "First action",
                        f"{ids[1]}.briefing_report": "Ben typed"})
    assert more.status_code == 200
    text = more.get_data(as_text=True)
    assert f'name="{ids[0]}.actions_in_progress.1.action"' in text
    assert f'name="{ids[1]}.actions_in_progress.1.action"' not in text
    assert "First action" in text and "Ben typed" in text
    with app.app_context():
        assert db.session.get(HumanTask, ids[1]).draft_data == {"briefing_report": "Ben typed"}


def test_a_familys_own_step_points_to_the_teams_update(app, families):
    """PCT, "Who needs to attend": the team manager speaks to all the team's cases at once, so
    a family's own step says where the team's update is given."""
    b, url = _page(app, families["meeting"])
    task_id = _task_ids(families["team_a"])[0]
    text = b.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="team-update"' in text and f"{url}?team=" in text
    assert "4 December 2026" in text
