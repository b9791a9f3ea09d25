"""CTMP's standing reviews, which the service begins on the schedule in each diagram's timer
start event: the weekly review of in-house residential placements and in-house fostering
availability, and the quarterly review of external placements.

Seed (the council's CTMP procedure): "The panel reviews every quarter: External placements –
Fostering, Residential and Residential Schools. On a weekly basis it reviews In-House
Residential placements [and] In-house fostering availability."

The clock starts on Monday 23 November 2026 (the `traveller` fixture).
"""
from __future__ import annotations

from datetime import datetime

import pytest

INHOUSE, EXTERNAL = "ctmp_inhouse_review", "ctmp_external_review"


@pytest.fixture
def at(app, traveller):
    def move(moment: str) -> None:
        traveller.move_to(datetime.fromisoformat(moment))
        result = app.test_cli_runner().invoke(args=["run-due"])
        assert result.exit_code == 0, result.output
    return move


def _cases(as_user, key: str) -> list[dict]:
    return as_user("manager").get(f"/api/v1/process-instances?process_model={key}").json["items"]


def _ready(client, key: str) -> dict:
    [task] = [t for t in client.get("/api/v1/tasks?filter=claimable").json["items"]
              if t["process_model"] == key]
    return task


def _complete(client, task: dict, data: dict):
    return client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})


def test_the_weekly_in_house_review_begins_every_monday_with_the_data_it_reviews(at, as_user):
    """Seed: "On a weekly basis it reviews In-House Residential placements, In-house fostering
    availability". Begun by the service each Monday, papers by Thursday noon, heard Friday."""
    at("2026-11-23T10:01:00+00:00")
    assert _cases(as_user, INHOUSE) == []  # the diagram's schedule starts on 30 November
    at("2026-11-30T08:01:00+00:00")
    [case] = _cases(as_user, INHOUSE)
    assert case["started_by"] == "system"
    assert case["data"]["panel_meeting_date"] == "2026-12-04"
    admin = as_user("panel_administrator")
    task = _ready(admin, INHOUSE)
    assert task["due_at"].startswith("2026-12-03T12:00")  # Thursday noon
    missing = _complete(admin, task, {"residential_placements": [], "no_vacancies": False})
    assert missing.status_code == 422 and "fostering_availability" in missing.json["errors"]
    done = _complete(admin, task, {
        "residential_placements": [{"child_ref": "C-9101", "home": "Oak House",
                                    "started_on": "2026-09-01",
                                    "exit_plan": "Foster care by March"}],
        "no_vacancies": False,
        "fostering_availability": [{"carer_ref": "FC-12", "vacancies": 1, "ages": "5 to 11"}]})
    assert done.status_code == 200, done.json
    chair = as_user("panel_chair")
    review = _ready(chair, INHOUSE)
    assert review["due_at"].startswith("2026-12-04")
    reviewed = _complete(chair, review, {"reviewed_on": "2026-12-04", "findings": "One vacancy.",
                                          "actions": [{"action": "Consider FC-12 for C-7101",
                                                       "by_whom": "Team Manager, Fostering",
                                                       "by_when": "2026-12-11"}]})
    assert reviewed.status_code == 200 and reviewed.json["instance"]["status"] == "completed"
    at("2026-11-30T09:00:00+00:00")
    assert len(_cases(as_user, INHOUSE)) == 1  # once a week, not once a run
    at("2026-12-07T08:01:00+00:00")
    assert len(_cases(as_user, INHOUSE)) == 2


def test_after_months_without_the_scheduler_only_the_latest_review_is_begun(at, as_user):
    """Seed: the weekly review. A months-old gap (the service down) gives one review of the
    placements as they are now, not a backlog of a review for each missed week."""
    at("2026-11-30T08:01:00+00:00")
    at("2027-03-03T10:00:00+00:00")
    cases = _cases(as_user, INHOUSE)
    assert len(cases) == 2
    assert sorted(c["data"]["panel_meeting_date"] for c in cases) == ["2026-12-04", "2027-03-05"]


def test_each_quarter_the_external_placements_are_listed_and_reviewed(at, as_user):
    """Seed: "The panel reviews every quarter: External placements – Fostering, Residential
    and Residential Schools." The commissioning officer lists them; the panel reviews them."""
    at("2027-01-01T10:00:00+00:00")
    assert _cases(as_user, EXTERNAL) == []
    at("2027-01-04T08:01:00+00:00")
    [case] = _cases(as_user, EXTERNAL)
    assert case["data"]["panel_meeting_date"] == "2027-01-15"  # the Friday of the next week
    officer = as_user("commissioning_officer")
    task = _ready(officer, EXTERNAL)
    assert task["due_at"].startswith("2027-01-14T12:00")
    empty = _complete(officer, task, {"none_this_quarter": False, "placements": []})
    assert empty.status_code == 422 and "placements" in empty.json["errors"]
    listed = _complete(officer, task, {"none_this_quarter": False, "placements": [
        {"child_ref": "C-9201", "placement_kind": "residential_school", "provider": "Hill School",
         "started_on": "2026-04-01", "weekly_cost": 4200, "funding_ends": "2027-03-31",
         "local": False},
        {"child_ref": "C-9202", "placement_kind": "agency_fostering", "provider": "Agency A",
         "started_on": "2026-10-10", "weekly_cost": 950, "funding_ends": "2027-04-09"}]})
    assert listed.status_code == 200, listed.json
    chair = as_user("panel_chair")
    reviewed = _complete(chair, _ready(chair, EXTERNAL),
                         {"reviewed_on": "2027-01-15", "findings": "Both continue."})
    assert reviewed.json["instance"]["status"] == "completed"
    at("2027-03-31T10:00:00+00:00")
    assert len(_cases(as_user, EXTERNAL)) == 1
    at("2027-04-04T08:01:00+00:00")  # a quarter on the calendar, not 91 days
    assert len(_cases(as_user, EXTERNAL)) == 2
