"""The schema-driven form fields: GOV.UK markup, prefilling, errors and reading a POST back."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from werkzeug.datastructures import MultiDict

from app.engine.parsing import parse_model
from app.web.form_render import (
    as_typed,
    describe_value,
    field_id,
    parse_submission,
    render_form,
    row_action,
    summarise,
    typed_inputs,
)

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms" / "marp"
SAMPLES = json.loads((ROOT / "tests" / "pathways" / "marp_samples.json").read_text())
FORM_NAMES = sorted(p.name.removesuffix(".schema.json") for p in FORMS.glob("*.schema.json"))
# Every pathway's forms, and every sample answer keyed "<task>__<variant>" with the task's form.
ALL_FORMS = sorted(str(p.relative_to(ROOT / "forms")).removesuffix(".schema.json")
                   for p in (ROOT / "forms").glob("*/*.schema.json"))


def _task_forms() -> dict[tuple[str, str], str]:
    found = {}
    for path in (ROOT / "processes").glob("*/*.bpmn"):
        for name, task in parse_model(path.read_bytes()).user_tasks.items():
            found[(path.parent.name, name)] = task.form_schema_file.removesuffix(".schema.json")
    return found


TASK_FORMS = _task_forms()
ALL_SAMPLES = sorted(
    (path.name.removesuffix("_samples.json"), key)
    for path in (ROOT / "tests" / "pathways").glob("*_samples.json")
    for key in json.loads(path.read_text()))


def load(name: str, folder: Path = FORMS) -> tuple[dict, dict]:
    return (json.loads((folder / f"{name}.schema.json").read_text()),
            json.loads((folder / f"{name}.uischema.json").read_text()))


# A form with a list of ticked boxes, a date and a reference: MARP's per-case minutes form,
# kept as test data since the minutes became one task per meeting.
TEST_FORMS = ROOT / "tests" / "data" / "forms"
DISTRIBUTE = {"minutes_distributed_on": "2026-12-10",
              "minutes_recipients": ["social_worker", "team_manager", "service_manager",
                                     "health", "education"],
              "minutes_mosaic_ref": "MIN-450233"}


class Page(HTMLParser):
    """What a browser would see and submit for the rendered fields."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: list[str] = []
        self.label_for: list[str] = []
        self.controls: list[dict] = []
        self.described_by: list[str] = []
        self.fieldsets = 0
        self.legends_first = 0
        self.submitted: MultiDict = MultiDict()
        self._after_fieldset = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._after_fieldset and tag == "legend":
            self.legends_first += 1
        self._after_fieldset = tag == "fieldset"
        self.fieldsets += tag == "fieldset"
        if "id" in a:
            self.ids.append(a["id"])
        if "aria-describedby" in a:
            self.described_by += a["aria-describedby"].split()
        if tag == "label":
            self.label_for.append(a.get("for"))
        if tag in ("input", "textarea", "select") and a.get("type") != "hidden":
            self.controls.append({"tag": tag, **a})  # a hidden input needs no label
        if tag == "input":
            if a.get("type") not in ("radio", "checkbox") or "checked" in a:
                self.submitted.add(a["name"], a.get("value") or "")
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and "selected" in a:
            self.submitted.add(self._select, a["value"])

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.submitted.add(self._textarea, "".join(self._text))
            self._textarea = None


def validator(schema: dict) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.mark.parametrize("name", ALL_FORMS)
def test_each_form_renders_accessible_govuk_markup(name):
    schema, ui = load(f"../{name}")
    page = Page(str(render_form(schema, ui, {}, {})))
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    for control in page.controls:
        assert control["id"] in page.label_for, f"no <label for> for {control['id']}"
    assert page.fieldsets == page.legends_first, "every fieldset starts with a legend"
    assert set(page.described_by) <= set(page.ids)
    names = {c["name"].split("-")[0].removesuffix("[]").split(".")[0] for c in page.controls}
    assert names == set(schema["properties"]), "every property has a field"


def test_fields_follow_ui_order():
    schema, ui = load("prepare-request")
    html = str(render_form(schema, ui, {}, {}))
    positions = [html.index(f'id="{field_id(key)}"') for key in ui["ui:order"]]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("pathway", "sample"), ALL_SAMPLES)
def test_round_trip_through_the_browser(pathway, sample):
    schema, ui = load("../" + TASK_FORMS[(pathway, sample.split("__")[0])])
    data = json.loads((ROOT / "tests" / "pathways" / f"{pathway}_samples.json").read_text())[sample]
    page = Page(str(render_form(schema, ui, data, {})))
    parsed, errors = parse_submission(schema, ui, page.submitted)
    assert errors == {}
    assert parsed == data
    assert list(validator(schema).iter_errors(parsed)) == []


