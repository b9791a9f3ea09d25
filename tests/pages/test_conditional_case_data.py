"""Questions whose rule names what the case already knows (issue 16, item 7): MARP's service
manager is asked to override the checklist only when the request had an answer of No
(forms/marp/sm-approval.schema.json: needed when approving AND any request answer is No). The
case's data decides that part when the page is drawn and when an answer is kept; the part on
the form's own answers (approving) nests the question under its option as usual."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.services.form_conditions import Condition, Never, applies_when, drop_inapplicable, settle
from tests.pathways.test_marp_preconditions import NOT_UP_TO_DATE, ROLES
from tests.pathways.walker import Walk, samples

SAMPLES = samples("marp")
APPROVAL = json.loads((Path(__file__).parents[2] / "forms" / "marp" / "sm-approval.schema.json")
                      .read_text())
ALL_YES = {"plan_discussed_with_managers": True, "documents_up_to_date": True,
           "family_solutions_exhausted": True, "multi_agency_approach_undertaken": True,
           "combined_needs": True, "virtual_placement_consultation_done": True}
OVERRIDE = {"checklist_override": True, "checklist_override_reason": "Urgent: the placement ends"}


def test_the_case_decides_the_part_of_a_rule_about_it():
    with_a_no = settle(APPROVAL, {**ALL_YES, "documents_up_to_date": False})
    assert applies_when(with_a_no)["checklist_override"] == Condition(
        "sm_approval_outcome", "approved", False)
    all_yes = settle(APPROVAL, ALL_YES)
    assert applies_when(all_yes)["checklist_override"] == Never()
    # Dropped, and what depends on it with it.
    kept = drop_inapplicable(all_yes, {"sm_approval_outcome": "approved", **OVERRIDE})
    assert kept == {"sm_approval_outcome": "approved"}
    # A rule only about the form's own answers is untouched, and so is the schema given.
    assert settle(APPROVAL, ALL_YES)["allOf"][0] == APPROVAL["allOf"][0]
    assert "if" in APPROVAL["allOf"][1] and APPROVAL["allOf"][1]["if"] is not False


@pytest.fixture
def walk(app, as_user, traveller) -> Walk:
    return Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller,
                subject={"child_ref": "C-2002", "name": "Robin Override"})


def _approval_page(browser, walk: Walk) -> str:
    page = browser("service_manager").get(f"/tasks/{walk.task('sm_approval')['id']}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_no_override_question_when_every_checklist_answer_is_yes(walk, browser):
    walk.do("prepare_request", **ALL_YES)
    walk.do("tm_review")
    assert 'name="checklist_override"' not in _approval_page(browser, walk)
    # Sent anyway (an old draft, another client): not recorded as an override of nothing.
    instance = walk.do("sm_approval", **OVERRIDE)
    assert "checklist_override" not in instance["data"]
    assert "checklist_override_reason" not in instance["data"]


def test_the_override_question_is_revealed_by_approving_when_an_answer_is_no(walk, browser):
    walk.do("prepare_request", **NOT_UP_TO_DATE)
    walk.do("tm_review")
    html = _approval_page(browser, walk)
    # Nested in the conditional reveal of "approve" (GOV.UK radios), not asked otherwise.
    [reveal] = re.findall(r'value="approved" data-app-reveal="([^"]+)"', html)
    inside = html.split(f'id="{reveal}">', 1)[1].split('value="returned"', 1)[0]
    assert 'aria-describedby="f-checklist_override-hint"' in inside
    assert 'name="checklist_override"' in inside
    instance = walk.do("sm_approval", **OVERRIDE)
    assert instance["data"]["checklist_override"] is True
