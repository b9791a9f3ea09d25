"""Drafts in a real browser: answers that cannot be read yet are kept and named, and a
session that times out warns first, saves as the person works and loses nothing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from app.extensions import db
from app.models import HumanTask, utcnow
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import (
    SCREENSHOTS,
    assert_accessible,
    screenshot,
    sign_in,
    start_marp,
)

pytestmark = pytest.mark.e2e

AGE = "How old is the child or young person?"
NEEDS = "Summary of the child's needs"
CONSULTED = "Date of the virtual placement consultation"
FIXING = "2 answers need fixing before you can submit"


def _date(page, title: str):
    return page.get_by_role("group", name=re.compile(re.escape(title)))


def _type_invalid_answers(page) -> None:
    page.get_by_label(AGE).fill("fourteen")
    # The consultation's date applies once it is said to be done (a conditional question).
    for name in ("combined_needs", "virtual_placement_consultation_done"):
        page.locator(f'label[for="f-{name}"]').click()
    consulted = _date(page, CONSULTED)
    consulted.get_by_label("Day").fill("31")
    consulted.get_by_label("Month").fill("2")
    consulted.get_by_label("Year").fill("2026")
    page.get_by_label(NEEDS).fill("Half written")


def _expect_typed_and_named(page) -> None:
    expect(page.get_by_label(AGE)).to_have_value("fourteen")
    consulted = _date(page, CONSULTED)
    expect(consulted.get_by_label("Day")).to_have_value("31")
    expect(consulted.get_by_label("Month")).to_have_value("2")
    expect(consulted.get_by_label("Year")).to_have_value("2026")
    expect(page.get_by_label(NEEDS)).to_have_value("Half written")
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text(FIXING)
    expect(summary.get_by_role("link")).to_have_text([
        re.compile(r"The child's age must be a whole number"),
        re.compile(r"Date of the virtual placement consultation must be a real date")])


def test_a_draft_with_answers_that_cannot_be_read_keeps_and_names_them(new_page):
    page = new_page()
    sign_in(page, "social_worker")
    start_marp(page, "C-5151", "Morgan Draft")
    _type_invalid_answers(page)
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_load_state()

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your draft has been saved. Nothing has been sent yet.")
    _expect_typed_and_named(page)
    expect(page.locator(".govuk-error-summary")).to_be_focused()  # GOV.UK: focus moves there
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page, "a saved draft with answers to fix")
    screenshot(page, "draft-to-fix.png")

    # A link in the summary takes the person to the field.
    page.get_by_role("link", name=re.compile("must be a whole number")).click()
    expect(page.get_by_label(AGE)).to_be_focused()

    # Reopened later, the draft is still exactly as typed, with the same problems named.
    page.reload()
    _expect_typed_and_named(page)

    # Submit still refuses it, naming these and the questions not answered yet.
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator(".govuk-error-summary__title")).to_have_text("There is a problem")
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be a whole number")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select what the panel is being asked to agree")

    # Fixed, the draft saves without problems.
    page.get_by_label(AGE).fill("14")
    consulted = _date(page, CONSULTED)
    consulted.get_by_label("Day").fill("27")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_load_state()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your draft has been saved")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.get_by_label(AGE)).to_have_value("14")
    assert not page.problems, page.problems


@pytest.fixture
def session_settings(app, monkeypatch):
    """A council's settings (PANELFLOW_SESSION_MINUTES, PANELFLOW_SESSION_WARNING_MINUTES):
    signed out after 30 idle minutes, warned 5 minutes before."""
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)
    monkeypatch.setitem(app.config, "SESSION_WARNING_MINUTES", 5)
    # The periodic autosave must not save what is typed after the warning before the session
    # ends: that answer is the one the end of the session must keep.
    monkeypatch.setitem(app.config, "AUTOSAVE_SECONDS", 3 * 60 * 60)


def test_a_timed_out_session_warns_saves_as_you_go_and_loses_nothing(app, new_page,
                                                                      session_settings):
    """Both clocks are the test's: the page's (Playwright's clock) and the server's
    (time-machine, stopped; the server runs in this process). The test moves them on and
    waits for what the page shows, never for the session's minutes to pass; each check of the
    warning has minutes of the page's own time to run in, so a busy machine cannot end the
    session early (issue 21)."""
    page = new_page()
    with time_machine.travel(utcnow(), tick=False) as server_clock:
        page.clock.install(time=utcnow())  # the page's clock runs on as usual between moves
        sign_in(page, "social_worker")
        start_marp(page, "C-5252", "Riley Timeout")
        task_id = re.search(r"/tasks/(\w+)", page.url).group(1)
        status = page.get_by_role("status")

        # Autosave: leaving a changed field saves the draft and says so, politely.
        page.get_by_label(AGE).fill("fourteen")
        page.keyboard.press("Tab")
        expect(status).to_have_text(re.compile(
            r"^Draft saved at \d\d:\d\d\. 1 answer needs fixing before you can submit\.$"))
        with app.app_context():
            assert ["child_age", "fourteen"] in db.session.get(HumanTask, task_id).draft_raw
            db.session.remove()
        before = page.evaluate("document.activeElement.id")
        dialog = page.get_by_role("dialog", name="You’re about to be signed out")
        expect(dialog).to_be_hidden()

        # The warning, after 25 idle minutes: a modal dialog that takes the focus, read out
        # with its message.
        _idle(page, server_clock, timedelta(minutes=26))
        expect(dialog).to_be_visible()
        expect(dialog).to_have_attribute("aria-describedby", "app-timeout-message")
        expect(dialog).to_contain_text(re.compile(r"we will sign you out in [45] minutes"))
        stay = dialog.get_by_role("button", name="Stay signed in")
        expect(stay).to_be_focused()
        assert_accessible(page, "the timeout warning")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # the viewport: the dialog is fixed in it
        page.screenshot(path=str(SCREENSHOTS / "timeout-warning.png"), animations="disabled",
                        caret="hide")

        # Stay signed in, with the keyboard: the session is renewed and the focus goes back.
        with page.expect_response(re.compile(r"/session/keepalive$")) as renewed:
            page.keyboard.press("Enter")
        assert renewed.value.status == 204
        expect(dialog).to_be_hidden()
        assert page.evaluate("document.activeElement.id") == before

        # Typing on without leaving the field, then walking away: the warning comes again,
        # counting down in seconds in the last minute, and, unanswered, the session ends.
        # What was typed since the last save is kept for this person, and they are asked to
        # sign in again.
        page.get_by_label(NEEDS).fill("Typed after the warning")
        _idle(page, server_clock, timedelta(minutes=26))
        expect(dialog).to_be_visible()
        # The server's half hour is over first, so the page ending on its own (if this machine
        # is slow) finds the session as old as the page thinks it is.
        server_clock.shift(timedelta(minutes=5))
        page.clock.fast_forward("03:10")  # 50 seconds left: the countdown is in seconds
        expect(dialog).to_contain_text(re.compile(r"we will sign you out in \d+ seconds"))
        page.clock.fast_forward("01:00")
        page.wait_for_url(re.compile(r"/login\?"))
        expect(page.locator(".govuk-inset-text")).to_contain_text(
            "You were signed out because you were inactive")
        expect(page.locator(".govuk-inset-text")).to_contain_text("Your answers have been kept")
        assert_accessible(page, "signing in again after the timeout")

        page.get_by_label("Username").fill("social_worker")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(rf"/tasks/{task_id}\?view=all$"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "We have put back the answers you typed before you were signed out")
        expect(page.get_by_label(AGE)).to_have_value("fourteen")
        expect(page.get_by_label(NEEDS)).to_have_value("Typed after the warning")
        expect(page.locator(".govuk-error-summary__title")).to_have_text(
            "1 answer needs fixing before you can submit")
        assert_accessible(page, "a task with answers put back after signing in")
    assert not page.problems, page.problems


def _idle(page, server_clock, idle: timedelta) -> None:
    """The person does nothing for a while: the server's clock moves first (so a request the
    page sends at the end finds the session as old as the page thinks), then the page's jumps,
    firing the timers due on the way (the warning, the countdown) as a laptop opened again
    would."""
    server_clock.shift(idle)
    page.clock.fast_forward(int(idle.total_seconds() * 1000))


def test_without_javascript_a_late_save_is_kept_across_signing_in(chromium, live_server):
    """The pages still work with JavaScript off: no warning or autosave, but Save as draft
    after the session ended keeps the answers for after signing in."""
    context = chromium.new_context(base_url=live_server, java_script_enabled=False,
                                   locale="en-GB")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, "social_worker")
        start_marp(page, "C-5353", "Sam Nojs")
        task_path = re.search(r"/tasks/\w+", page.url).group(0)
        _type_invalid_answers(page)
        # Half an hour later, by the server's clock (the browser keeps its cookie).
        with time_machine.travel(utcnow() + timedelta(minutes=31)):
            page.get_by_role("button", name="Save as draft").click()
            page.wait_for_url(re.compile(r"/login\?"))
            expect(page.locator(".govuk-inset-text")).to_contain_text(
                "Your answers have been kept")
            page.get_by_label("Username").fill("social_worker")
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(rf"{task_path}\?view=all$"))
            _expect_typed_and_named(page)
    finally:
        context.close()
