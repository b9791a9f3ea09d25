"""A council's administrator in a real browser: adds a team and a social worker, who signs in
and sees their inbox. Every people page is checked with axe (WCAG 2.2 AA)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot, sign_in, sign_out

pytestmark = pytest.mark.e2e

PASSWORD = "a long pass phrase for Robin"


def test_an_administrator_adds_a_team_and_a_social_worker_who_signs_in(new_page):
    page = new_page()
    sign_in(page, "administrator")
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="People")).to_be_visible()
    expect(menu.get_by_role("link", name="Cases")).to_have_count(0)

    menu.get_by_role("link", name="Teams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")
    assert_accessible(page, "the teams page")
    page.get_by_role("button", name="Add a team").click()
    page.get_by_role("button", name="Add team").click()  # nothing typed
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page, "the add a team page with an error")
    page.get_by_label("Team name").fill("Fostering North")
    page.get_by_label("Or a new service").fill("Children in Care")
    page.get_by_role("button", name="Add team").click()
    expect(page.get_by_role("alert")).to_contain_text("Fostering North has been added")
    expect(page.get_by_role("row", name=re.compile("Fostering North"))).to_contain_text(
        "Children in Care")

    menu.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    assert_accessible(page, "the people list")
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Full name").fill("Robin Social")
    page.get_by_label("Username").fill("robin.social")
    page.get_by_label("Email address").fill("robin@council")  # no domain ending
    page.get_by_label("Team", exact=True).select_option(label="Fostering North (Children in Care)")
    page.get_by_label("Social Worker", exact=True).check()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Add person").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter an email address in the correct format")
    expect(page).to_have_title(re.compile(r"^Error: Add a person"))
    expect(page.get_by_label("Full name")).to_have_value("Robin Social")  # kept
    expect(page.get_by_label("Social Worker", exact=True)).to_be_checked()
    assert_accessible(page, "the add a person page with an error")
    screenshot(page, "people-add-error.png")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Email address")).to_be_focused()
    page.get_by_label("Email address").fill("robin@council.example")
    page.get_by_label("Password").fill(PASSWORD)  # a password is never sent back
    page.get_by_role("button", name="Add person").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Robin Social")
    expect(page.get_by_role("alert")).to_contain_text("Robin Social has been added")
    assert_accessible(page, "a person's page")
    screenshot(page, "people-person.png")
    page.get_by_role("button", name="Deactivate Robin Social").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Robin Social?")
    expect(page.get_by_role("main")).to_contain_text("signed out everywhere at once")
    assert_accessible(page, "the deactivation confirmation")
    page.get_by_role("link", name="Cancel").click()  # nothing happens
    page.get_by_role("link", name=re.compile("^Hand over their work")).click()
    assert_accessible(page, "the handover page")
    page.get_by_role("link", name=re.compile("^Back to Robin Social")).click()
    page.get_by_role("link", name=re.compile("^Absences and cover")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin Social's absences")
    assert_accessible(page, "a person's absences")
    sign_out(page)

    sign_in(page, "robin.social", PASSWORD)
    expect(page.get_by_role("heading", name="Your inbox")).to_be_visible()
    expect(page.locator(".app-signed-in")).to_contain_text("Signed in as Robin Social")
    expect(page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="People")).to_have_count(0)
    page.get_by_role("link", name="My absence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your absences")
    assert_accessible(page, "my absence")
    assert not page.problems, page.problems


def test_the_cover_inbox_and_absence_form_are_accessible(new_page, as_user):
    page = new_page()
    sign_in(page, "social_worker")
    page.get_by_role("link", name="My absence").click()
    page.get_by_role("button", name="Record absence").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page, "the absence form with errors")
    screenshot(page, "absence-errors.png")
    assert not page.problems, page.problems
