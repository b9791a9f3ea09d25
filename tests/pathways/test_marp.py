"""The Multi-Agency Resource Panel pathway, walked through the API on every route.

Sample answers for each form live in marp_samples.json beside this file.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.services import forms
from tests.pathways.walker import Walk

SAMPLES = json.loads((Path(__file__).parent / "marp_samples.json").read_text())
MEETING_DAY = "2026-12-08T08:00:00+00:00"
RELIST_DAY = "2026-12-22T08:00:00+00:00"
REVIEW_DAY = "2027-03-09T10:00:00+00:00"

ROLES = {
    "prepare_request": "social_worker", "provide_further_info": "social_worker",
    "tm_review": "team_manager", "review_progress": "team_manager",
    "sm_approval": "service_manager", "list_for_panel": "panel_administrator",
    "record_decision": "panel_chair",
}


class Case:
    """One MARP request moving through the panel, driven by each role's own client."""

    def __init__(self, app, as_user):
        self.app = app
        self.clients = {role: as_user(role) for role in set(ROLES.values())}
        created = self.clients["social_worker"].post("/api/v1/process-instances", json={
            "process_model": "marp", "subject": {"child_ref": "C-2001", "name": "Jamie Example"}})
        assert created.status_code == 201, created.json
        self.id = created.json["id"]
        self.steps: list[str] = []

    def instance(self) -> dict:
        return self.clients["social_worker"].get(f"/api/v1/process-instances/{self.id}").json

    def ready(self) -> list[str]:
        return [t["name"] for t in self.instance()["tasks"] if t["status"] == "ready"]

    def do(self, task: str, sample: str | None = None) -> dict:
        role = ROLES[task]
        client = self.clients[role]
        [summary] = [t for t in self.instance()["tasks"]
                     if t["name"] == task and t["status"] == "ready"]
        assert summary["role"] == role
        response = client.post(f"/api/v1/tasks/{summary['id']}/complete",
                               json={"data": SAMPLES[sample or task]})
        assert response.status_code == 200, response.json
        self.steps.append(task)
        return response.json["instance"]

    def tick(self, as_of: str) -> None:
        result = self.app.test_cli_runner().invoke(args=["run-due", "--as-of", as_of])
        assert result.exit_code == 0, result.output


@pytest.fixture
def case(app, as_user):
    return Case(app, as_user)


def _to_listing(case: Case) -> None:
    case.do("prepare_request")
    case.do("tm_review")
    case.do("sm_approval")
    case.do("list_for_panel")


def test_starts_with_the_social_workers_request(case):
    instance = case.instance()
    [task] = instance["tasks"]
    assert (task["name"], task["assignee"], task["role"]) == \
        ("prepare_request", "social_worker", "social_worker")
    assert task["title"] == "Prepare MARP request"


def test_only_social_workers_start_a_request(as_user):
    response = as_user("panel_chair").post("/api/v1/process-instances",
                                           json={"process_model": "marp"})
    assert response.status_code == 403


def test_the_chair_waits_for_the_meeting_day(case):
    _to_listing(case)
    instance = case.instance()
    assert instance["status"] == "waiting"
    assert case.ready() == []
    case.tick("2026-12-07T23:00:00+00:00")
    assert case.ready() == []
    case.tick(MEETING_DAY)
    assert case.ready() == ["record_decision"]


def test_approved_without_review(case):
    _to_listing(case)
    case.tick(MEETING_DAY)
    case.do("record_decision", "record_decision__approved")
    instance = case.instance()
    assert instance["status"] == "completed"
    assert instance["data"]["panel_decision"] == "approved"


def test_approved_with_conditions_then_review_on_the_review_date(case):
    _to_listing(case)
    case.tick(MEETING_DAY)
    case.do("record_decision", "record_decision__approved_with_conditions")
    instance = case.instance()
    assert instance["status"] == "waiting"
    case.tick("2027-03-09T08:00:00+00:00")
    assert case.ready() == []
    case.tick(REVIEW_DAY)
    assert case.ready() == ["review_progress"]
    assert case.do("review_progress")["status"] == "completed"


def test_declined(case):
    _to_listing(case)
    case.tick(MEETING_DAY)
    case.do("record_decision", "record_decision__declined")
    instance = case.instance()
    assert instance["status"] == "completed"
    assert instance["data"]["panel_decision"] == "declined"


