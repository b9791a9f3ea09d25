"""On a phone (390 CSS pixels wide, an iPhone 12-15) the inbox and the agenda keep every
column in view: each row stacks as a card with its cells under their column's names
(issue 16, item 11: both tables lost their last columns off the right of the screen)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS, assert_accessible, screenshot, sign_in
from tests.e2e.test_panels import _listed_marp_case

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def _every_cell_in_view(page) -> None:
    cells = page.locator("tbody tr").first.locator("td")
    assert cells.count() >= 5
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        assert box is not None and box["width"] > 0, f"cell {i} is not drawn"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, (
            f"cell {i} runs off the screen: {box}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways ({width}px)"


def test_the_inbox_and_the_agenda_fit_a_phone(new_page, as_user, chromium, live_server):
    _listed_marp_case(as_user)
    context = chromium.new_context(base_url=live_server, locale="en-GB", viewport=PHONE,
                                   is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, "panel_administrator")
        page.goto("/?tab=claimable")
        expect(page.locator("tbody tr").first).to_be_visible()
        _every_cell_in_view(page)
        expect(page.locator("tbody tr").first.locator('td[data-label="Due"]')).to_be_visible()
        assert_accessible(page, "the inbox on a phone")

        page.goto("/panels")
        page.get_by_role("link", name="Multi-Agency Resource Panel (MARP)").click()
        page.locator("tbody tr").first.get_by_role("link").click()
        page.wait_for_url(re.compile(r"/meetings/"))
        expect(page.locator("tbody tr").first).to_contain_text("Jo Agenda")
        _every_cell_in_view(page)
        assert_accessible(page, "the agenda on a phone")
        screenshot(page, "agenda-phone.png")
    finally:
        context.close()
