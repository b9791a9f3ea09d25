"""The managers' case list and a case's page in a real browser, checked with axe."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import HumanTask, utcnow
from tests.e2e.conftest import assert_accessible, screenshot, sign_in, sign_out
from tests.e2e.test_panels import _listed_marp_case

pytestmark = pytest.mark.e2e


def test_a_manager_follows_a_case_and_reassigns_its_step(new_page, as_user):
    _listed_marp_case(as_user)
    page = new_page()
    sign_in(page, "manager")
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()
    assert_accessible(page, "the case list")
    page.get_by_role("link", name="Jo Agenda").click()
    page.wait_for_url(re.compile(r"/cases/"))
    expect(page.get_by_role("heading", name="Waiting now")).to_be_visible()
    assert_accessible(page, "a case's page")
    screenshot(page, "case.png")
    page.get_by_label(re.compile("Reassign")).select_option("panel_administrator")
    page.get_by_role("button", name="Reassign").click()
    page.get_by_role("button", name=re.compile("^Yes, give it to")).click()
    expect(page.get_by_text("It is in their inbox")).to_be_visible()
    assert not page.problems, page.problems


def test_the_dashboard_links_a_figure_to_its_cases(new_page, as_user):
    _listed_marp_case(as_user)
    page = new_page()
    sign_in(page, "manager")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name="Drift and delay")).to_be_visible()
    assert_accessible(page, "the dashboard")
    screenshot(page, "dashboard.png")
    page.get_by_role("link", name=re.compile(r"cases in flight in Multi-Agency")).click()
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()
    expect(page.get_by_role("link", name="Jo Agenda")).to_be_visible()
    assert not page.problems, page.problems


def test_the_case_page_shows_the_case_on_its_diagram(new_page, as_user):
    _listed_marp_case(as_user)
    page = new_page()
    sign_in(page, "manager")
    page.goto("/cases")
    page.get_by_role("link", name="Jo Agenda").click()
    expect(page.locator("#case-diagram[data-ready='true']")).to_be_visible()
    # Done: the request, the reviews and the listing; waiting now: the administrator's step.
    expect(page.locator(".app-current[data-element-id='list_for_panel']")).to_have_count(1)
    expect(page.locator(".app-done[data-element-id='prepare_request']")).to_have_count(1)
    expect(page.locator(".app-diagram-count").first).to_have_text("1")
    assert_accessible(page, "a case's page with its diagram")
    screenshot(page, "case.png")
    assert not page.problems, page.problems


def test_the_heatmap_shows_where_cases_wait_on_the_diagram(new_page, as_user):
    _listed_marp_case(as_user)
    page = new_page()
    sign_in(page, "manager")
    page.goto("/dashboard")
    page.locator("a[href='/dashboard/marp']").click()
    expect(page.locator("#heatmap[data-ready='true']")).to_be_visible()
    expect(page.locator(".app-current[data-element-id='list_for_panel']")).to_have_count(1)
    assert_accessible(page, "the heatmap")
    screenshot(page, "heatmap.png")
    assert not page.problems, page.problems


def test_a_team_manager_follows_an_overdue_figure_and_reassigns_the_step(new_page, as_user,
                                                                          app):
    """The managers' walk-through in the README, as the team's own manager."""
    started = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-7101", "name": "Ari Overdue"}}).json
    with app.app_context():  # the first step fell due yesterday
        db.session.execute(db.update(HumanTask).where(
            HumanTask.instance_id == started["id"]).values(
            due_at=utcnow() - timedelta(days=1)))
        db.session.commit()
        db.session.remove()
    page = new_page()
    sign_in(page, "team_manager")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.get_by_role("link", name=re.compile(r"overdue steps in Multi-Agency")).click()
    expect(page.get_by_role("heading", name="Cases")).to_be_visible()
    expect(page.get_by_label("Only cases with overdue work")).to_be_checked()
    page.get_by_role("link", name="Ari Overdue").click()
    expect(page.locator(".app-current[data-element-id='prepare_request']")).to_have_count(1)
    page.get_by_label(re.compile("Reassign")).select_option("social_worker_2")
    page.get_by_role("button", name="Reassign").click()
    page.get_by_role("button", name=re.compile("^Yes, give it to")).click()
    expect(page.get_by_text("It is in their inbox")).to_be_visible()
    history = page.locator("h2:has-text('History') + ol")
    expect(history).to_contain_text("Priya Lane")
    sign_out(page)  # waits for the sign-out to land before signing in again
    sign_in(page, "social_worker_2")
    expect(page.get_by_role("link", name="Prepare MARP request", exact=True)).to_be_visible()
    assert not page.problems, page.problems
