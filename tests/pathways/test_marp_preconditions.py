"""MARP's preconditions and principles (issue 19, items 6, 7 and 9), walked through the API.

Seed: the council's Overview of Decision-Making Forums, MARP's terms of reference, "What is
required at Oversight/Tracking Meeting" (documents up to date, family solutions exhausted,
the team around the family, the virtual placement consultation where needs combine), its
"Purpose" (the three kinds of request), "Who needs to attend" (TM & SW), and the principles
all forums are guided by (exit strategy at the point of placement; placements that are not
local only for a reason).
"""
from __future__ import annotations

import pytest

from tests.pages.conftest import Browser
from tests.pathways.walker import Walk, samples

SAMPLES = samples("marp")
ROLES = {
    "prepare_request": "social_worker", "provide_further_info": "social_worker",
    "tm_review": "team_manager", "review_progress": "team_manager",
    "sm_approval": "service_manager", "list_for_panel": "panel_administrator",
    "record_decision": "panel_chair",
    "raise_practice": "panel_chair", "practice_escalated": "service_manager",
}
NOT_UP_TO_DATE = {"documents_up_to_date": False,
                  "checklist_gaps": "The chronology has not been updated since September."}


@pytest.fixture
def walk(app, as_user, traveller) -> Walk:
    return Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller,
                subject={"child_ref": "C-2001", "name": "Jamie Example"})


@pytest.mark.parametrize("answers", [
    NOT_UP_TO_DATE,
    {"family_solutions_exhausted": False, "checklist_gaps": "The aunt is still being assessed."},
    {"multi_agency_approach_undertaken": False, "checklist_gaps": "No TAF yet."},
    {"plan_discussed_with_managers": False, "checklist_gaps": "TM on leave."},
    {"virtual_placement_consultation_done": False, "checklist_gaps": "Booked for next week."},
])
def test_an_answer_of_no_needs_the_service_managers_override(walk, answers):
    """Each checklist item is a precondition for MARP: the service manager cannot approve a
    request with an answer of No without deciding whether to override it."""
    walk.do("prepare_request", **answers)
    walk.do("tm_review")
    refused = walk.submit("sm_approval", SAMPLES["sm_approval"])
    assert refused.status_code == 422
    assert "checklist_override" in refused.json["errors"]
    assert walk.ready() == ["sm_approval"]
    no_reason = walk.submit("sm_approval", {**SAMPLES["sm_approval"], "checklist_override": True})
    assert no_reason.status_code == 422
    assert "checklist_override_reason" in no_reason.json["errors"]


def test_without_the_override_the_request_goes_back_to_the_social_worker(app, walk):
    """A "No" without the service manager's override is a return, with the returned banner."""
    walk.do("prepare_request", **NOT_UP_TO_DATE)
    walk.do("tm_review")
    instance = walk.do("sm_approval", "sm_approval__no_override")
    assert walk.ready() == ["prepare_request"]
    assert "panel_meeting_date" not in instance["data"]
    assert instance["data"]["checklist_unmet"] == ["The relevant documents are not up to date"]
    again = walk.task("prepare_request")
    assert again["assignee"] == "social_worker"
    browser = Browser(app)
    browser.sign_in("social_worker")
    page = browser.get(f"/tasks/{again['id']}").get_data(as_text=True)
    banner = page[page.index('id="returned-title"'):][:1500]
    assert "Update the documents in Mosaic" in banner
    # Put right, it goes through without any override.
    walk.do("prepare_request")
    walk.do("tm_review")
    walk.do("sm_approval")
    assert walk.ready() == ["list_for_panel"]
    assert walk.data()["checklist_unmet"] == []


