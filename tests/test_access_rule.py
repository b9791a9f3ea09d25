"""The need-to-know rule (app/services/access.py), asserted as intended over two teams in one
service and a team in a second service, with cases at open and at finished steps.

Written down before the code (issue 15, finding 1): you see a case you started, hold or held
a step of, whose team you manage or whose service you lead, that is listed on a panel you sit
on, or whose open step is offered to you, or whose child you are the allocated social worker
of (issue 19 item 3); a step is offered only to its role and, for
team-bound roles (social worker, team manager), only within the case's team. Moving a case:
managers of its team or service only. Assigning: only to someone who may do the step, never
to the person it must be kept apart from (finding 2).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from app.extensions import db
from app.models import HumanTask
from tests.factories import make_user
from tests.pages.conftest import Browser

SAMPLES = json.loads((Path(__file__).parent / "pathways" / "marp_samples.json").read_text())
OTHER_SERVICE = "Children in Care Service"


def _user(username: str, roles: list[str], service: str = OTHER_SERVICE) -> None:
    make_user(username, roles, team=f"test-{service}", service=service)


@pytest.fixture
def people(app):
    """A second service's team (called 'test'): its social worker, team manager and head."""
    with app.app_context():
        _user("sw_c", ["social_worker"])
        _user("tm_c", ["team_manager"])
        _user("hos_c", ["head_of_service"])
        db.session.remove()


def _ready(instance: dict, name: str) -> str:
    [task] = [t for t in instance["tasks"] if t["name"] == name and t["status"] == "ready"]
    return task["id"]


def _start_and_submit(as_user, starter: str, child_ref: str) -> dict:
    client = as_user(starter)
    started = client.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": child_ref, "name": child_ref}})
    assert started.status_code == 201, started.json
    done = client.post(f"/api/v1/tasks/{_ready(started.json, 'prepare_request')}/complete",
                       json={"data": SAMPLES["prepare_request"]})
    assert done.status_code == 200, done.json
    return done.json["instance"]


@pytest.fixture
def cases(people, as_user) -> dict[str, dict]:
    """A1: Team A's request waiting for its team manager's review.
    A2: Team A's request endorsed by its team manager, waiting for a service manager.
    C1: the second service's request waiting for its team manager's review."""
    a1 = _start_and_submit(as_user, "social_worker", "C-A1")
    a2 = _start_and_submit(as_user, "social_worker", "C-A2")
    endorsed = as_user("team_manager").post(
        f"/api/v1/tasks/{_ready(a2, 'tm_review')}/complete", json={"data": SAMPLES["tm_review"]})
    assert endorsed.status_code == 200, endorsed.json
    c1 = _start_and_submit(as_user, "sw_c", "C-C1")
    return {"A1": a1, "A2": endorsed.json["instance"], "C1": c1}


EVERYONE = ["social_worker", "social_worker_2", "social_worker_3", "team_manager",
            "team_manager_2", "service_manager", "head_of_service", "panel_chair",
            "panel_administrator", "manager", "process_owner", "auditor", "sw_c", "tm_c",
            "hos_c"]
# Who sees each case, and why.
SEES = {
    # starter; the team's manager (offered the review too); the service's managers; oversight.
    "A1": {"social_worker", "team_manager", "service_manager", "head_of_service", "manager",
           "process_owner"},
    # as A1, and: the approval is offered to service managers council-wide (not team-bound);
    # team_manager did the review (held a step).
    "A2": {"social_worker", "team_manager", "service_manager", "head_of_service", "manager",
           "process_owner"},
    # the second service's own people; oversight. Team A's and service 1's managers do not.
    "C1": {"sw_c", "tm_c", "hos_c", "manager", "process_owner"},
}


@pytest.mark.parametrize("case_key", sorted(SEES))
def test_who_sees_each_case(as_user, cases, case_key):
    instance_id = cases[case_key]["id"]
    seen = set()
    for username in EVERYONE:
        client = as_user(username)
        status = client.get(f"/api/v1/process-instances/{instance_id}").status_code
        history = client.get(f"/api/v1/process-instances/{instance_id}/history").status_code
        assert status == history, (username, status, history)
        listed = {i["id"] for i in client.get(
            "/api/v1/process-instances?per_page=200").json["items"]}
        assert (status == 200) == (instance_id in listed), username
        if status == 200:
            seen.add(username)
        else:
            assert status == 404, (username, status)
    assert seen == SEES[case_key]


