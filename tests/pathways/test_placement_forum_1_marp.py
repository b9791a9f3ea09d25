"""Placement Forum Part 1 cannot agree a joint-funded residential placement before MARP has
(issue 19, item 6), and Part 1's paperwork per kind of request (item 9).

Seed: the council's Overview of Decision-Making Forums. MARP, "What is required": "In
situations where multi agency funding requests and decisions in relation to high-cost
placements ... are required, presentation at the Multi-Agency Resources Panel (MARP) will be
required prior to placement being agreed"; Placement Forum Part 1, "Purpose" (single agency
funded residential placements) and "Paperwork required from SW" (Approval to Accommodate /
Search Form / Approval to place Form; Unregulated Placement Notification if required).
"""
from __future__ import annotations

import pytest

from tests.pages.conftest import Browser
from tests.pathways.walker import Walk, samples

PF1 = samples("placement_forum_1")
MARP = samples("marp")
PF1_ROLES = {"prepare_request": "social_worker", "provide_information": "social_worker",
             "raise_practice": "panel_chair", "practice_escalated": "service_manager",
             "tm_review": "team_manager", "allocate_slot": "panel_administrator",
             "record_decision": "panel_chair", "director_decision": "director"}
MARP_ROLES = {"prepare_request": "social_worker", "tm_review": "team_manager",
              "sm_approval": "service_manager", "list_for_panel": "panel_administrator",
              "record_decision": "panel_chair"}
CHILD = {"child_ref": "C-5150", "name": "Jordan Example"}


def _marp_decides(app, as_user, traveller, decision: str, child: dict = CHILD) -> None:
    """MARP hears a request for the child on Tuesday 8 December and decides it."""
    marp = Walk(app, as_user, "marp", MARP_ROLES, MARP, "social_worker", traveller,
                subject=child)
    marp.do("prepare_request")
    marp.do("tm_review")
    marp.do("sm_approval")
    marp.do("list_for_panel")
    marp.at("2026-12-08T08:00:00+00:00")
    marp.do("record_decision", decision)


def _request(app, as_user, traveller, sample: str = "prepare_request__joint_funded") -> Walk:
    pf1 = Walk(app, as_user, "placement_forum_1", PF1_ROLES, PF1, "social_worker", traveller,
               subject=CHILD)
    pf1.do("prepare_request", sample)
    return pf1


def test_without_marps_agreement_a_joint_funded_placement_goes_back(app, as_user, traveller):
    pf1 = _request(app, as_user, traveller)
    assert pf1.data()["marp_missing"] is True
    refused = pf1.submit("tm_review", PF1["tm_review"])
    assert refused.status_code == 422
    assert "MARP has not agreed" in refused.json["errors"]["tm_outcome"][0]
    assert pf1.ready() == ["tm_review"]
    pf1.do("tm_review", "tm_review__return")
    assert pf1.ready() == ["prepare_request"]
    again = pf1.task("prepare_request")
    browser = Browser(app)
    browser.sign_in("social_worker")
    page = browser.get(f"/tasks/{again['id']}").get_data(as_text=True)
    assert 'id="returned-title"' in page


def test_after_marp_agrees_the_joint_funding_the_forum_may_hear_it(app, as_user, traveller):
    _marp_decides(app, as_user, traveller, "record_decision__approved_with_conditions")
    pf1 = _request(app, as_user, traveller)
    data = pf1.data()
    assert (data["marp_missing"], data["marp_agreed_on"]) == (False, "2026-12-08")
    pf1.do("tm_review")
    assert pf1.ready() == ["allocate_slot"]


@pytest.mark.parametrize(("decision", "child"), [
    ("record_decision__declined", CHILD),
    ("record_decision__deferred", CHILD),
    ("record_decision__approved", {"child_ref": "C-9999", "name": "Another Child"}),
])
def test_only_marps_agreement_for_this_child_counts(app, as_user, traveller, decision, child):
    _marp_decides(app, as_user, traveller, decision, child)
    pf1 = _request(app, as_user, traveller)
    assert pf1.data()["marp_missing"] is True
    assert pf1.submit("tm_review", PF1["tm_review"]).status_code == 422


def test_marp_agreeing_another_kind_of_request_is_not_agreement_to_joint_funding(
        app, as_user, traveller):
    marp = Walk(app, as_user, "marp", MARP_ROLES, MARP, "social_worker", traveller,
                subject=CHILD)
    answers = {k: v for k, v in MARP["prepare_request"].items()
               if k not in ("joint_funding_partners", "placement_location", "not_local_reason",
                            "exit_strategy")}
    marp.do("prepare_request", **{**answers, "request_kind": "independent_assessment"})
    marp.do("tm_review")
    marp.do("sm_approval")
    marp.do("list_for_panel")
    marp.at("2026-12-08T08:00:00+00:00")
    marp.do("record_decision", "record_decision__approved")
    pf1 = _request(app, as_user, traveller)
    assert pf1.data()["marp_missing"] is True