def test_with_the_override_and_its_reason_the_request_is_listed(app, walk):
    walk.do("prepare_request", **NOT_UP_TO_DATE)
    walk.do("tm_review")
    browser = Browser(app)
    browser.sign_in("service_manager")
    page = browser.get(f"/tasks/{walk.task('sm_approval')['id']}")
    assert page.status_code == 200
    assert "Do you override it so the request goes to panel?" in page.get_data(as_text=True)
    instance = walk.do("sm_approval", "sm_approval__override")
    assert walk.ready() == ["list_for_panel"]
    assert instance["data"]["checklist_override_reason"].startswith("The chronology")
    history = walk.clients["social_worker"].get(
        f"/api/v1/process-instances/{walk.id}/history").json
    recorded = [e for e in history if e["event"] == "completed"
                and (e.get("detail") or {}).get("data", {}).get("checklist_override") is True]
    assert recorded, "the override and its reason are kept in the case's history"


def test_no_virtual_consultation_is_no_gap_when_needs_do_not_combine(walk):
    """The virtual placement consultation is needed only where health, medical, education and
    social care needs combine."""
    walk.do("prepare_request", combined_needs=False, virtual_placement_consultation_done=False,
            checklist_gaps="Not applicable.")
    walk.do("tm_review")
    walk.do("sm_approval")
    assert walk.ready() == ["list_for_panel"]


def test_a_residential_placement_needs_its_exit_strategy_and_a_reason_if_not_local(walk):
    """Principles: every child placed in residential care needs a clear exit strategy at the
    point of being placed; placements that are not local only where no suitable local option
    exists or needs or safety require it."""
    answers = {k: v for k, v in SAMPLES["prepare_request"].items()
               if k not in ("exit_strategy", "not_local_reason")}
    refused = walk.submit("prepare_request", answers)
    assert refused.status_code == 422
    assert {"exit_strategy", "not_local_reason"} <= set(refused.json["errors"])
    local = walk.submit("prepare_request", {**answers, "placement_location": "local"})
    assert set(local.json["errors"]) == {"exit_strategy"}
    walk.do("prepare_request")
    assert walk.ready() == ["tm_review"]


@pytest.mark.parametrize(("kind", "extra"), [
    ("s17_package", {"child_age": 17}),
    ("independent_assessment", {}),
])
def test_the_other_kinds_of_request_need_no_placement_answers(walk, kind, extra):
    """MARP's purpose names three kinds of request; only the joint-funded residential
    placement asks for partners, an exit strategy and the placement's location."""
    answers = {k: v for k, v in SAMPLES["prepare_request"].items()
               if k not in ("joint_funding_partners", "placement_location", "not_local_reason",
                            "exit_strategy")}
    walk.do("prepare_request", **{**answers, "request_kind": kind, **extra})
    assert walk.ready() == ["tm_review"]


def test_a_joint_funded_placement_names_its_partners_and_s17_is_for_children(walk):
    """Joint funding is with Health and/or Education (ages 0 to 25); a section 17 package is
    for a child (under 18)."""
    answers = {k: v for k, v in SAMPLES["prepare_request"].items()
               if k != "joint_funding_partners"}
    refused = walk.submit("prepare_request", answers)
    assert set(refused.json["errors"]) == {"joint_funding_partners"}
    unknown = walk.submit("prepare_request", {**answers, "joint_funding_partners": ["housing"]})
    assert "joint_funding_partners.0" in unknown.json["errors"]
    assert walk.submit("prepare_request", {**SAMPLES["prepare_request"],
                                           "child_age": 25}).status_code == 200


def test_a_section_17_package_is_refused_for_an_adult(walk):
    response = walk.submit("prepare_request", {**SAMPLES["prepare_request"],
                                               "request_kind": "s17_package", "child_age": 19})
    assert response.status_code == 422
    assert "child_age" in response.json["errors"]