def test_deferred_for_more_information_then_relisted_and_approved(case):
    _to_listing(case)
    case.tick(MEETING_DAY)
    case.do("record_decision", "record_decision__deferred")
    task = next(t for t in case.instance()["tasks"] if t["name"] == "provide_further_info"
                and t["status"] == "ready")
    assert task["assignee"] == "social_worker"  # back to the child's own social worker
    case.do("provide_further_info")
    assert case.ready() == ["sm_approval"]  # the service manager approves every submission
    case.do("sm_approval")
    case.do("list_for_panel", "list_for_panel__relist")
    case.tick(RELIST_DAY)
    case.do("record_decision", "record_decision__approved_review")
    case.tick(REVIEW_DAY)
    assert case.do("review_progress")["status"] == "completed"
    # One minutes task per meeting (the panel's minutes case), none per case as well.
    assert "distribute_minutes" not in case.steps


def test_team_manager_returns_it_to_the_social_worker(case):
    case.do("prepare_request")
    case.do("tm_review", "tm_review__return")
    assert case.ready() == ["prepare_request"]
    ready = next(t for t in case.instance()["tasks"] if t["status"] == "ready")
    assert ready["assignee"] == "social_worker"
    case.do("prepare_request")
    assert case.ready() == ["tm_review"]


def test_service_manager_returns_it_with_reasons(case):
    case.do("prepare_request")
    case.do("tm_review")
    instance = case.do("sm_approval", "sm_approval__returned")
    assert case.ready() == ["prepare_request"]
    assert instance["data"]["sm_comments"]
    case.do("prepare_request")
    case.do("tm_review")
    case.do("sm_approval")
    assert case.ready() == ["list_for_panel"]


def test_a_past_meeting_date_is_refused_and_nothing_moves(case):
    case.do("prepare_request")
    case.do("tm_review")
    case.do("sm_approval")
    [task] = [t for t in case.instance()["tasks"] if t["status"] == "ready"]
    response = case.clients["panel_administrator"].post(
        f"/api/v1/tasks/{task['id']}/complete", json={"data": SAMPLES["list_for_panel__past"]})
    assert response.status_code == 422
    assert "panel_meeting_date" in response.json["errors"]
    assert case.ready() == ["list_for_panel"]


def test_the_request_checklist_must_be_answered(case):
    client = case.clients["social_worker"]
    [task] = case.instance()["tasks"]
    incomplete = {k: v for k, v in SAMPLES["prepare_request"].items()
                  if k not in ("family_solutions_exhausted", "case_summary_mosaic_ref")}
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": incomplete})
    assert response.status_code == 422
    assert set(response.json["errors"]) >= {"family_solutions_exhausted", "case_summary_mosaic_ref"}
    assert case.ready() == ["prepare_request"]


def test_conditions_are_required_when_approving_with_conditions(case):
    _to_listing(case)
    case.tick(MEETING_DAY)
    [task] = [t for t in case.instance()["tasks"] if t["status"] == "ready"]
    response = case.clients["panel_chair"].post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": {"panel_decision": "approved_with_conditions", "review_required": False}})
    assert response.status_code == 422
    assert "decision_conditions" in response.json["errors"]


def test_every_task_has_a_form_instructions_and_a_due_date(case):
    _to_listing(case)
    for task in case.instance()["tasks"]:
        detail = case.clients[task["role"]].get(f"/api/v1/tasks/{task['id']}").json
        assert detail["form"]["schema"]["properties"], task["name"]
        assert detail["instructions"], task["name"]
        assert detail["due_at"], task["name"]


def test_the_readme_examples_fit_the_forms(app):
    """The curl walk-through in README.md posts these files; they must stay valid."""
    examples = Path(__file__).resolve().parents[2] / "docs" / "examples" / "marp"
    with app.app_context():
        for path in sorted(examples.glob("*.json")):
            schema = forms.load_form(f"marp/{path.stem}.schema.json")
            assert schema, path.name
            assert forms.validate(schema, json.loads(path.read_text())["data"]) == {}, path.name



def _approved_at(app, as_user, traveller, moment: str) -> Walk:
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
    walk.do("prepare_request")
    walk.do("tm_review")
    walk.at(moment)
    walk.do("sm_approval")
    return walk


@pytest.mark.parametrize(("approved_at", "meeting"), [
    ("2026-12-01T16:00:00+00:00", "2026-12-08"),  # by 4pm on Tuesday 1 Dec, a week before
    ("2026-12-01T16:01:00+00:00", "2026-12-22"),  # a minute late: the following meeting
    ("2026-12-24T15:59:00+00:00", "2027-01-05"),  # 1 Jan between: cut-off Thursday 24 Dec
    ("2026-12-29T10:00:00+00:00", "2027-01-19"),
])
def test_the_cut_off_chooses_the_meeting(app, as_user, traveller, approved_at, meeting):
    walk = _approved_at(app, as_user, traveller, approved_at)
    data = walk.data()
    assert (data["panel_meeting_date"], data["submitted_by_cutoff"]) == (meeting, True)
    assert "4pm on the Tuesday one week before" in data["listing_rule"]
    assert walk.ready() == ["list_for_panel"]


