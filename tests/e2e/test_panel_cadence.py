"""CTMP's per-request-type cadence on the panel's settings page, in a real browser:
accessible, with errors linked to the field they name (issue 19, "Also: panel configuration
... cadence")."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, sign_in


def test_a_request_types_first_date_that_is_not_a_panel_day_is_named_and_focused(new_page):
    """Seed (CTMP) 1a: "held on alternate Friday mornings" while the panel sits every Friday:
    the first date of the alternate Fridays must be a Friday the panel meets."""
    page = new_page()
    sign_in(page, "panel_administrator")
    page.goto("/panels/ctmp/settings")
    group = page.get_by_role("group", name="Placement request (not commissioned)")
    expect(group.get_by_label("Alternate weeks")).to_be_checked()
    assert_accessible(page, "a panel's settings with request types' cadences")
    page.locator("#cadence-placement_request-anchor-day").fill("2")
    page.locator("#cadence-placement_request-anchor-month").fill("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "a panel's cadences with errors")
    page.get_by_role("link", name=re.compile("must be a day the panel meets")).click()
    expect(page.locator("#cadence-placement_request-anchor-day")).to_be_focused()
