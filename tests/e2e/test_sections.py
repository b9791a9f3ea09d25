"""MARP's request in a real browser as a task list (issue 16, item 7): each section a page,
conditional questions revealed by their answer, then check your answers and submit."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ROOT,
    SAMPLES,
    assert_accessible,
    screenshot,
    sign_in,
    start_marp,
)
from tests.e2e.test_inbox_journey import choose, fill_answers

pytestmark = pytest.mark.e2e

UI = json.loads((ROOT / "forms" / "marp" / "prepare-request.uischema.json").read_text())


def test_task_list_then_sections_then_check_answers_then_submit(new_page):
    page = new_page()
    sign_in(page, "social_worker")
    start_marp(page, "C-6161", "Taylor Sections", one_page=False)
    expect(page.get_by_role("heading", level=1)).to_have_text("Prepare MARP request")
    task_list = page.locator(".govuk-task-list")
    expect(task_list).to_contain_text("Cannot start yet")
    assert_accessible(page, "the MARP task list")
    screenshot(page, "task-list.png")
    sample = SAMPLES["prepare_request"]
    for number, section in enumerate(UI["ui:sections"], start=1):
        page.get_by_role("link", name=section["title"], exact=True).click()
        page.wait_for_url(re.compile(rf"/sections/{number}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(section["title"])
        if number == 2:
            # A conditional question stays hidden until the answer that makes it apply.
            evidence = page.locator('[name="family_solutions_evidence"]')
            expect(evidence).to_be_hidden()
            choose(page, 'input[name="family_solutions_exhausted"][value="yes"]')
            expect(evidence).to_be_visible()
            assert_accessible(page, "a section with a conditional question revealed")
            screenshot(page, "task-section.png")
        fill_answers(page, {k: sample[k] for k in section["fields"] if k in sample})
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_url(re.compile(r"/tasks/\w+$"))
        expect(page.locator(f"#section-{number}-status")).to_have_text("Completed")

    page.get_by_role("link", name="Check your answers and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting")
    expect(page.locator(".govuk-summary-list")).to_have_count(len(UI["ui:sections"]))
    assert_accessible(page, "check your answers")
    screenshot(page, "check-answers.png")
    # Change an answer and come back to the check page.
    page.get_by_role("link", name="Change How long is it needed for?").click()
    page.locator('[name="estimated_duration"]').fill("9 months")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/check$"))
    expect(page.locator("main")).to_contain_text("9 months")
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "“Prepare MARP request” is complete. Next: “Team manager review”")


CHECKLIST = ["plan_discussed_with_managers", "documents_up_to_date",
             "family_solutions_exhausted", "multi_agency_approach_undertaken"]


def _checks_section(page) -> None:
    page.get_by_role("link", name="Checks before panel", exact=True).click()
    page.wait_for_url(re.compile(r"/sections/2$"))


def test_checklist_gaps_appear_only_when_a_checklist_answer_is_no(new_page):
    """The gaps question applies when ANY checklist answer is No (an anyOf rule): hidden while
    every answer is Yes, shown as soon as one is No, hidden again when it is Yes."""
    page = new_page()
    sign_in(page, "social_worker")
    start_marp(page, "C-6162", "Gray Gaps", one_page=False)
    _checks_section(page)
    gaps = page.locator('[name="checklist_gaps"]')
    expect(gaps).to_be_hidden()  # nothing answered yet: no answer is No
    for name in CHECKLIST:
        choose(page, f'input[name="{name}"][value="yes"]')
    choose(page, 'input[name="combined_needs"][value="yes"]')
    choose(page, 'input[name="virtual_placement_consultation_done"][value="yes"]')
    expect(gaps).to_be_hidden()
    choose(page, 'input[name="documents_up_to_date"][value="no"]')
    expect(gaps).to_be_visible()
    assert_accessible(page, "a section with a question that applies after any No")
    choose(page, 'input[name="documents_up_to_date"][value="yes"]')
    expect(gaps).to_be_hidden()
    # A No hidden with its question (no combined needs, so no consultation) is no gap.
    choose(page, 'input[name="virtual_placement_consultation_done"][value="no"]')
    expect(gaps).to_be_visible()
    choose(page, 'input[name="combined_needs"][value="no"]')
    expect(gaps).to_be_hidden()
    assert not page.problems, page.problems


def test_checklist_gaps_show_without_javascript(chromium, live_server):
    """Without JavaScript nothing hides it: the question shows with its hint, as before."""
    context = chromium.new_context(base_url=live_server, locale="en-GB",
                                   java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "social_worker")
        start_marp(page, "C-6163", "Nina Noscript", one_page=False)
        _checks_section(page)
        expect(page.locator('[name="checklist_gaps"]')).to_be_visible()
        expect(page.locator("#f-checklist_gaps-hint")).to_contain_text(
            "Needed when any checklist answer is No.")
    finally:
        context.close()
