"""Questions that apply after ANY of several answers (issue 16, item 7): a rule whose `if` is
an anyOf of simple answers. MARP's checklist gaps are needed when any checklist answer is No:
the page hides the question while none is (reveal.mjs), the server drops its answer when none
is, and an answer given on an earlier section decides when the page is drawn."""
from __future__ import annotations

import json
import re
from pathlib import Path

from app.services.form_conditions import (
    AnyOf,
    Condition,
    applies_when,
    conditions,
    drop_inapplicable,
)
from app.web.form_render import only_applicable, render_form
from app.web.form_sections import section_form, sections
from tests.pages.test_form_sections import SECTIONS, _answers, _start

SAMPLES = json.loads((Path(__file__).parents[1] / "pathways" / "marp_samples.json").read_text())
FORMS = Path(__file__).parents[2] / "forms" / "marp"
SCHEMA = json.loads((FORMS / "prepare-request.schema.json").read_text())
UI = json.loads((FORMS / "prepare-request.uischema.json").read_text())
CHECKLIST = ["plan_discussed_with_managers", "documents_up_to_date",
             "family_solutions_exhausted", "multi_agency_approach_undertaken",
             "virtual_placement_consultation_done"]
ALL_YES = {name: True for name in CHECKLIST} | {"combined_needs": True}


def _yes_no(name: str) -> dict:
    return {"type": "boolean", "title": name.capitalize()}


def _when_no(name: str) -> dict:
    return {"properties": {name: {"const": False}}, "required": [name]}


# Two sections: the first asks a and b, the second c and the gap, needed when any is No.
SPLIT = {
    "type": "object",
    "properties": {"a": _yes_no("a"), "b": _yes_no("b"), "c": _yes_no("c"),
                   "gap": {"type": "string", "title": "Gap"}},
    "allOf": [{"if": {"anyOf": [_when_no("a"), _when_no("b"), _when_no("c")]},
               "then": {"required": ["gap"]}}],
}
SPLIT_UI = {"ui:sections": [{"title": "First", "fields": ["a", "b"]},
                            {"title": "Second", "fields": ["c", "gap"]}],
            "a": {"ui:widget": "yesno"}, "b": {"ui:widget": "yesno"},
            "c": {"ui:widget": "yesno"}}


def test_an_any_of_rule_is_understood():
    rule = applies_when(SCHEMA, UI)["checklist_gaps"]
    assert isinstance(rule, AnyOf)
    assert [(c.field, c.value) for c in rule.options] == [(n, False) for n in CHECKLIST]
    assert rule.holds({**ALL_YES, "documents_up_to_date": False})
    assert not rule.holds(ALL_YES)
    # It cannot nest under one option: the nesting rules are the simple ones only.
    assert "checklist_gaps" not in conditions(SCHEMA, UI)


def test_an_any_of_rule_of_other_shapes_or_about_other_data_is_left_alone():
    schema = {"properties": {"a": _yes_no("a"), "gap": {"type": "string"}},
              "allOf": [{"if": {"anyOf": [_when_no("a"), {"properties": {"a": {"enum": [1]}}}]},
                         "then": {"required": ["gap"]}}]}
    assert applies_when(schema) == {}  # a branch that is not a simple answer
    schema["allOf"][0]["if"]["anyOf"][1] = _when_no("case_fact")
    assert applies_when(schema) == {}  # an answer the form does not ask for
    # ... unless the rest of the form asks it (a section's page knows the whole form).
    assert set(applies_when(schema, known=["case_fact"])) == {"gap"}
    # One branch is just that answer, nested like any simple rule.
    schema["allOf"][0]["if"]["anyOf"] = [_when_no("a")]
    assert applies_when(schema) == {"gap": Condition("a", False, False)}
    # "ui:reveal": false keeps the question always shown and its answer kept.
    schema["allOf"][0]["if"]["anyOf"] = [_when_no("a"), _when_no("a")]
    assert applies_when(schema, {"gap": {"ui:reveal": False}}) == {}
    # The senior manager's rule is about the request's answers, not the approval form's.
    approval = json.loads((FORMS / "sm-approval.schema.json").read_text())
    assert "checklist_override" not in applies_when(approval)


def test_the_answer_is_dropped_when_no_checklist_answer_is_no():
    gaps = {"checklist_gaps": "Left over from an earlier answer"}
    assert "checklist_gaps" not in drop_inapplicable(SCHEMA, {**ALL_YES, **gaps}, UI)
    for name in CHECKLIST:
        kept = drop_inapplicable(SCHEMA, {**ALL_YES, name: False, **gaps}, UI)
        assert kept["checklist_gaps"] == gaps["checklist_gaps"], name
    # In a chain: the consultation does not apply without combined needs, so its No is no gap.
    chained = {**ALL_YES, "combined_needs": False, "virtual_placement_consultation_done": False}
    assert "checklist_gaps" not in drop_inapplicable(SCHEMA, {**chained, **gaps}, UI)
    # Nor is it a missing answer then (jsonschema still asks for it when a No applies).
    _, errors = only_applicable(SCHEMA, ALL_YES, {"checklist_gaps": ["Explain"]}, UI)
    assert "checklist_gaps" not in errors


