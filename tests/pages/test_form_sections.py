"""Long forms are answered a section at a time (issue 16, item 7): MARP's request is a GOV.UK
task list of the UI schema's `ui:sections`, each a page saving to the one draft, then check
your answers with Change links, then one Submit with all the answers."""
from __future__ import annotations

import json
import re
from pathlib import Path

from app.extensions import db
from app.models import HumanTask
from tests.pages.test_conditional_questions import SAMPLES, _posted

UI = json.loads((Path(__file__).parents[2] / "forms" / "marp" / "prepare-request.uischema.json"
                 ).read_text())
SECTIONS = UI["ui:sections"]


def _start(b, child_ref="C-SECT") -> str:
    b.get("/start/marp")
    response = b.post("/start/marp", {"child_ref": child_ref, "name": "Sam Section"})
    assert response.status_code == 302
    return response.headers["Location"].split("?")[0]


def _status(page: str, number: int) -> str:
    found = re.search(rf'id="section-{number}-status">(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def _answers(number: int) -> dict:
    sample = SAMPLES["prepare_request"]
    return _posted({k: sample[k] for k in SECTIONS[number - 1]["fields"] if k in sample})


def test_the_long_form_opens_as_a_task_list(browser):
    b = browser("social_worker")
    page = b.get(_start(b)).get_data(as_text=True)
    assert 'class="govuk-task-list"' in page
    for number, section in enumerate(SECTIONS, start=1):
        assert f">{section['title']}</a>" in page
        assert _status(page, number) == "Not yet started"
    check = page[page.index("Check your answers and submit"):][:400]
    assert "Cannot start yet" in check and "<a " not in page[page.index(
        "Check your answers and submit") - 200:page.index("Check your answers and submit")]
    assert 'name="needs_summary"' not in page  # the questions are on the section pages
    assert "Answer all the questions on one page" in page


def test_a_section_saves_into_the_draft_and_keeps_the_others(app, browser):
    b = browser("social_worker")
    task_url = _start(b)
    first = b.get(f"{task_url}/sections/1").get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">The request</h1>" in first
    assert 'name="needs_summary"' in first and 'name="permanency_plan"' not in first
    saved = b.post(f"{task_url}/sections/1", {"action": "continue", **_answers(1)})
    assert saved.status_code == 302 and saved.headers["Location"] == task_url
    b.post(f"{task_url}/sections/3", {"action": "later", "permanency_plan": "Home"})
    page = b.get(task_url).get_data(as_text=True)
    assert _status(page, 1) == "Completed"
    assert _status(page, 3) == "Incomplete"  # the aspirations are still to come
    assert _status(page, 2) == "Not yet started"
    with app.app_context():
        draft = db.session.get(HumanTask, task_url.rsplit("/", 1)[1]).draft_data
        assert draft["needs_summary"] == SAMPLES["prepare_request"]["needs_summary"]
        assert draft["permanency_plan"] == "Home"  # both sections kept in the one draft
        db.session.remove()


def test_save_and_continue_says_what_the_section_still_needs(browser):
    b = browser("social_worker")
    task_url = _start(b)
    response = b.post(f"{task_url}/sections/3", {"action": "continue",
                                                 "permanency_plan": "Home"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = page[page.index("govuk-error-summary__list"):]
    assert 'href="#f-aspirations_plan"' in summary[:summary.index("</ul>")]
    assert "Home" in page  # what was typed stays on the page, and in the draft


def test_every_section_then_check_answers_then_one_submit(app, browser):
    b = browser("social_worker")
    task_url = _start(b)
    assert b.get(f"{task_url}/check").status_code == 302  # not before every section is done
    for number in range(1, len(SECTIONS) + 1):
        response = b.post(f"{task_url}/sections/{number}", {"action": "continue",
                                                            **_answers(number)})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = b.get(task_url).get_data(as_text=True)
    assert all(_status(page, n) == "Completed" for n in range(1, len(SECTIONS) + 1))
    assert f'href="{task_url}/check"' in page
    check = b.get(f"{task_url}/check").get_data(as_text=True)
    assert "Check your answers before submitting" in check
    assert "Summary of the child&#39;s needs" in check or "Summary of the child's needs" in check
    assert f'href="{task_url}/sections/1?back=check#f-needs_summary"' in check
    assert "£260,000" in check
    # Change goes to the section and comes back to the check page.
    changed = b.post(f"{task_url}/sections/1?back=check",
                     {"action": "continue", "back": "check",
                      **{**_answers(1), "estimated_duration": "9 months"}})
    assert changed.headers["Location"] == f"{task_url}/check"
    assert "9 months" in b.get(f"{task_url}/check").get_data(as_text=True)
    done = b.post(f"{task_url}/check")
    assert done.status_code == 302 and done.headers["Location"] == "/"
    with app.app_context():
        task = db.session.get(HumanTask, task_url.rsplit("/", 1)[1])
        assert task.status == "completed"
        expected = {**SAMPLES["prepare_request"], "estimated_duration": "9 months"}
        assert {k: task.submitted_data.get(k) for k in expected} == expected
        db.session.remove()
