"""The managers' case list and a case's page: filters, CSV, history, and reassigning a task
so it lands in the new holder's inbox."""
from __future__ import annotations

import csv
import io

import pytest

from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start
from tests.pathways.test_marp import SAMPLES

STEP = "Team manager review"


@pytest.fixture
def marp_case(as_user) -> dict:
    sw = as_user("social_worker")
    case = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-9901", "name": "Sage Example"}}).json
    sw.post(f"/api/v1/tasks/{case['tasks'][0]['id']}/complete",
            json={"data": SAMPLES["prepare_request"]})
    return sw.get(f"/api/v1/process-instances/{case['id']}").json


def test_the_list_shows_where_each_case_waits_and_exports_csv(browser, marp_case):
    manager = browser("manager")
    page = manager.get("/cases").get_data(as_text=True)
    assert "Sage Example" in page and STEP in page
    assert "team manager (unclaimed)" in page
    assert "Sage Example" not in manager.get("/cases?pathway=pct").get_data(as_text=True)
    assert "Sage Example" in manager.get("/cases?child_ref=C-9901").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(
        manager.get("/cases.csv?pathway=marp").get_data(as_text=True))))
    assert [(r["child_ref"], r["current step"]) for r in rows] == [("C-9901", STEP)]


def test_a_manager_reassigns_and_it_shows_in_history_and_the_new_inbox(browser, as_user,
                                                                         marp_case):
    manager = browser("manager")
    page = manager.get(f"/cases/{marp_case['id']}").get_data(as_text=True)
    assert "Waiting now" in page and "History" in page
    [task] = [t for t in marp_case["tasks"] if t["status"] == "ready"]
    url = f"/cases/{marp_case['id']}/tasks/{task['id']}/assign"
    asked = manager.post(url, {"username": "team_manager"}).get_data(as_text=True)
    assert f"Give “{task['title']}” to Alex Morgan (Team Manager)?" in asked
    assert as_user("team_manager").get("/api/v1/tasks?filter=mine").json["items"] == []
    done = manager.post(url, {"username": "team_manager", "confirmed": "1"}, follow=True)
    assert "is now with" in done.get_data(as_text=True)
    assert "assigned" in manager.get(f"/cases/{marp_case['id']}").get_data(as_text=True)
    mine = as_user("team_manager").get("/api/v1/tasks?filter=mine").json["items"]
    assert [t["id"] for t in mine] == [task["id"]]


def test_suspend_resume_and_end_with_a_reason(browser, marp_case):
    manager = browser("manager")
    url = f"/cases/{marp_case['id']}"
    assert "The case is suspended" in manager.post(f"{url}/suspend", {}, follow=True).get_data(
        as_text=True)
    assert "The case is running again" in manager.post(f"{url}/resume", {}, follow=True).get_data(
        as_text=True)
    refused = manager.post(f"{url}/terminate", {}, follow=True).get_data(as_text=True)
    assert "Enter the reason" in refused
    asked = manager.post(f"{url}/terminate", {"reason": "Duplicate request"})
    assert "End this case?" in asked.get_data(as_text=True)
    assert "Duplicate request" in asked.get_data(as_text=True)
    assert "Running" in manager.get(url).get_data(as_text=True)  # nothing happened yet
    ended = manager.post(f"{url}/terminate", {"reason": "Duplicate request", "confirmed": "1"},
                         follow=True)
    assert "The case has ended" in ended.get_data(as_text=True)


def test_social_workers_have_no_case_list(browser):
    assert browser("social_worker").get("/cases").status_code == 403


def test_the_diagram_state_says_where_the_case_is(browser, marp_case):
    manager = browser("manager")
    state = manager.get(f"/cases/{marp_case['id']}/diagram.json").get_json()
    assert state["done"]["prepare_request"] == 1 and state["done"]["start"] == 1
    assert state["current"] == ["tm_review"] and state["error"] is False
    xml = manager.get(f"/cases/{marp_case['id']}/diagram.bpmn")
    assert xml.mimetype == "application/xml" and b'id="tm_review"' in xml.data


def test_a_case_stopped_by_an_error_is_retried_from_its_page(app, browser, as_user):
    deploy(app, two_step(condition="undefined_name == 1"))
    sw = as_user("social_worker")
    instance = start(sw)
    first = ready_task(instance, "first")
    second = sw.post(f"/api/v1/tasks/{first['id']}/complete", json={"data": {
        "outcome": "finish", "when": "2026-11-20"}}).json["next_tasks"][0]
    as_user("team_manager").post(f"/api/v1/tasks/{second['id']}/complete",
                                 json={"data": {"outcome": "boom"}})
    manager = browser("manager")
    page = manager.get(f"/cases/{instance['id']}").get_data(as_text=True)
    assert "Retry" in page and "undefined_name" in page
    done = manager.post(f"/cases/{instance['id']}/retry", follow=True).get_data(as_text=True)
    assert "The case is running again" in done
    assert "Taylor Quinn (Manager) retried the case after its error" in done
    assert "Retry</button>" not in done


def test_the_history_shows_what_each_step_submitted_in_the_form_words(browser, marp_case):
    page = browser("manager").get(f"/cases/{marp_case['id']}").get_data(as_text=True)
    history = page[page.index(">History</h2>"):]
    assert "What was submitted" in history
    assert "How old is the child or young person?" in history and ">14<" in history
    assert "request_kind" not in history  # labels, not field names
