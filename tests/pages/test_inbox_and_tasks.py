"""The inbox, starting a request, and working a task in the browser pages."""
from __future__ import annotations

import json
import re
from pathlib import Path

from app.extensions import db
from app.models import HumanTask

SAMPLES = json.loads((Path(__file__).parents[1] / "pathways" / "marp_samples.json").read_text())

# MARP's request is a task list of sections (issue 16, item 7); these tests fill in its
# one-page view, which keeps every question on one form.
ONE_PAGE = "?view=all"


def _start_marp(b, child_ref="C-3001", name="Alex Example"):
    b.get("/start/marp")
    response = b.post("/start/marp", {"child_ref": child_ref, "name": name})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"].split("?")[0]


def test_start_page_lists_what_my_role_may_start(browser):
    page = browser("social_worker").get("/start").get_data(as_text=True)
    assert "Multi-Agency Resource Panel (MARP)" in page
    assert "joint funding with Health or Education" in page  # the forum's description
    chair = browser("panel_chair").get("/start").get_data(as_text=True)
    assert "Multi-Agency Resource Panel" not in chair
    assert browser("panel_chair").get("/start/marp").status_code == 404


def test_start_form_needs_the_child(browser):
    b = browser("social_worker")
    b.get("/start/marp")
    response = b.post("/start/marp", {"child_ref": "", "name": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#child_ref">Enter the child' in page


def test_starting_opens_my_first_task(browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    page = b.get(task_url + ONE_PAGE).get_data(as_text=True)
    assert "Prepare MARP request" in page
    assert "Alex Example" in page and "C-3001" in page
    assert "What to do" in page
    assert 'name="action" value="draft"' in page
    inbox = b.get("/").get_data(as_text=True)
    assert "Assigned to me (1)" in inbox
    assert "Prepare MARP request" in inbox


def test_invalid_submission_shows_errors_and_keeps_input(browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    b.get(task_url + ONE_PAGE)
    response = b.post(task_url + ONE_PAGE, {"action": "complete", "needs_summary": "Kept text",
                                 "child_age": "fourteen"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert re.search(r'<a href="#f-[\w-]+">', page)
    assert "govuk-form-group--error" in page
    assert "Kept text" in page


def test_draft_is_saved_without_completing(app, browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    b.get(task_url + ONE_PAGE)
    response = b.post(task_url + ONE_PAGE, {"action": "draft", "needs_summary": "Half written"})
    assert response.status_code == 302
    task_id = task_url.rsplit("/", 1)[1]
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        assert task.status == "ready"
        assert task.draft_data == {"needs_summary": "Half written"}
    assert "Half written" in b.get(task_url + ONE_PAGE).get_data(as_text=True)


def _form_fields(page: str) -> dict:
    """What the browser would post for the fields as rendered (prefilled values)."""
    fields = {}
    for match in re.finditer(r"<input([^>]*)>", page):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', match.group(1)))
        name = attrs.get("name")
        if not name or name == "csrf_token":
            continue
        if attrs.get("type") in ("radio", "checkbox") and "checked" not in match.group(1):
            continue
        fields.setdefault(name, []).append(attrs.get("value", ""))
    for match in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        fields[match.group(1)] = [match.group(2).strip()]
    for match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', match.group(2))
        fields[match.group(1)] = [chosen.group(1) if chosen else ""]
    return fields


def test_the_request_reaches_the_team_managers_inbox(app, browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    task_id = task_url.rsplit("/", 1)[1]
    with app.app_context():  # put the sample answers in a draft, as if typed in
        db.session.get(HumanTask, task_id).draft_data = SAMPLES["prepare_request"]
        db.session.commit()
    page = b.get(task_url + ONE_PAGE).get_data(as_text=True)
    posted = {k: v if len(v) > 1 else v[0] for k, v in _form_fields(page).items()}
    response = b.post(task_url + ONE_PAGE, {**posted, "action": "complete"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    done = b.get("/").get_data(as_text=True)
    assert "is complete. Next: “Team manager review”" in done
    tm = browser("team_manager")
    inbox = tm.get("/?tab=claimable").get_data(as_text=True)
    assert "Team manager review" in inbox and "Alex Example" in inbox
    review_id = re.search(r'action="/tasks/(\w+)/claim"', inbox).group(1)
    claimed = tm.post(f"/tasks/{review_id}/claim")
    assert claimed.headers["Location"] == f"/tasks/{review_id}"
    page = tm.get(f"/tasks/{review_id}").get_data(as_text=True)
    assert "What earlier steps recorded" in page
    assert "Prepare MARP request" in page
    assert "History of this case" in page


def test_inbox_filters_and_search(browser):
    b = browser("social_worker")
    _start_marp(b, "C-1", "Robin Alpha")
    _start_marp(b, "C-2", "Sky Beta")
    assert "Assigned to me (2)" in b.get("/").get_data(as_text=True)
    by_ref = b.get("/?q=C-2").get_data(as_text=True)
    assert "Sky Beta" in by_ref and "Robin Alpha" not in by_ref
    by_name = b.get("/?q=alpha").get_data(as_text=True)
    assert "Robin Alpha" in by_name and "Sky Beta" not in by_name
    assert "No tasks match" in b.get("/?overdue=1").get_data(as_text=True)
    assert "No tasks match" in b.get("/?pathway=other").get_data(as_text=True)


def test_release_puts_the_task_back(browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    b.get(task_url + ONE_PAGE)
    response = b.post(task_url + "/release")
    assert response.status_code == 302
    other = browser("social_worker_2").get("/?tab=claimable").get_data(as_text=True)
    assert "Prepare MARP request" in other


def test_someone_elses_task_is_not_found(browser):
    b = browser("social_worker")
    task_url = _start_marp(b)
    assert browser("panel_chair").get(task_url).status_code == 404
    held = browser("social_worker_2").get(task_url)
    assert held.status_code == 200
    assert "is working on this task" in held.get_data(as_text=True)


def test_assets_are_served_locally(app):
    client = app.test_client()
    assert client.get("/assets/govuk-frontend.min.css").status_code == 200
    assert client.get("/assets/images/favicon.ico").status_code == 200
    assert client.get("/assets/fonts/bold-affa96571d-v2.woff2").status_code == 404
    assert client.get("/assets/../app/config.py").status_code == 404


def test_all_errors_show_at_once(browser):
    """A badly typed answer and missing ones are reported together, not one after another."""
    b = browser("social_worker")
    task_url = _start_marp(b)
    b.get(task_url + ONE_PAGE)
    page = b.post(task_url + ONE_PAGE, {"action": "complete", "child_age": "fourteen"}).get_data(
        as_text=True)
    assert "How old is the child or young person" in page
    assert "must be a whole number" in page
    assert "Select what the panel is being asked to agree" in page
    assert "Enter a summary of the child&#39;s needs" in page