def test_a_review_in_another_team_is_not_offered_seen_or_workable(as_user, cases):
    """The issue's reproduction: team_manager_2 (Team B) against Team A's review."""
    review = _ready(cases["A1"], "tm_review")
    other = as_user("team_manager_2")
    assert review not in {t["id"] for t in other.get("/api/v1/tasks?per_page=200").json["items"]}
    assert other.get(f"/api/v1/tasks/{review}").status_code == 404
    assert other.post(f"/api/v1/tasks/{review}/claim").status_code == 404
    assert other.post(f"/api/v1/tasks/{review}/complete",
                      json={"data": SAMPLES["tm_review"]}).status_code == 404
    assert other.post(f"/api/v1/process-instances/{cases['A1']['id']}/team",
                      json={"team": "Locality Team B"}).status_code == 404
    never_involved = as_user("social_worker_3")
    assert never_involved.get(
        f"/api/v1/process-instances/{cases['A1']['id']}/history").status_code == 404
    # Team A's own manager is offered it and may do it.
    own = as_user("team_manager")
    assert review in {t["id"] for t in own.get("/api/v1/tasks?filter=claimable").json["items"]}
    assert own.post(f"/api/v1/tasks/{review}/claim").status_code == 200


def test_the_second_services_review_is_offered_in_its_team_only(as_user, cases):
    review = _ready(cases["C1"], "tm_review")
    offered = {t["id"] for t in as_user("tm_c").get("/api/v1/tasks").json["items"]}
    assert review in offered
    for username in ("team_manager", "team_manager_2"):
        assert review not in {t["id"] for t in as_user(username).get("/api/v1/tasks").json[
            "items"]}


def test_a_council_wide_step_is_offered_in_every_team(as_user, cases):
    approval = _ready(cases["A2"], "sm_approval")
    assert approval in {t["id"] for t in as_user("service_manager").get(
        "/api/v1/tasks").json["items"]}


def test_the_allocated_worker_sees_the_case_before_any_step_reaches_them(as_user):
    """A review a service manager begins for social_worker_2's child: they hold no step of it
    yet, but it is their case; another social worker of the team does not see it."""
    started = as_user("service_manager").post("/api/v1/process-instances", json={
        "process_model": "placement_forum_2", "subject": {"child_ref": "C-AW"},
        "allocated_worker": "social_worker_2"})
    assert started.status_code == 201, started.json
    assert {t["assignee"] for t in started.json["tasks"]} == {"service_manager"}
    url = f"/api/v1/process-instances/{started.json['id']}"
    assert as_user("social_worker_2").get(url).status_code == 200
    assert started.json["id"] in {i["id"] for i in as_user("social_worker_2").get(
        "/api/v1/process-instances?per_page=200").json["items"]}
    for username in ("social_worker", "social_worker_3"):
        assert as_user(username).get(url).status_code == 404, username


@pytest.mark.parametrize(("username", "expected"), [
    ("team_manager", 200), ("service_manager", 200), ("head_of_service", 200),
    ("manager", 200), ("process_owner", 403), ("social_worker", 403),
    ("team_manager_2", 404), ("hos_c", 404)])
def test_moving_a_case_is_for_managers_of_its_team_or_service(as_user, cases, username,
                                                            expected):
    response = as_user(username).post(f"/api/v1/process-instances/{cases['A1']['id']}/team",
                                      json={"team": "Locality Team B"})
    assert response.status_code == expected, response.json


def test_a_moved_case_is_offered_in_its_new_team(as_user, cases):
    review = _ready(cases["A1"], "tm_review")
    moved = as_user("team_manager").post(f"/api/v1/process-instances/{cases['A1']['id']}/team",
                                         json={"team": "Locality Team B"})
    assert moved.status_code == 200
    assert review in {t["id"] for t in as_user("team_manager_2").get(
        "/api/v1/tasks").json["items"]}
    assert as_user("team_manager_2").post(f"/api/v1/tasks/{review}/claim").status_code == 200


