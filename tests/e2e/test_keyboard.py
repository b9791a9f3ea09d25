"""Signing in and moving around with the keyboard alone, with focus always visible."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

MAX_TABS = 30

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // GOV.UK radios and checkboxes hide the real input and draw the ring on the label.
  const drawn = /govuk-(radios|checkboxes)__input/.test(el.className)
      ? document.querySelector(`label[for="${el.id}"]`) : null;
  const s = drawn ? getComputedStyle(drawn, '::before') : getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
      && !/rgba\\(0, 0, 0, 0\\)|transparent/.test(s.outlineColor);
  return {
    tag: el.tagName.toLowerCase(), id: el.id,
    text: ((drawn || el).textContent || el.value || el.getAttribute('aria-label') || '')
        .replace(/\\s+/g, ' ').trim().slice(0, 80),
    name: el.getAttribute('name'),
    focusVisible: el.matches(':focus-visible'),
    indicator: outline || s.boxShadow !== 'none',
    style: `outline: ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}; `
         + `box-shadow: ${s.boxShadow}; background: ${s.backgroundColor}`,
    width: box.width, height: box.height,
  };
}"""


def tab(page, shift: bool = False) -> dict:
    """Press Tab and return what has focus, checking that the focus can be seen."""
    page.keyboard.press("Shift+Tab" if shift else "Tab")
    focused = page.evaluate(FOCUSED)
    assert focused is not None, "Tab moved focus out of the page"
    assert focused["focusVisible"] and focused["indicator"], (
        f"focus is not visible on {focused} at {page.url}")
    assert focused["width"] > 1 and focused["height"] > 1, f"focused element is hidden: {focused}"
    return focused


def tab_to(page, text: str = "", *, element_id: str | None = None, shift: bool = False) -> dict:
    """Tab (or Shift+Tab) until the element whose text starts with `text`, or whose id is
    `element_id`, has focus."""
    seen = []
    for _ in range(MAX_TABS):
        focused = tab(page, shift)
        if (focused["id"] == element_id if element_id else focused["text"].startswith(text)):
            return focused
        seen.append(focused["text"] or focused["id"] or focused["tag"])
    raise AssertionError(f"could not reach “{element_id or text}” with Tab on {page.url}; "
                         f"went through {seen}")


def enter(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_sign_in_start_a_request_and_inbox_tabs_by_keyboard(new_page):
    page = new_page()
    page.goto("/login")

    skip = tab(page)  # the first thing Tab reaches is the skip link, now shown
    assert skip["text"] == "Skip to main content", skip
    expect(page.locator(".govuk-skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()

    assert tab(page)["id"] == "username"  # straight into the form after skipping
    page.keyboard.type("social_worker")
    assert tab(page)["id"] == "password"
    page.keyboard.type(DEMO_PASSWORD)
    enter(page)  # Enter in the form submits it
    expect(page.get_by_role("heading", name="Your inbox")).to_be_visible()

    assert tab(page)["text"] == "Skip to main content"  # on every page
    tab_to(page, "Start a request")
    enter(page)
    expect(page).to_have_url(re.compile(r"/start$"))
    expect(page.get_by_role("heading", name="Start a request")).to_be_visible()
    start = tab_to(page, "Start a Multi-Agency Resource Panel")  # its start button
    assert start["tag"] == "a", start
    expect(page.locator("a.govuk-button--start[href='/start/marp']")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Space")  # a link that looks like a button works like one
    expect(page.get_by_role("heading", name="Which child is this request for?")).to_be_visible()

    # Back up the page to the header's Inbox link, then to the inbox's second tab.
    tab_to(page, "Inbox", shift=True)
    enter(page)
    expect(page.get_by_role("heading", name="Your inbox")).to_be_visible()
    tab_to(page, "Available to my team or role")
    enter(page)
    expect(page).to_have_url(re.compile(r"tab=claimable"))
    current = page.get_by_role("link", name=re.compile(r"^Available to my team or role"))
    expect(current).to_have_attribute("aria-current", "page")

    # The filters work from the keyboard too: type a search and press Enter.
    tab_to(page, element_id="q")
    page.keyboard.type("C-404")
    enter(page)
    expect(page).to_have_url(re.compile(r"q=C-404"))
    expect(page.get_by_text("No tasks match these filters.")).to_be_visible()
    tab_to(page, "Only overdue tasks")
    page.keyboard.press("Space")
    expect(page.get_by_label("Only overdue tasks")).to_be_checked()
    tab_to(page, "Apply filters")
    enter(page)
    expect(page).to_have_url(re.compile(r"overdue=1"))
    expect(page.get_by_label("Only overdue tasks")).to_be_checked()

    tab_to(page, "Sign out")
    enter(page)
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert not page.problems, page.problems