def test_the_page_wraps_the_question_with_the_answers_that_decide_it():
    page = str(render_form(SCHEMA, UI, {}, {}))
    match = re.search(r'<div class="app-applies-when" id="f-checklist_gaps-applies" '
                      r'data-app-applies-when="([^"]*)">', page)
    assert match, "the question is wrapped"
    wanted = json.loads(match.group(1).replace("&#34;", '"'))
    assert wanted == [[name, "no"] for name in CHECKLIST]
    # Not hidden by the server: without JavaScript it shows, with its hint, where it was.
    block = page[match.start():match.start() + 3000]
    assert 'name="checklist_gaps"' in block and "hidden" not in match.group(0)
    assert "Needed when any checklist answer is No." in block
    # A simple rule's question is still nested under its option, not wrapped.
    assert page.count("data-app-applies-when") == 1


def _section_page(number: int, saved: dict) -> str:
    part, part_ui = section_form(SPLIT, SPLIT_UI, sections(SPLIT, SPLIT_UI)[number - 1])
    return str(render_form(part, part_ui, saved, {}, form_fields=SPLIT["properties"],
                           saved=saved))


def test_answers_on_an_earlier_section_decide_when_the_page_is_drawn():
    # a and b (first section) both Yes: only c, on this page, can make the gap apply.
    page = _section_page(2, {"a": True, "b": True})
    assert 'data-app-applies-when="[[&#34;c&#34;, &#34;no&#34;]]"' in page
    # a is No: the gap applies whatever c is, so it is shown outright.
    page = _section_page(2, {"a": False, "b": True})
    assert 'name="gap"' in page and "data-app-applies-when" not in page
    # With c moved to the first section too, all Yes means the gap is not asked at all.
    ui = {**SPLIT_UI, "ui:sections": [{"title": "First", "fields": ["a", "b", "c"]},
                                      {"title": "Second", "fields": ["gap"]}]}
    part, part_ui = section_form(SPLIT, ui, sections(SPLIT, ui)[1])
    saved = {"a": True, "b": True, "c": True, "gap": "Left over"}
    assert 'name="gap"' not in str(render_form(part, part_ui, saved, {},
                                               form_fields=SPLIT["properties"], saved=saved))
    saved["c"] = False
    assert 'name="gap"' in str(render_form(part, part_ui, saved, {},
                                           form_fields=SPLIT["properties"], saved=saved))


def test_the_api_does_not_record_checklist_gaps_when_every_answer_is_yes(as_user):
    """An explanation of gaps nobody has is not evidence: with every checklist answer Yes the
    API drops it, as the page does."""
    sw = as_user("social_worker")
    started = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-GAPS-API", "name": "Gale Gaps"}})
    task = started.json["tasks"][0]
    sample = {**SAMPLES["prepare_request"], **ALL_YES,
              "checklist_gaps": "Left over from an earlier answer"}
    done = sw.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": sample})
    assert done.status_code == 200, done.json
    assert "checklist_gaps" not in done.json["instance"]["data"]
    assert done.json["instance"]["data"]["documents_up_to_date"] is True


def test_the_api_records_checklist_gaps_when_an_answer_is_no(as_user):
    sw = as_user("social_worker")
    started = sw.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-GAPS-API2", "name": "Gil Gaps"}})
    task = started.json["tasks"][0]
    sample = {**SAMPLES["prepare_request"], **ALL_YES, "documents_up_to_date": False,
              "checklist_gaps": "The chronology is being updated."}
    done = sw.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": sample})
    assert done.status_code == 200, done.json
    assert done.json["instance"]["data"]["checklist_gaps"] == "The chronology is being updated."


def test_check_answers_does_not_list_gaps_when_every_answer_is_yes(browser):
    """A gap explained in the draft (JavaScript hides the question, its input still posts)
    is not listed on the check page once every checklist answer is Yes, nor submitted."""
    b = browser("social_worker")
    task_url = _start(b, "C-GAPS-CHECK")
    for number in range(1, len(SECTIONS) + 1):
        answers = _answers(number)
        if "checklist_gaps" in SECTIONS[number - 1]["fields"]:
            answers["checklist_gaps"] = "Left over from an earlier answer"
        response = b.post(f"{task_url}/sections/{number}", {"action": "continue", **answers})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    check = b.get(f"{task_url}/check").get_data(as_text=True)
    assert "Check your answers before submitting" in check
    assert "Left over from an earlier answer" not in check
    assert "Explain each checklist answer" not in check
