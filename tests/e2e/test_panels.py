"""The panels pages in a real browser: calendar, a panel's meetings, and a meeting's agenda."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.e2e
SAMPLES = json.loads((ROOT / "tests" / "pathways" / "marp_samples.json").read_text())


def _listed_marp_case(as_user) -> str:
    """A MARP request approved by the service manager: listed on the next MARP meeting."""
    clients = {r: as_user(r) for r in ("social_worker", "team_manager", "service_manager")}
    instance = clients["social_worker"].post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-7001", "name": "Jo Agenda"}}).json
    for task, role in (("prepare_request", "social_worker"), ("tm_review", "team_manager"),
                       ("sm_approval", "service_manager")):
        current = clients[role].get(f"/api/v1/process-instances/{instance['id']}").json
        [ready] = [t for t in current["tasks"] if t["name"] == task and t["status"] == "ready"]
        assert clients[role].post(f"/api/v1/tasks/{ready['id']}/complete",
                                  json={"data": SAMPLES[task]}).status_code == 200
    return instance["id"]


def test_administrator_finds_the_agenda_of_the_next_marp_meeting(new_page, as_user):
    _listed_marp_case(as_user)
    page = new_page()
    sign_in(page, "panel_administrator")
    page.get_by_role("link", name="Panels", exact=True).click()
    expect(page.get_by_role("heading", name="Panels")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(7)
    assert_accessible(page, "the panels page")

    page.get_by_role("link", name="Multi-Agency Resource Panel (MARP)").click()
    expect(page.get_by_text("4pm on the Tuesday one week before")).to_be_visible()
    assert_accessible(page, "a panel's page")

    page.locator("tbody tr").first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/meetings/"))
    expect(page.get_by_role("heading", name=re.compile(r"^Agenda: Tuesday"))).to_be_visible()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("Jo Agenda")
    expect(row).to_contain_text("Complete")
    expect(row.get_by_role("link", name=re.compile(r"List request for MARP"))).to_be_visible()
    assert_accessible(page, "a meeting's agenda")
    screenshot(page, "meeting-agenda.png")
    assert not page.problems, page.problems


def test_administrator_moves_a_meeting_and_its_case_goes_with_it(new_page, as_user):
    case_id = _listed_marp_case(as_user)
    page = new_page()
    sign_in(page, "panel_administrator")
    page.goto("/panels/marp")
    page.locator("tbody tr").first.get_by_role("link").click()
    page.get_by_text("Move this meeting to another day").click()
    page.get_by_role("button", name="Move meeting").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "the agenda with errors in the move form")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2030")
    page.get_by_label("Why is it moving?").fill("The chair is at court")
    page.get_by_role("button", name="Move meeting").click()
    expect(page.get_by_text("The meeting has moved")).to_be_visible()
    expect(page.get_by_role("heading", name="Agenda: Tuesday 31 December 2030")).to_be_visible()
    expect(page.locator("tbody tr").first).to_contain_text("Jo Agenda")
    listing = as_user("social_worker").get(f"/api/v1/process-instances/{case_id}").json
    assert listing["listing"]["starts_at"].startswith("2030-12-31")
    assert not page.problems, page.problems


def test_the_registers_are_accessible(new_page):
    page = new_page()
    sign_in(page, "manager")
    page.goto("/panels")
    page.get_by_role("link", name="unmet needs and gaps in provision").click()
    expect(page.get_by_role("heading", name="Unmet needs and gaps in provision")).to_be_visible()
    assert_accessible(page, "the unmet-needs register")
    page.goto("/panels")
    page.get_by_role("link", name=re.compile("tracker log")).click()
    expect(page.get_by_role("heading", name=re.compile("tracker log"))).to_be_visible()
    assert_accessible(page, "the tracker log")
    page.goto("/panels")
    page.get_by_role("link", name="commissioning budget").click()
    expect(page.get_by_role("heading", name="Commissioning budget")).to_be_visible()
    assert_accessible(page, "the commissioning budget")
    assert not page.problems, page.problems


def test_administrator_changes_a_panels_hours_in_the_browser(new_page):
    """Issue 19 ("Also"): panel configuration as pages, accessible with errors and on the
    confirmation."""
    page = new_page()
    sign_in(page, "panel_administrator")
    page.goto("/panels/pct")
    page.get_by_role("link", name=re.compile("Change the panel's settings")).click()
    expect(page.get_by_role("heading", name="Change the panel's settings")).to_be_visible()
    assert_accessible(page, "a panel's settings")
    page.get_by_label("Start time").fill("9.30")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "a panel's settings with errors")
    page.get_by_role("link", name="Start time must be a 24-hour time, like 09:30").click()
    expect(page.get_by_label("Start time")).to_be_focused()
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("End time").fill("11:30")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check the changes before you make them")
           ).to_be_visible()
    assert_accessible(page, "the confirmation of a panel's settings")
    page.get_by_role("button", name="Make these changes").click()
    expect(page.get_by_text("the settings are changed")).to_be_visible()
    expect(page.get_by_text("09:30 to 11:30")).to_be_visible()
    assert not page.problems, page.problems
