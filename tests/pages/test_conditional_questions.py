"""Conditional questions appear only when they apply (issue 16, item 7): the schema's simple
if/then rules nest a question under the answer that makes it apply, as a GOV.UK conditional
reveal that works without JavaScript, and the server still enforces and clears them."""
from __future__ import annotations

import json
import re
from pathlib import Path

from app.extensions import db
from app.models import HumanTask
from app.web.form_render import only_applicable, parse_submission, render_form

SAMPLES = json.loads((Path(__file__).parents[1] / "pathways" / "marp_samples.json").read_text())
FORMS = Path(__file__).parents[2] / "forms" / "marp"
SCHEMA = json.loads((FORMS / "prepare-request.schema.json").read_text())
UI = json.loads((FORMS / "prepare-request.uischema.json").read_text())


def _reveal(page: str, option_id: str) -> str:
    """The conditional block an option controls, up to the next option of its list."""
    assert f'data-app-reveal="{option_id}-conditional"' in page
    start = page.index(f'id="{option_id}-conditional"')
    return page[start:start + 4000]


def test_a_dependent_question_sits_under_the_answer_that_makes_it_apply():
    page = str(render_form(SCHEMA, UI, {}, {}))
    evidence = _reveal(page, "f-family_solutions_exhausted")  # the "Yes" option
    assert 'name="family_solutions_evidence"' in evidence
    # Hidden until chosen (only once GOV.UK Frontend runs: without JavaScript it shows) ...
    assert re.search(r'class="govuk-radios__conditional govuk-radios__conditional--hidden" '
                     r'id="f-family_solutions_exhausted-conditional"', page)
    # ... and its hint says when it applies, which is all a page without JavaScript has.
    assert ("Answer this only if you answered ‘Yes’ for ‘Have family solutions been "
            "exhausted?’") in evidence
    # Chains nest: the consultation date is under "done", which is under combined needs.
    needs = _reveal(page, "f-combined_needs")
    assert 'name="virtual_placement_consultation_done"' in needs
    assert 'name="virtual_placement_consultation_date-day"' in needs
    # A checkbox answer under a radio option, and a question under one option of many.
    assert 'name="joint_funding_partners[]"' in _reveal(page, "f-request_kind-3")
    # A question that depends on several answers (anyOf) stays where it was, always shown.
    assert page.count('name="checklist_gaps"') == 1
    assert "Answer this only if" not in page[page.index('id="f-checklist_gaps-hint"'):][:300]


def test_an_open_reveal_is_drawn_open():
    page = str(render_form(SCHEMA, UI, {"family_solutions_exhausted": True}, {}))
    assert re.search(r'class="govuk-radios__conditional" '
                     r'id="f-family_solutions_exhausted-conditional"', page)


def test_answers_to_questions_that_do_not_apply_are_not_submitted():
    form = {"family_solutions_exhausted": "no", "family_solutions_evidence": "Left over",
            "combined_needs": "no", "virtual_placement_consultation_done": "yes",
            "virtual_placement_consultation_date-day": "31",
            "virtual_placement_consultation_date-month": "2",
            "virtual_placement_consultation_date-year": "2026"}
    data, errors = parse_submission(SCHEMA, UI, form)
    assert "family_solutions_evidence" in data  # a draft keeps them: the answer may change
    data, errors = only_applicable(SCHEMA, data, errors)
    assert "family_solutions_evidence" not in data
    assert "virtual_placement_consultation_done" not in data  # combined needs is No
    assert "virtual_placement_consultation_date" not in errors  # nor complain about them


def _start(b) -> str:
    b.get("/start/marp")
    response = b.post("/start/marp", {"child_ref": "C-COND", "name": "Cody Cond"})
    assert response.status_code == 302
    return response.headers["Location"].split("?")[0]


def _posted(sample: dict) -> dict:
    out: dict = {}
    for key, value in sample.items():
        if isinstance(value, bool):
            out[key] = "yes" if value else "no"
        elif isinstance(value, list):
            out[key + "[]"] = value
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            year, month, day = value.split("-")
            out.update({f"{key}-day": day, f"{key}-month": month, f"{key}-year": year})
        else:
            out[key] = str(value)
    return out


def test_the_server_enforces_then_and_clears_what_does_not_apply(app, browser):
    b = browser("social_worker")
    task_url = _start(b)
    sample = dict(SAMPLES["prepare_request"])
    missing = {k: v for k, v in sample.items() if k != "family_solutions_evidence"}
    refused = b.post(task_url + "?view=all", {"action": "complete", **_posted(missing)})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    summary = text[text.index("govuk-error-summary__list"):]
    assert 'href="#f-family_solutions_evidence"' in summary[:summary.index("</ul>")]

    sample["multi_agency_approach_undertaken"] = False  # so the evidence no longer applies
    sample["checklist_gaps"] = "The team around the family starts next week."
    done = b.post(task_url, {"action": "complete", **_posted(sample)})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    with app.app_context():
        task = db.session.get(HumanTask, task_url.rsplit("/", 1)[1])
        assert "multi_agency_evidence" not in task.submitted_data
        assert task.submitted_data["family_solutions_evidence"]
        db.session.remove()


def test_the_api_does_not_record_answers_to_questions_that_do_not_apply(as_user):
    """The API is held to the page's rule: an answer left in a question that does not apply
    is not recorded, whichever client sends it (it would read as evidence nobody gave)."""
    sw = as_user("social_worker")
    started = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-COND-API", "name": "Api Cond"}})
    task = started.json["tasks"][0]
    sample = {**SAMPLES["prepare_request"], "multi_agency_approach_undertaken": False,
              "checklist_gaps": "The team around the family starts next week.",
              "multi_agency_evidence": "Left over from an earlier answer"}
    done = sw.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": sample})
    assert done.status_code == 200, done.json
    assert "multi_agency_evidence" not in done.json["instance"]["data"]
    assert done.json["instance"]["data"]["family_solutions_evidence"]  # it applies: kept


def test_comments_wanted_whatever_the_outcome_are_always_shown_and_kept():
    """`"ui:reveal": false`: the team manager's comments are needed to return a request and
    welcome with an endorsement, so they are not hidden under "Return" nor dropped."""
    forms = FORMS
    schema = json.loads((forms / "tm-review.schema.json").read_text())
    ui = json.loads((forms / "tm-review.uischema.json").read_text())
    page = str(render_form(schema, ui, {}, {}))
    assert "data-app-reveal" not in page
    assert page.count('name="tm_comments"') == 1
    answers = {"tm_review_outcome": "endorse", "tm_comments": "Well evidenced."}
    assert only_applicable(schema, answers, {}, ui)[0] == answers
    assert "tm_comments" not in only_applicable(schema, answers, {})[0]  # without the mark
    refused = only_applicable(schema, {"tm_review_outcome": "return"}, {}, ui)
    assert refused == ({"tm_review_outcome": "return"}, {})  # and still needed: see validate