def test_failed_post_echo_keeps_what_was_typed_and_every_ticked_box():
    schema, ui = load("distribute-minutes", TEST_FORMS)
    form = Page(str(render_form(schema, ui, DISTRIBUTE, {}))).submitted
    form["minutes_distributed_on-day"] = "31"
    form["minutes_distributed_on-month"] = "2"
    data, errors = parse_submission(schema, ui, form)
    assert "minutes_distributed_on" not in data and "minutes_distributed_on" in errors
    # what the task page does after a failed POST
    page = Page(str(render_form(schema, ui, {**data, **form.to_dict()}, errors)))
    assert page.submitted.getlist("minutes_recipients[]") == DISTRIBUTE[
        "minutes_recipients"]
    assert page.submitted["minutes_distributed_on-day"] == "31"
    assert page.submitted["minutes_distributed_on-year"] == "2026"


def test_errors_are_shown_and_linked():
    schema, ui = load("record-decision")
    message = "Review date must be a real date"
    html = str(render_form(schema, ui, {}, {"review_date": [message],
                                             "_form": ["Not shown here"]}))
    page = Page(html)
    fid = field_id("review_date")
    assert fid in page.ids and fid == "f-review_date"
    assert "govuk-form-group--error" in html
    assert (f'<p id="{fid}-error" class="govuk-error-message"><span class="govuk-visually-hidden">'
            f'Error:</span> {message}</p>') in html
    assert f"{fid}-error" in page.described_by
    day = next(c for c in page.controls if c["id"] == fid)
    assert day["name"] == "review_date-day" and "govuk-input--error" in day["class"]
    assert html.count("govuk-form-group--error") == 1
    assert "Not shown here" not in html


def test_error_on_a_list_item_shows_on_the_checkboxes():
    schema, ui = load("distribute-minutes", TEST_FORMS)
    html = str(render_form(schema, ui, {}, {"minutes_recipients.0": ["Select one of the options"]}))
    assert html.count("govuk-error-message") == 1
    assert 'id="f-minutes_recipients"' in html and 'type="checkbox"' in html


def test_field_ids():
    assert field_id("actions.0.owner") == "f-actions-0-owner"
    assert field_id("odd name!") == "f-odd_name_"


def test_widgets_from_the_ui_schema():
    schema, ui = load("prepare-request")
    values = {"estimated_cost": 18500.5, "emergency_decision_by_role": "art",
              "combined_needs": False}
    html = str(render_form(schema, ui, values, {}))
    assert '<div class="govuk-input__prefix" aria-hidden="true">£</div>' in html
    assert 'value="18500.50"' in html
    assert '<option value="art" selected>' in html
    assert 'class="govuk-input govuk-input--width-3" id="f-child_age"' in html
    assert 'rows="8"' in html
    assert ('id="f-combined_needs-2" name="combined_needs" type="radio" value="no" checked'
            in html)
    assert "govuk-radios govuk-radios--inline" in html
    listing, listing_ui = load("list-for-panel")
    html = str(render_form(listing, listing_ui, {"panel_slot_time": "10:15"}, {}))
    assert 'type="time" value="10:15" step="900"' in html


def test_values_are_escaped():
    schema, ui = load("prepare-request")
    evil = '<script>alert("x")</script>'
    html = str(render_form(schema, ui, {"needs_summary": evil, "assessment_type": evil}, {}))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize(("day", "month", "year"), [
    ("31", "2", "2027"), ("x", "12", "2026"), ("8", "", "2026"), ("8", "12", "26"),
    ("8", "13", "2026"),
])
def test_bad_dates(day, month, year):
    schema, ui = load("distribute-minutes", TEST_FORMS)
    form = MultiDict({"minutes_distributed_on-day": day, "minutes_distributed_on-month": month,
                      "minutes_distributed_on-year": year})
    data, errors = parse_submission(schema, ui, form)
    assert "minutes_distributed_on" not in data
    assert errors == {"minutes_distributed_on": ["Date the minutes were sent must be a real date"]}


def test_dates_accept_month_names_and_blank_means_unanswered():
    schema, ui = load("distribute-minutes", TEST_FORMS)
    parts = ("minutes_distributed_on-day", "minutes_distributed_on-month",
             "minutes_distributed_on-year")
    data, _ = parse_submission(schema, ui, MultiDict(zip(parts, (" 08", "Dec", "2026"),
                                                         strict=True)))
    assert data == {"minutes_distributed_on": "2026-12-08"}
    assert parse_submission(schema, ui, MultiDict(dict.fromkeys(parts, ""))) == ({}, {})


