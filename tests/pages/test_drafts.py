"""Drafts keep exactly what was typed, say what still needs fixing, and survive signing out."""
from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from app.extensions import db
from app.models import HumanTask, utcnow
from tests.conftest import DEMO_PASSWORD

AGE = "child_age"
CONSULTED = "virtual_placement_consultation_date"
TYPED = {AGE: "fourteen", f"{CONSULTED}-day": "31", f"{CONSULTED}-month": "2",
         f"{CONSULTED}-year": "2026", "needs_summary": "Half written"}

# MARP's request is a task list of sections (issue 16, item 7); these tests fill in its
# one-page view, which keeps every question on one form.
ONE_PAGE = "?view=all"


def _start_marp(b, child_ref="C-4001", name="Dana Draft"):
    b.get("/start/marp")
    response = b.post("/start/marp", {"child_ref": child_ref, "name": name})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"].split("?")[0]


def _value(page: str, name: str) -> str | None:
    """The value attribute of the input called `name`, as the browser shows it."""
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert found, f"no input {name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else None


def _assert_typed_and_named(page: str) -> None:
    assert _value(page, AGE) == "fourteen"
    assert [_value(page, f"{CONSULTED}-{part}") for part in ("day", "month", "year")] == [
        "31", "2", "2026"]
    assert "Half written" in page
    summary = page[page.index("govuk-error-summary"):]
    summary = summary[:summary.index("</ul>")]
    assert f'href="#f-{AGE}"' in summary
    assert "The child&#39;s age must be a whole number, like 14" in summary
    assert f'href="#f-{CONSULTED}"' in summary
    assert "Date of the virtual placement consultation must be a real date" in summary
    # Unanswered questions are not errors in a draft: only what was typed and cannot be used.
    assert "Select what the panel is being asked to agree" not in page
    assert "Enter how long it is needed for" not in page
    assert 'id="f-child_age-error"' in page  # and the field itself says so


