"""Which cases a manager sees: a team manager their team's, a service manager and a head of
service every team's in their service, oversight roles everyone's; and the list's team filter
and the dashboard's overdue-by-team figures follow the case's team."""
from __future__ import annotations

import csv
import io

import pytest

from app.extensions import db
from app.models import User
from tests.factories import make_user


def _start(as_user, username: str, child_ref: str) -> str:
    response = as_user(username).post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": child_ref, "name": child_ref}})
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture
def cases(app, as_user) -> dict[str, str]:
    """One MARP request from each locality team, and one from a worker in another service."""
    with app.app_context():
        make_user("sw_elsewhere", ["social_worker"], service="Children in Care Service")
        db.session.remove()
    return {"A": _start(as_user, "social_worker", "C-A1"),
            "B": _start(as_user, "social_worker_3", "C-B1"),
            "elsewhere": _start(as_user, "sw_elsewhere", "C-X1")}


def _listed(browser, username: str, query: str = "") -> set[str]:
    rows = csv.DictReader(io.StringIO(browser(username).get(f"/cases.csv{query}")
                                      .get_data(as_text=True)))
    return {row["child_ref"] for row in rows}


@pytest.mark.parametrize(("username", "sees"), [
    ("team_manager", {"C-A1"}),
    ("team_manager_2", {"C-B1"}),
    ("service_manager", {"C-A1", "C-B1"}),
    ("head_of_service", {"C-A1", "C-B1"}),
    ("manager", {"C-A1", "C-B1", "C-X1"}),
])
def test_each_manager_sees_their_team_or_service(browser, as_user, cases, username, sees):
    assert _listed(browser, username) == sees
    api = {i["subject"]["child_ref"] for i in as_user(username).get(
        "/api/v1/process-instances?per_page=100").json["items"]}
    assert api == sees
    for team, case_id in cases.items():
        page = browser(username).get(f"/cases/{case_id}")
        expected = 200 if {"A": "C-A1", "B": "C-B1", "elsewhere": "C-X1"}[team] in sees else 404
        assert page.status_code == expected, (team, page.status_code)


def test_the_team_manager_of_another_team_cannot_reassign(as_user, cases):
    case = as_user("social_worker").get(f"/api/v1/process-instances/{cases['A']}").json
    task_id = case["tasks"][0]["id"]
    other = as_user("team_manager_2").post(f"/api/v1/tasks/{task_id}/assign",
                                           json={"username": "social_worker_3"})
    assert other.status_code == 404
    own = as_user("team_manager").post(f"/api/v1/tasks/{task_id}/assign",
                                       json={"username": "social_worker_2"})
    assert own.status_code == 200 and own.json["assignee"] == "social_worker_2"


def test_the_list_filters_by_team_and_the_csv_names_it(browser, as_user, cases):
    assert _listed(browser, "head_of_service", "?team=Locality+Team+B") == {"C-B1"}
    rows = list(csv.DictReader(io.StringIO(browser("manager").get("/cases.csv?team=Locality+Team+A")
                                           .get_data(as_text=True))))
    assert [(r["child_ref"], r["team"]) for r in rows] == [("C-A1", "Locality Team A")]
    api = as_user("head_of_service").get("/api/v1/process-instances?team=Locality+Team+B").json
    assert [(i["subject"]["child_ref"], i["team"], i["service"]) for i in api["items"]] == [
        ("C-B1", "Locality Team B", "Locality Services")]
    page = browser("head_of_service").get("/cases").get_data(as_text=True)
    assert '<option value="Locality Team B">' in page
    assert "Children in Care" not in page  # not a team of any case they may see


def test_the_dashboard_counts_overdue_work_by_the_case_team(app, browser, cases, traveller):
    traveller.shift(60 * 60 * 24 * 30)  # a month on, every first step is overdue
    page = browser("head_of_service").get("/dashboard").get_data(as_text=True)
    assert "/cases?team=Locality+Team+A&amp;overdue=1" in page
    assert "/cases?team=Locality+Team+B&amp;overdue=1" in page
    assert "Children in Care" not in page
    with app.app_context():
        assert db.session.scalar(db.select(User).where(
            User.username == "team_manager_2")).service == "Locality Services"
        db.session.remove()


def test_a_case_moved_to_another_team_is_seen_by_that_team_manager(as_user, browser, cases):
    moved = as_user("team_manager").post(f"/api/v1/process-instances/{cases['A']}/team",
                                         json={"team": "Locality Team B"})
    assert moved.status_code == 200
    assert "C-A1" in _listed(browser, "team_manager_2")
    assert "C-A1" not in _listed(browser, "team_manager")  # no longer their team's
    history = as_user("manager").get(f"/api/v1/process-instances/{cases['A']}/history").json
    assert history[-1]["event"] == "team_changed"
    assert history[-1]["detail"] == {"from": "Locality Team A", "to": "Locality Team B"}
    again = as_user("team_manager_2").post(f"/api/v1/process-instances/{cases['A']}/team",
                                           json={"team": "Locality Team B"})
    assert again.status_code == 422 and "already with" in again.json["errors"]["team"][0]
    unknown = as_user("manager").post(f"/api/v1/process-instances/{cases['A']}/team",
                                      json={"team": "Nowhere"})
    assert unknown.status_code == 422
    refused = as_user("social_worker").post(f"/api/v1/process-instances/{cases['A']}/team",
                                            json={"team": "Locality Team A"})
    assert refused.status_code == 403


def test_a_team_manager_moves_a_case_from_its_page(browser, cases):
    team_manager = browser("team_manager")
    page = team_manager.get(f"/cases/{cases['A']}").get_data(as_text=True)
    assert "Locality Team A, Locality Services" in page
    assert '<option value="Locality Team B">' in page
    asked = team_manager.post(f"/cases/{cases['A']}/team", {"team": "Locality Team B"})
    assert "Move this case to Locality Team B?" in asked.get_data(as_text=True)
    done = team_manager.post(f"/cases/{cases['A']}/team",
                             {"team": "Locality Team B", "confirmed": "1"})
    assert done.headers["Location"] == "/cases"  # no longer theirs to see
    assert "The case is now with Locality Team B" in team_manager.get("/cases").get_data(
        as_text=True)
    page = browser("head_of_service").get(f"/cases/{cases['A']}").get_data(as_text=True)
    assert "moved the case to another team (Locality Team A → Locality Team B)" in page