def test_numbers_money_and_booleans():
    schema, ui = load("prepare-request")
    form = MultiDict({"child_age": "fourteen", "estimated_cost": "£1,200.50",
                      "combined_needs": "no", "documents_up_to_date": "maybe",
                      "needs_summary": "  ", "csrf_token": "abc", "action": "complete",
                      "not_in_the_form": "x"})
    data, errors = parse_submission(schema, ui, form)
    assert data == {"estimated_cost": 1200.5, "combined_needs": False}
    assert errors == {
        "child_age": ["The child's age must be a whole number, like 14"],
        "documents_up_to_date": ["Select yes or no for Are all relevant documents up to date, "
                                 "and do they show why the child's needs require this "
                                 "intervention?"],
    }
    data, errors = parse_submission(schema, ui, MultiDict(
        {"estimated_cost": "£260,000", "child_age": "14.5",
         "plan_discussed_with_managers": "true"}))
    assert data == {"estimated_cost": 260000, "plan_discussed_with_managers": True}
    assert isinstance(data["estimated_cost"], int)
    assert errors["child_age"] == ["The child's age must be a whole number, like 14"]
    for bad in ("NaN", "1e5", "12abc", "1" * 40):
        assert "estimated_cost" in parse_submission(schema, ui, {"estimated_cost": bad})[1]


ACTIONS = {
    "type": "object",
    "properties": {
        "actions": {
            "type": "array", "title": "Actions agreed", "minItems": 1,
            "items": {
                "type": "object", "title": "Action", "required": ["owner"],
                "properties": {
                    "owner": {"type": "string", "title": "Who will do it", "minLength": 1},
                    "due": {"type": "string", "format": "date", "title": "Due date"},
                    "priority": {"type": "string", "title": "Priority", "oneOf": [
                        {"const": "high", "title": "High"}, {"const": "low", "title": "Low"}]},
                },
            },
        },
    },
    "required": ["actions"],
}
ACTIONS_UI = {"actions": {"items": {"ui:order": ["owner", "due"],
                                    "priority": {"ui:widget": "select"}}}}


def test_repeating_group_renders_its_rows_with_add_another_and_remove():
    values = {"actions": [{"owner": "Team manager", "due": "2027-01-04", "priority": "high"},
                          {"owner": "Social worker"}]}
    html = str(render_form(ACTIONS, ACTIONS_UI, values, {"actions.1.due": ["Enter a due date"],
                                                         "actions": ["Too few"]}))
    page = Page(html)
    assert page.fieldsets == page.legends_first
    for control in page.controls:
        assert control["id"] in page.label_for
    # GOV.UK's "add another": the rows there are, each removable, then a button for one more.
    assert [f"Action {n}" in html for n in (1, 2, 3)] == [True, True, False]
    assert 'name="action" value="remove:actions.1"' in html
    assert 'value="add:actions"' in html and ">Add another action</button>" in html
    assert html.index('value="draft" class="app-default-submit"') < html.index("remove:")
    assert page.submitted["actions.0.owner"] == "Team manager"
    assert page.submitted["actions.0.due-day"] == "4"
    assert page.submitted["actions.0.priority"] == "high"
    assert "actions.2.owner" not in page.submitted
    assert 'id="f-actions-1-due-error"' in html and 'id="f-actions-error"' in html
    assert 'id="f-actions"' in html
    parsed, errors = parse_submission(ACTIONS, ACTIONS_UI, page.submitted)
    assert errors == {} and parsed == values


def test_add_another_and_remove_redraw_the_rows_without_javascript():
    posted = MultiDict([("actions.0.owner", "Team manager"), ("actions.1.owner", "Health"),
                        ("actions-rows", "2"), ("action", "add:actions")])
    more = row_action(posted)
    assert more["actions-rows"] == "3"
    data, _ = parse_submission(ACTIONS, ACTIONS_UI, more)
    html = str(render_form(ACTIONS, ACTIONS_UI, {**data, **more.to_dict()}, {}))
    assert "Action 3" in html and 'name="actions.2.owner"' in html
    fewer = row_action(MultiDict([*posted.items(multi=True)][:3] + [("action",
                                                                    "remove:actions.0")]))
    data, _ = parse_submission(ACTIONS, ACTIONS_UI, fewer)
    assert data == {"actions": [{"owner": "Health"}]}
    html = str(render_form(ACTIONS, ACTIONS_UI, {**data, **fewer.to_dict()}, {}))
    assert "Action 2" not in html and "remove:" not in html  # the last row stays
    assert row_action(MultiDict({"action": "complete"})) is None
    # An empty list still offers one row to fill.
    assert "Action 1" in str(render_form(ACTIONS, ACTIONS_UI, {}, {}))