def test_a_draft_keeps_answers_that_cannot_be_read_yet_and_names_them(app, browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    b.get(task_url + ONE_PAGE)
    response = b.post(task_url + ONE_PAGE, {"action": "draft", **TYPED})
    assert response.status_code == 302
    saved = b.get(response.headers["Location"])
    page = saved.get_data(as_text=True)
    assert "Your draft has been saved" in page
    assert "2 answers need fixing before you can submit" in page
    _assert_typed_and_named(page)

    reopened = b.get(task_url + ONE_PAGE).get_data(as_text=True)  # and again, days later
    assert "Your draft has been saved" not in reopened
    _assert_typed_and_named(reopened)
    with app.app_context():
        task = db.session.get(HumanTask, task_url.rsplit("/", 1)[1])
        assert task.draft_data == {"needs_summary": "Half written"}  # only what was read

    # Submit still refuses it
    response = b.post(task_url + ONE_PAGE, {"action": "complete", **TYPED})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "must be a whole number" in page
    # The consultation date applies only once the consultation is said to be done (issue 16,
    # item 7), so Submit drops it rather than asking for it to be fixed.
    assert "must be a real date" not in page
    # On Submit the missing answers are named as well.
    assert "Select what the panel is being asked to agree" in page
    with app.app_context():
        assert db.session.get(HumanTask, task_url.rsplit("/", 1)[1]).status == "ready"


def test_a_draft_names_answers_that_are_read_but_not_allowed(browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    b.get(task_url + ONE_PAGE)
    b.post(task_url + ONE_PAGE, {"action": "draft", AGE: "40"})
    page = b.get(task_url + ONE_PAGE).get_data(as_text=True)
    assert _value(page, AGE) == "40"
    assert "How old is the child or young person? must be 25 or less" in page
    assert "1 answer needs fixing before you can submit" in page


def test_fixing_the_answers_clears_what_was_kept(app, browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    b.get(task_url + ONE_PAGE)
    b.post(task_url + ONE_PAGE, {"action": "draft", **TYPED})
    b.get(task_url + ONE_PAGE)
    b.post(task_url + ONE_PAGE, {"action": "draft", AGE: "14", "needs_summary": "Half written"})
    page = b.get(task_url + ONE_PAGE).get_data(as_text=True)
    assert "Your draft has been saved. Nothing has been sent yet." in page
    assert _value(page, AGE) == "14"
    assert _value(page, f"{CONSULTED}-day") is None
    assert "govuk-error-summary" not in page
    with app.app_context():
        task = db.session.get(HumanTask, task_url.rsplit("/", 1)[1])
        assert task.draft_data == {AGE: 14, "needs_summary": "Half written"}
        assert task.draft_raw is None


# --- answers posted after the session ended ----------------------------------------------------

def _hidden(page: str) -> dict:
    """The form's hidden inputs, as the browser would post them with the answers."""
    form = page[page.index('<form method="post" action="/tasks/'):]
    form = form[:form.index("</form>")]
    return {attrs["name"]: attrs.get("value", "") for attrs in (
        dict(re.findall(r'(\w[\w-]*)="([^"]*)"', m.group(1)))
        for m in re.finditer(r'<input([^>]*type="hidden"[^>]*)>', form))}


def _opened(b, task_url) -> dict:
    return _hidden(b.get(task_url + ONE_PAGE).get_data(as_text=True))


def _sign_in_from(b, location: str, username: str = "social_worker"):
    """Follow a redirect to the sign-in page and sign in there, as a person would."""
    assert location.startswith("/login?"), location
    page = b.get(location).get_data(as_text=True)
    target = re.search(r'name="next" value="([^"]*)"', page).group(1).replace("&amp;", "&")
    response = b.post("/login", {"username": username, "password": DEMO_PASSWORD,
                                 "next": target})
    assert response.status_code == 302
    return response.headers["Location"], page


def test_answers_sent_after_the_browser_dropped_the_session_come_back(app, browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    hidden = _opened(b, task_url)
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        # The browser has dropped the cookie (closed, or cleared): no session, no CSRF token.
        # The cookie outlives the idle limit now, so the test drops it as a browser may.
        b.client.delete_cookie("session")
        response = b.client.post(task_url, data={**hidden, "action": "draft", **TYPED,
                                                 "subject": "not a field of this form"})
        assert response.status_code == 302
        target, login_page = _sign_in_from(b, response.headers["Location"])
        assert "Your answers have been kept" in login_page
        assert "inactive" not in login_page  # the server never saw the session end
        assert target == task_url
        restored = b.get(target)
        assert restored.status_code == 302  # put back as a draft, then shown
        page = b.get(restored.headers["Location"] + ONE_PAGE).get_data(as_text=True)
    assert "We have put back the answers you typed before you were signed out" in page
    _assert_typed_and_named(page)
    with app.app_context():
        task = db.session.get(HumanTask, task_url.rsplit("/", 1)[1])
        assert task.draft_data == {"needs_summary": "Half written"}
        assert "not a field" not in str(task.draft_raw)
        assert task.status == "ready"


def test_answers_submitted_after_inactivity_come_back_as_a_draft(app, browser):
    """The cookie is still there but the server ended the session; Submit does not happen
    behind the person's back: the answers come back as a draft to check and submit."""
    b = browser("social_worker")
    task_url = _start_marp(b)
    hidden = _opened(b, task_url)
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        response = b.client.post(task_url, data={**hidden, "action": "complete", **TYPED})
        assert response.status_code == 302
        target, login_page = _sign_in_from(b, response.headers["Location"])
        assert "inactive" in login_page
        page = b.get(target + ONE_PAGE, follow_redirects=True).get_data(as_text=True)
    assert "We have put back the answers you typed before you were signed out" in page
    _assert_typed_and_named(page)
    with app.app_context():
        assert db.session.get(HumanTask, task_url.rsplit("/", 1)[1]).status == "ready"


def test_kept_answers_go_only_to_the_person_who_typed_them(app, browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    hidden = _opened(b, task_url)
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        response = b.client.post(task_url, data={**hidden, "action": "draft", **TYPED})
        assert response.status_code == 302
        # Someone else signs in on the same computer: they do not see them.
        target, _ = _sign_in_from(b, response.headers["Location"], "team_manager")
        page = b.get(target, follow_redirects=True).get_data(as_text=True)
        assert "fourteen" not in page and "put back" not in page
        b.post("/logout")
        # A made-up or altered ticket keeps nothing and is refused as before.
        forged = {**hidden, "draft_ticket": "x" + hidden.get("draft_ticket", "")}
        other = browser("social_worker_2")
        assert other.client.post(task_url, data={**forged, "action": "draft", AGE: "9"}
                                 ).status_code in (400, 302)
        other.sign_in("social_worker_2")
        assert 'value="9"' not in other.get(task_url + ONE_PAGE).get_data(as_text=True)
        # The person who typed them gets them back when they sign in.
        b.get("/login")
        b.post("/login", {"username": "social_worker", "password": DEMO_PASSWORD})
        page = b.get(task_url + ONE_PAGE, follow_redirects=True).get_data(as_text=True)
    assert _value(page, AGE) == "fourteen"


# --- the timeout warning and autosave, as the server sees them ---------------------------------

def test_signed_in_pages_carry_the_timeout_warning_with_the_configured_times(app, browser):
    b = browser("social_worker")
    page = b.get("/").get_data(as_text=True)
    assert 'id="app-timeout-warning"' in page and 'aria-labelledby="app-timeout-heading"' in page
    assert 'data-timeout-seconds="1800"' in page and 'data-warning-seconds="300"' in page
    assert "Stay signed in" in page
    assert 'id="app-timeout-warning"' not in browser().get("/login").get_data(as_text=True)


def test_stay_signed_in_renews_the_session(browser):
    b = browser("social_worker")
    b.get("/")
    with time_machine.travel(utcnow() + timedelta(minutes=20)):
        assert b.post("/session/keepalive").status_code == 204
    with time_machine.travel(utcnow() + timedelta(minutes=40)):
        assert b.get("/").status_code == 200  # 20 minutes after the renewal
    with time_machine.travel(utcnow() + timedelta(minutes=90)):
        assert b.client.post("/session/keepalive", data={"csrf_token": "old"}).status_code in (
            400, 401)


def test_autosave_keeps_the_draft_and_answers_in_json(app, browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    hidden = _opened(b, task_url)
    response = b.client.post(task_url + "/draft", data={**hidden, **TYPED})
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["saved"] is True
    assert answer["fixing"] == "2 answers need fixing before you can submit"
    assert {p["href"] for p in answer["problems"]} == {f"#f-{AGE}", f"#f-{CONSULTED}"}
    assert _value(b.get(task_url + ONE_PAGE).get_data(as_text=True), AGE) == "fourteen"
    with time_machine.travel(utcnow() + timedelta(minutes=31)):  # after the session ended
        late = b.client.post(task_url + "/draft", data={**hidden, AGE: "15"})
        assert late.status_code == 401
        assert late.get_json() == {"signed_out": True, "kept": True,
                                   "sign_in": f"/login?next={task_url}&kept=1"}
        b.get("/login")
        b.post("/login", {"username": "social_worker", "password": DEMO_PASSWORD})
        page = b.get(task_url + ONE_PAGE, follow_redirects=True).get_data(as_text=True)
    assert _value(page, AGE) == "15"
