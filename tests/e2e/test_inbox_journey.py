"""A MARP request in a real browser: started by a social worker, claimed by a team manager."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SAMPLES, screenshot, sign_in, sign_out, start_marp

pytestmark = pytest.mark.e2e

CHILD_REF, CHILD = "C-4242", "Jamie Example"


def choose(page, selector: str) -> None:
    """Tick a radio or checkbox as a person does: by clicking its label."""
    option = page.locator(selector)
    page.locator(f'label[for="{option.get_attribute("id")}"]').click()
    expect(option).to_be_checked()


def fill_answers(page, answers: dict) -> None:
    """Type or choose every answer, finding each field by the name the page gives it."""
    for key, value in answers.items():
        if isinstance(value, bool):
            choose(page, f'input[type=radio][name="{key}"][value="{"yes" if value else "no"}"]')
        elif isinstance(value, list):
            for item in value:
                choose(page, f'input[type=checkbox][name="{key}[]"][value="{item}"]')
        elif page.locator(f'input[name="{key}-day"]').count():
            year, month, day = str(value).split("-")
            page.locator(f'input[name="{key}-day"]').fill(str(int(day)))
            page.locator(f'input[name="{key}-month"]').fill(str(int(month)))
            page.locator(f'input[name="{key}-year"]').fill(year)
        elif page.locator(f'input[type=radio][name="{key}"]').count():
            choose(page, f'input[type=radio][name="{key}"][value="{value}"]')
        elif page.locator(f'select[name="{key}"]').count():
            page.locator(f'select[name="{key}"]').select_option(str(value))
        else:
            page.locator(f'[name="{key}"]').fill(str(value))


def test_request_goes_from_social_worker_to_team_manager(new_page):
    page = new_page()
    sign_in(page, "social_worker")
    expect(page.get_by_role("heading", name="Your inbox")).to_be_visible()

    start_marp(page, CHILD_REF, CHILD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Prepare MARP request")
    expect(page.locator(".govuk-caption-l")).to_contain_text(f"{CHILD} ({CHILD_REF})")
    screenshot(page, "task.png")

    # Submit with most answers missing.
    page.get_by_role("radio", name=re.compile(r"^A residential placement needing joint")).check()
    page.get_by_label("Summary of the child's needs").fill("Typed before the errors")
    page.get_by_label("How old is the child or young person?").fill("14")
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_load_state()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("alert")).to_have_count(1)  # announced by screen readers
    # GOV.UK Frontend moves focus to the summary so it is read out and the user starts there.
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    links = summary.locator(".govuk-error-summary__list a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 10, hrefs
    for href in hrefs:  # every link goes to a field on the page
        assert re.fullmatch(r"#f-[\w-]+", href), href
        expect(page.locator(href)).to_have_count(1)
    for key in ("intervention_requested", "plan_discussed_with_managers",
                "case_summary_updated_on", "joint_funding_partners"):
        assert f"#f-{key}" in hrefs, (key, hrefs)
    assert "#f-needs_summary" not in hrefs and "#f-child_age" not in hrefs  # answered
    # What was typed is kept, and the field is marked.
    expect(page.get_by_label("Summary of the child's needs")).to_have_value(
        "Typed before the errors")
    expect(page.get_by_label("How old is the child or young person?")).to_have_value("14")
    expect(page.locator("#f-request_kind-3")).to_be_checked()
    expect(page.locator("#f-intervention_requested-error")).to_be_visible()
    expect(page.locator("#f-intervention_requested")).to_have_class(
        re.compile(r"govuk-textarea--error"))
    screenshot(page, "task-errors.png")
    # Following a link in the summary puts the cursor in that field.
    summary.locator('a[href="#f-intervention_requested"]').click()
    expect(page.locator("#f-intervention_requested")).to_be_focused()

    # Answer everything and submit.
    fill_answers(page, SAMPLES["prepare_request"])
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("“Prepare MARP request” is complete. "
                                   "Next: “Team manager review”.")
    expect(page.get_by_role("link", name=re.compile(r"^Assigned to me"))).to_have_text(
        "Assigned to me (0)")

    sign_out(page)
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    sign_in(page, "team_manager")
    page.get_by_role("link", name=re.compile(r"^Available to my team or role")).click()
    page.wait_for_url(re.compile(r"tab=claimable"))
    row = page.locator("tbody tr").filter(has_text=CHILD)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Team manager review")
    expect(row).to_contain_text(CHILD_REF)
    screenshot(page, "inbox.png")
    row.get_by_role("button", name=f"Claim “Team manager review” for {CHILD}").click()
    page.wait_for_url(re.compile(r"/tasks/\w+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Team manager review")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("With ")
    expect(page.get_by_role("button", name="Release back to the team")).to_be_visible()
    expect(page.get_by_role("heading", name="What earlier steps recorded")).to_be_visible()
    page.get_by_role("link", name="Back to your inbox").click()
    expect(page.get_by_role("link", name=re.compile(r"^Assigned to me"))).to_have_text(
        "Assigned to me (1)")
    assert not page.problems, page.problems