def test_repeating_group_drops_empty_rows_and_numbers_errors_by_kept_row():
    form = MultiDict([("actions.0.owner", ""), ("actions.0.due-day", ""),
                      ("actions.1.owner", "Team manager"), ("actions.1.due-day", "31"),
                      ("actions.1.due-month", "2"), ("actions.1.due-year", "2027"),
                      ("actions.2.owner", "Health"), ("actions.2.priority", "low")])
    data, errors = parse_submission(ACTIONS, ACTIONS_UI, form)
    assert data == {"actions": [{"owner": "Team manager"}, {"owner": "Health", "priority": "low"}]}
    assert errors == {"actions.0.due": ["Due date must be a real date"]}
    html = str(render_form(ACTIONS, ACTIONS_UI, {**data, **form.to_dict()}, errors))
    page = Page(html)
    assert page.submitted["actions.0.owner"] == "Team manager"
    assert page.submitted["actions.0.due-day"] == "31"
    assert page.submitted["actions.1.owner"] == "Health"
    assert "actions.2.owner" not in page.submitted
    assert field_id("actions.0.due") in page.ids and "f-actions-0-due-error" in page.described_by
    assert parse_submission(ACTIONS, ACTIONS_UI, MultiDict({"actions.0.owner": " "})) == ({}, {})


def test_describe_value():
    schema, _ = load("prepare-request")
    assert describe_value(schema, "request_kind", "s17_package") == (
        "A high-cost or complex section 17 services package")
    assert describe_value(schema, "combined_needs", True) == "Yes"
    assert describe_value(schema, "combined_needs", False) == "No"
    assert describe_value(schema, "case_summary_updated_on", "2026-12-08") == "8 December 2026"
    assert describe_value(schema, "estimated_cost", 260000) == "£260,000"
    assert describe_value(schema, "estimated_cost", 1200.5) == "£1,200.50"
    assert describe_value(schema, "child_age", 14) == "14"
    assert describe_value(schema, "joint_funding_partners", ["health", "education"]) == (
        "Health, Education")
    assert describe_value(ACTIONS, "actions.0.due", "2027-01-04") == "4 January 2027"
    assert describe_value(ACTIONS, "actions", [{"owner": "TM", "priority": "low"}]) == (
        "Who will do it: TM, Priority: Low")


def test_summarise_in_form_order():
    schema, _ = load("record-decision")
    rows = summarise(schema, {"review_date": "2027-03-09", "panel_decision": "approved",
                              "agreed_funding_amount": 260000, "review_required": True,
                              "initiator": "someone", "decision_reasons": ""})
    assert rows == [("What did the panel decide?", "Approved"),
                    ("Funding agreed, in pounds", "£260,000"),
                    ("Does the panel want a review of progress?", "Yes"),
                    ("Review date", "9 March 2027")]
    minutes, _ = load("distribute-minutes", TEST_FORMS)
    assert summarise(minutes, DISTRIBUTE)[1] == (
        "Who were the minutes sent to?",
        "Social worker, Team manager, Service manager, Health partner, Education partner")


def test_typed_inputs_keep_only_the_forms_own_fields_and_show_back_as_typed():
    schema = {"type": "object", "properties": {
        "age": {"type": "integer"}, "on": {"type": "string", "format": "date"},
        "kinds": {"type": "array", "items": {"enum": ["a", "b"]}},
        "actions": {"type": "array", "items": {"type": "object", "properties": {
            "due": {"type": "string", "format": "date"}}}}}}
    form = MultiDict([("csrf_token", "x"), ("action", "draft"), ("age", "fourteen"),
                      ("on-day", "31"), ("on-month", "2"), ("on-year", "2026"), ("on-x", "?"),
                      ("kinds[]", "a"), ("kinds[]", "b"), ("actions.2.due-day", "40"),
                      ("subject", "stray"), ("age2", "")])
    typed = typed_inputs(schema, {}, form)
    assert typed == [["age", "fourteen"], ["on-day", "31"], ["on-month", "2"],
                     ["on-year", "2026"], ["kinds[]", "a"], ["kinds[]", "b"],
                     ["actions.2.due-day", "40"]]
    data, errors = parse_submission(schema, {}, MultiDict([tuple(pair) for pair in typed]))
    assert set(errors) == {"age", "on", "actions.0.due"}
    assert data == {"kinds": ["a", "b"], "actions": [{}]}
    html = render_form(schema, {}, as_typed(data, typed), errors)
    assert 'value="fourteen"' in html and 'value="31"' in html and 'value="40"' in html
    assert html.count("checked") == 2