def test_an_assignee_must_hold_the_steps_role(as_user, cases):
    """The issue's reproduction: a team manager hands the service manager's approval to the
    social worker who made the request, who then approves their own request."""
    approval = _ready(cases["A2"], "sm_approval")
    refused = as_user("team_manager").post(f"/api/v1/tasks/{approval}/assign",
                                           json={"username": "social_worker"})
    assert refused.status_code == 422
    assert "username" in refused.json["errors"]
    assert as_user("social_worker").post(f"/api/v1/tasks/{approval}/complete", json={
        "data": SAMPLES["sm_approval"]}).status_code == 403
    # A team-bound step goes only to someone in the case's team.
    review = _ready(cases["A1"], "tm_review")
    other_team = as_user("manager").post(f"/api/v1/tasks/{review}/assign",
                                         json={"username": "team_manager_2"})
    assert other_team.status_code == 422
    assert as_user("manager").post(f"/api/v1/tasks/{review}/assign",
                                   json={"username": "team_manager"}).status_code == 200


@pytest.fixture
def requester_who_approves(app):
    """Someone who is both a social worker and a service manager, in service 1."""
    with app.app_context():
        _user("sw_and_sm", ["social_worker", "service_manager"], service="Locality Services")
        _user("tm_test", ["team_manager"], service="Locality Services")
        db.session.remove()


def test_an_approval_is_kept_apart_from_the_person_who_asked(app, as_user,
                                                             requester_who_approves):
    instance = _start_and_submit(as_user, "sw_and_sm", "C-SOD")
    endorsed = as_user("tm_test").post(f"/api/v1/tasks/{_ready(instance, 'tm_review')}/complete",
                                       json={"data": SAMPLES["tm_review"]})
    assert endorsed.status_code == 200, endorsed.json
    approval = _ready(endorsed.json["instance"], "sm_approval")
    requester = as_user("sw_and_sm")
    assert approval not in {t["id"] for t in requester.get("/api/v1/tasks").json["items"]}
    assert requester.post(f"/api/v1/tasks/{approval}/claim").status_code == 403
    assert requester.post(f"/api/v1/tasks/{approval}/complete",
                          json={"data": SAMPLES["sm_approval"]}).status_code == 403
    handed = as_user("manager").post(f"/api/v1/tasks/{approval}/assign",
                                     json={"username": "sw_and_sm"})
    assert handed.status_code == 422, handed.json
    with app.app_context():
        task = db.session.get(HumanTask, approval)
        assert task.assignee is None and task.not_for == ["sw_and_sm"]
    # Another service manager approves it.
    assert as_user("service_manager").post(f"/api/v1/tasks/{approval}/complete", json={
        "data": SAMPLES["sm_approval"]}).status_code == 200


def test_a_repeat_claim_by_the_holder_records_nothing(as_user, cases):
    review = _ready(cases["A1"], "tm_review")
    client = as_user("team_manager")
    assert client.post(f"/api/v1/tasks/{review}/claim").status_code == 200
    assert client.post(f"/api/v1/tasks/{review}/claim").status_code == 200
    events = [e["event"] for e in client.get(
        f"/api/v1/process-instances/{cases['A1']['id']}/history").json]
    assert events.count("claimed") == 1


def test_registers_follow_the_rule(app, as_user, people):
    """Finding 8: a head of service read another service's child in the placement-tracking
    CSV while the API said 404. Registers list only the cases the reader may see."""
    for starter, child in (("team_manager", "C-PF3-A"), ("tm_c", "C-PF3-C")):
        started = as_user(starter).post("/api/v1/process-instances", json={
            "process_model": "placement_forum_3", "subject": {"child_ref": child, "name": child}})
        assert started.status_code == 201, started.json
    for reader, sees in (("head_of_service", {"C-PF3-A"}), ("hos_c", {"C-PF3-C"}),
                         ("manager", {"C-PF3-A", "C-PF3-C"})):
        page = Browser(app)
        page.sign_in(reader, **({"password": "pw"} if reader == "hos_c" else {}))
        rows = csv.DictReader(io.StringIO(
            page.get("/registers/placement-tracking.csv").get_data(as_text=True)))
        assert {row["child_ref"] for row in rows} == sees, reader