def test_an_emergency_decision_goes_to_the_next_available_meeting(app, as_user, traveller):
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
    walk.do("prepare_request", "prepare_request__emergency")
    walk.do("tm_review")
    walk.at("2026-12-02T10:00:00+00:00")  # after 8 December's cut-off
    walk.do("sm_approval")
    assert walk.data()["panel_meeting_date"] == "2026-12-08"  # the cut-off does not apply
    assert walk.data()["listing_rule"].startswith("Retrospective agreement")


def test_a_deferred_request_is_relisted_by_the_cut_off(app, as_user, traveller):
    walk = _approved_at(app, as_user, traveller, "2026-11-23T10:00:00+00:00")
    walk.do("list_for_panel")
    walk.at("2026-12-08T00:01:00+00:00")
    walk.do("record_decision", "record_decision__deferred")
    walk.at("2026-12-15T16:01:00+00:00")  # after 22 Dec's cut-off (Tuesday 15 Dec, 4pm)
    walk.do("provide_further_info")
    assert walk.ready() == ["sm_approval"]  # the service manager approves every submission
    walk.do("sm_approval")
    assert walk.data()["panel_meeting_date"] == "2027-01-05"


def test_listing_at_another_meeting_moves_the_agenda_item_with_the_case(app, as_user, traveller):
    walk = _approved_at(app, as_user, traveller, "2026-11-23T10:00:00+00:00")
    first = walk.instance()["listing"]["meeting_id"]  # 8 December
    walk.do("list_for_panel", "list_for_panel__relist")  # the administrator chooses 22 December
    listing = walk.instance()["listing"]
    assert listing["meeting_id"] != first and listing["starts_at"].startswith("2026-12-22")
    walk.at("2026-12-08T09:00:00+00:00")
    assert walk.ready() == []  # nothing opens on the 8th
    walk.at("2026-12-22T00:01:00+00:00")
    walk.do("record_decision", "record_decision__approved")
    chair = walk.clients["panel_chair"]
    assert chair.get(f"/api/v1/meetings/{first}").json["items"] == []
    [item] = chair.get(f"/api/v1/meetings/{listing['meeting_id']}").json["items"]
    assert item["decision"]["outcome"] == "approved"


def _ready_detail(case: Case, task: str) -> dict:
    [summary] = [t for t in case.instance()["tasks"]
                 if t["name"] == task and t["status"] == "ready"]
    return case.clients[ROLES[task]].get(f"/api/v1/tasks/{summary['id']}").json


def test_a_resubmitted_request_reaches_a_review_that_opens_without_its_last_decision(case):
    case.do("prepare_request")
    case.do("tm_review", "tm_review__return")
    returned = _ready_detail(case, "prepare_request")
    # The social worker amends their own request: it opens with what they wrote.
    assert returned["data"]["needs_summary"] == SAMPLES["prepare_request"]["needs_summary"]
    case.do("prepare_request")

    review = _ready_detail(case, "tm_review")
    assert "tm_review_outcome" not in review["data"]
    assert "tm_comments" not in review["data"]
    # The request it reviews is there: the social worker's resubmitted answers.
    assert review["data"]["needs_summary"] == SAMPLES["prepare_request"]["needs_summary"]

    response = case.clients["team_manager"].post(
        f"/api/v1/tasks/{review['id']}/complete", json={"data": {"tm_review_outcome": "endorse"}})
    assert response.status_code == 200, response.json
    assert response.json["instance"]["data"]["tm_review_outcome"] == "endorse"
    assert "tm_comments" not in response.json["instance"]["data"]
    history = case.clients["team_manager"].get(
        f"/api/v1/process-instances/{case.id}/history").json
    endorsed = [e for e in history if e["event"] == "completed" and e["task_name"] == "tm_review"]
    assert endorsed[-1]["detail"]["data"] == {"tm_review_outcome": "endorse"}

    # The service manager's own second round after a return opens empty too.
    case.do("sm_approval", "sm_approval__returned")
    case.do("prepare_request")
    case.do("tm_review")
    approval = _ready_detail(case, "sm_approval")
    assert "sm_approval_outcome" not in approval["data"]
    assert "sm_comments" not in approval["data"]
    assert approval["data"]["tm_comments"] == SAMPLES["tm_review"]["tm_comments"]


def test_a_relisted_request_is_decided_afresh(case):
    _to_listing(case)
    case.tick(MEETING_DAY)
    case.do("record_decision", "record_decision__deferred")
    case.do("provide_further_info")
    approval = _ready_detail(case, "sm_approval")
    assert "sm_approval_outcome" not in approval["data"]
    case.do("sm_approval")
    listing = _ready_detail(case, "list_for_panel")
    assert "panel_slot_time" not in listing["data"]
    assert listing["data"]["panel_meeting_date"] == "2026-12-22"
