"""PCT: the one-page briefing report is required before the family is tracked (issue 19,
item 9, "the one-page briefing report").

Seed (Overview of Decision-Making Forums, Pre-Proceedings and Court (Care) Proceedings
Tracking), "Paperwork needed": "Briefing Report / detailing all tasks and actions in progress
by who and by when – (No more than a page) – from Mosaic".

The clock starts on Monday 23 November 2026; the first PCT meeting is the pre-proceedings
meeting on Friday 4 December 2026.
"""
from __future__ import annotations

import pytest

from tests.pathways.test_pct import ANSWERS, ROLES
from tests.pathways.walker import Walk

# "No more than a page": the form's limit, in characters (about 500 words of Mosaic text).
ONE_PAGE = 3500


@pytest.fixture
def pre(app, as_user, traveller) -> Walk:
    case = Walk(app, as_user, "pct", ROLES, ANSWERS, "team_manager", traveller)
    case.do("register_family", "register_family__pre")
    case.do("allocate_slot")
    assert case.ready() == ["prepare_update"]
    return case


def test_the_update_is_refused_without_the_briefing_report_or_its_actions(pre):
    """Seed, PCT "Paperwork needed": a briefing report "detailing all tasks and actions in
    progress by who and by when". Without the report, with an empty one, without any action,
    or with an action missing who or when, the update is refused by name and the family
    waits for it."""
    full = ANSWERS["prepare_update__pre"]
    action = full["actions_in_progress"][0]
    for answers, field in (
            ({k: v for k, v in full.items() if k != "briefing_report"}, "briefing_report"),
            ({**full, "briefing_report": ""}, "briefing_report"),
            ({k: v for k, v in full.items() if k != "actions_in_progress"},
             "actions_in_progress"),
            ({**full, "actions_in_progress": []}, "actions_in_progress"),
            ({**full, "actions_in_progress": [{k: v for k, v in action.items()
                                               if k != "by_whom"}]},
             "actions_in_progress.0.by_whom"),
            ({**full, "actions_in_progress": [{k: v for k, v in action.items()
                                               if k != "by_when"}]},
             "actions_in_progress.0.by_when")):
        response = pre.submit("prepare_update", answers)
        assert response.status_code == 422, field
        assert field in response.json["errors"], (field, response.json["errors"])
    empty = pre.submit("prepare_update", {**full, "briefing_report": ""})
    assert empty.json["errors"]["briefing_report"] == ["Enter the briefing report"]
    assert pre.ready() == ["prepare_update"]
    pre.do("prepare_update", "prepare_update__pre")
    assert "prepare_update" not in pre.ready()


def test_the_briefing_report_is_no_more_than_a_page(pre):
    """Seed, PCT "Paperwork needed": "(No more than a page)". A report longer than a page is
    refused in words; one of a page is taken."""
    full = ANSWERS["prepare_update__pre"]
    response = pre.submit("prepare_update", {**full, "briefing_report": "x" * (ONE_PAGE + 1)})
    assert response.status_code == 422
    assert response.json["errors"]["briefing_report"] == [
        "The briefing report must be no more than a page (3,500 characters)"]
    pre.do("prepare_update", "prepare_update__pre", briefing_report="x" * ONE_PAGE)
    assert pre.data()["briefing_report"] == "x" * ONE_PAGE


def test_the_teams_update_needs_each_familys_briefing_report(app, as_user, pre):
    """Seed, PCT "Paperwork needed" with "What is required of attendees" (one update for all
    the team's cases): the team's update through the API is refused, all or nothing, when a
    family's briefing report is missing."""
    meeting_id = pre.instance()["listing"]["meeting_id"]
    client = as_user("team_manager")
    url = f"/api/v1/meetings/{meeting_id}/team-update"
    [task] = [t["id"] for t in client.get(url).json["tasks"]]
    bad = {k: v for k, v in ANSWERS["prepare_update__pre"].items() if k != "briefing_report"}
    refused = client.post(url, json={"updates": [{"task_id": task, "data": bad}]})
    assert refused.status_code == 422
    assert f"{task}.briefing_report" in refused.json["errors"]
    assert pre.ready() == ["prepare_update"]