def test_the_team_manager_and_social_worker_are_confirmed_to_attend(walk):
    """Who needs to attend: TM & SW. The listing cannot be made without confirming it."""
    walk.do("prepare_request")
    walk.do("tm_review")
    walk.do("sm_approval")
    answers = {k: v for k, v in SAMPLES["list_for_panel"].items() if k != "attendees_confirmed"}
    refused = walk.submit("list_for_panel", answers)
    assert refused.status_code == 422
    assert "attendees_confirmed" in refused.json["errors"]
    walk.do("list_for_panel")
    assert walk.ready() == []


def _decided(walk: Walk, decision: str) -> None:
    walk.do("prepare_request")
    walk.do("tm_review")
    walk.do("sm_approval")
    walk.do("list_for_panel")
    walk.at("2026-12-08T08:00:00+00:00")  # Tuesday 8 December, MARP
    walk.do("record_decision", decision)


def test_practice_noted_is_raised_with_the_tm_and_sm_by_the_next_working_day(walk):
    """Governance & Quality Assurance, for all forums: "Outstanding practice and that requires
    significant improvement will be brought to the attention of the TM and SM (if required)
    the following day at the latest" (issue 19, item 7)."""
    _decided(walk, "record_decision__practice")
    assert walk.ready() == ["raise_practice"]
    task = walk.task("raise_practice")
    assert task["role"] == "panel_chair"
    assert task["due_at"].startswith("2026-12-09T17:00")  # the next working day, end of day
    # The forum asked for the service manager too: raising it with the TM alone is refused.
    refused = walk.submit("raise_practice", {**SAMPLES["raise_practice"],
                                             "practice_raised_with": ["team_manager"]})
    assert refused.status_code == 422 and "practice_raised_with" in refused.json["errors"]
    walk.do("raise_practice")
    walk.at("2026-12-10T09:00:00+00:00")
    assert walk.ready() == []
    assert walk.instance()["status"] == "completed"


def test_practice_not_raised_in_time_goes_to_the_service_manager(walk):
    _decided(walk, "record_decision__practice")
    walk.at("2026-12-09T16:59:00+00:00")
    assert walk.ready() == ["raise_practice"]
    walk.at("2026-12-09T17:01:00+00:00")  # the end of the next working day has passed
    assert walk.ready() == ["practice_escalated"]
    assert walk.task("practice_escalated")["role"] == "service_manager"
    instance = walk.do("practice_escalated")
    assert instance["status"] == "completed"


def test_before_a_weekend_the_next_working_day_is_monday(walk):
    walk.do("prepare_request")
    walk.do("tm_review")
    walk.do("sm_approval")
    walk.do("list_for_panel")
    walk.at("2026-12-08T08:00:00+00:00")
    walk.at("2026-12-11T10:00:00+00:00")  # recorded late, on Friday 11 December
    walk.do("record_decision", "record_decision__practice")
    assert walk.task("raise_practice")["due_at"].startswith("2026-12-14T17:00")
    walk.at("2026-12-12T18:00:00+00:00")
    assert "practice_escalated" not in walk.ready()


def test_no_practice_to_raise_adds_no_step(walk):
    _decided(walk, "record_decision__approved")
    assert walk.ready() == []
    assert walk.instance()["status"] == "completed"


def test_the_practice_noted_must_be_described(app, as_user, traveller):
    walk = Walk(app, as_user, "marp", ROLES, SAMPLES, "social_worker", traveller)
    walk.do("prepare_request")
    walk.do("tm_review")
    walk.do("sm_approval")
    walk.do("list_for_panel")
    walk.at("2026-12-08T08:00:00+00:00")
    answers = {k: v for k, v in SAMPLES["record_decision__practice"].items()
               if k not in ("practice_notes", "practice_raise_with_service_manager")}
    response = walk.submit("record_decision", answers)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"practice_notes", "practice_raise_with_service_manager"}
    no_answer = {k: v for k, v in SAMPLES["record_decision__approved"].items()
                 if k != "practice_to_raise"}
    assert set(walk.submit("record_decision", no_answer).json["errors"]) == {"practice_to_raise"}
