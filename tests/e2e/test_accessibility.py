"""axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) on each page a practitioner uses."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, describe_violations, sign_in, start_marp

pytestmark = pytest.mark.e2e


def test_pages_have_no_wcag_22_aa_violations(new_page):
    page = new_page()
    found: dict[str, list[dict]] = {}

    def check(what: str) -> None:
        found[what] = axe_violations(page)

    page.goto("/login")
    expect(page.get_by_role("heading", name="Sign in to Panelflow")).to_be_visible()
    check("the sign-in page")

    page.get_by_role("button", name="Sign in").click()  # nothing typed
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check("the sign-in page with errors")

    sign_in(page, "social_worker")
    page.get_by_role("link", name="Start a request", exact=True).click()
    expect(page.get_by_role("heading", name="Start a request")).to_be_visible()
    check("the start page")

    page.get_by_role("button", name=re.compile(r"Start a Multi-Agency Resource Panel")).click()
    expect(page.get_by_role("heading", name="Which child is this request for?")).to_be_visible()
    check("the child form of a new request")

    page.get_by_role("button", name="Start request").click()  # nothing typed
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check("the child form with errors")

    page.get_by_label("Child's reference").fill("C-5001")
    page.get_by_label("Child's full name").fill("Robin Alpha")
    page.get_by_role("button", name="Start request").click()
    page.wait_for_url(re.compile(r"/tasks/"))
    start_marp(page, "C-5002", "Sky Beta")
    expect(page.get_by_role("heading", name="Prepare MARP request")).to_be_visible()
    check("the task page with its form")

    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check("the task page with validation errors")

    page.get_by_role("link", name="Inbox", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(2)
    check("the inbox with rows (assigned to me)")

    page.get_by_role("link", name=re.compile(r"^Available to my team or role")).click()
    page.wait_for_url(re.compile(r"tab=claimable"))
    check("the inbox with no rows (available to my team or role)")

    failing = {what: v for what, v in found.items() if v}
    report = "\n\n".join(f"{what}:\n{describe_violations(v)}" for what, v in failing.items())
    assert not failing, f"axe found WCAG 2.2 AA violations\n{report}"
    assert not page.problems, page.problems