def test_a_single_agency_residential_placement_needs_no_marp(app, as_user, traveller):
    pf1 = _request(app, as_user, traveller, "prepare_request__ooa_residential")
    assert pf1.data()["marp_missing"] is False
    pf1.do("tm_review")
    assert pf1.ready() == ["allocate_slot"]


def test_a_residential_request_says_whether_joint_funding_is_sought(app, as_user, traveller):
    pf1 = Walk(app, as_user, "placement_forum_1", PF1_ROLES, PF1, "social_worker", traveller,
               subject=CHILD)
    answers = {k: v for k, v in PF1["prepare_request__joint_funded"].items()
               if k != "joint_funding_sought"}
    response = pf1.submit("prepare_request", answers)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"joint_funding_sought"}


@pytest.mark.parametrize(("sample", "paper"), [
    ("prepare_request", "search_form_ref"),  # a placement search: the Search form
    ("prepare_request__homeless", "approval_to_accommodate_ref"),
    ("prepare_request__supported_unregistered", "approval_to_accommodate_ref"),
    ("prepare_request__under_16_unregulated", "approval_to_place_ref"),
    ("prepare_request__under_16_unregulated", "unregulated_notification_ref"),
])
def test_each_kind_of_request_brings_its_paperwork(app, as_user, traveller, sample, paper):
    """Paperwork required from SW, per kind of request: without it the request is refused."""
    pf1 = Walk(app, as_user, "placement_forum_1", PF1_ROLES, PF1, "social_worker", traveller,
               subject=CHILD)
    answers = {k: v for k, v in PF1[sample].items() if k != paper}
    response = pf1.submit("prepare_request", answers)
    assert response.status_code == 422
    assert paper in response.json["errors"]


@pytest.mark.parametrize(("kind", "paper"), [
    ("admission_to_care", "approval_to_accommodate_ref"),
    ("placement_move", "approval_to_place_ref"),
    ("placement_match", "approval_to_place_ref"),
])
def test_admissions_moves_and_matches_bring_their_approval_form(app, as_user, traveller, kind,
                                                                paper):
    pf1 = Walk(app, as_user, "placement_forum_1", PF1_ROLES, PF1, "social_worker", traveller,
               subject=CHILD)
    answers = {k: v for k, v in PF1["prepare_request"].items()
               if k not in ("search_type", "search_form_ref")}
    response = pf1.submit("prepare_request", {**answers, "request_kind": kind})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {paper}


def test_practice_noted_at_part_1_is_raised_by_the_next_working_day(app, as_user, traveller):
    """Governance & Quality Assurance, for all forums: practice noted reaches the TM and SM
    (if required) the following day at the latest (issue 19, item 7). Friday's forum: due
    Monday."""
    pf1 = _request(app, as_user, traveller, "prepare_request")
    pf1.do("tm_review")
    pf1.do("allocate_slot", panel_meeting_date="2026-11-27")
    pf1.at("2026-11-27T08:01:00+00:00")
    pf1.do("record_decision", practice_to_raise="needs_improvement",
           practice_notes="The family network was not explored before the request.",
           practice_raise_with_service_manager=True)
    assert pf1.ready() == ["raise_practice"]
    assert pf1.task("raise_practice")["due_at"].startswith("2026-11-30T17:00")
    pf1.do("raise_practice", practice_raised_on="2026-11-30",
           practice_raised_with=["team_manager", "service_manager"],
           practice_raised_how="Email to both, copied to the social worker's supervisor.")
    assert pf1.instance()["status"] == "completed"


def test_a_request_sent_back_for_marp_goes_ahead_once_marp_agrees(app, as_user, traveller):
    pf1 = _request(app, as_user, traveller)
    pf1.do("tm_review", "tm_review__return")
    _marp_decides(app, as_user, traveller, "record_decision__approved")  # 8 December
    pf1.clients = pf1._sign_in(pf1.clients)  # the clock moved on: sign in afresh
    pf1.do("prepare_request", "prepare_request__joint_funded")
    assert pf1.data()["marp_agreed_on"] == "2026-12-08"
    pf1.do("tm_review")
    assert pf1.ready() == ["allocate_slot"]
