"""Placement Forum Part 2, Best Care and Value: who attends with the service manager, and a
social worker's or team manager's request to attend. The forum meets on Wednesdays at 9."""
from __future__ import annotations

import pytest

from tests.pathways.walker import Walk, samples

ANSWERS = samples("placement_forum_2")
ROLES = {"prepare_review": "service_manager", "record_decision": "panel_chair"}


@pytest.fixture
def case(app, as_user, traveller) -> Walk:
    return Walk(app, as_user, "placement_forum_2", ROLES, ANSWERS, "service_manager", traveller,
                subject={"child_ref": "C-5202", "name": "Robin Example"})


def test_a_social_worker_or_team_manager_may_request_to_attend(case):
    """Part 2, "Bookings/attendance": "SM with TM and Social worker to be invited to attend forum
    or a social worker/ team Manager may request to attend Oversight/Tracking Meeting on
    case-by-case basis": a request to attend is recorded with who asked."""
    requested = {**ANSWERS["prepare_review"], "attendance_basis": "requested"}
    response = case.submit("prepare_review", requested)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["attendance_requested_by"]
    instance = case.do("prepare_review", attendance_basis="requested",
                       attendance_requested_by="team_manager",
                       attending_with_service_manager=["team_manager"])
    assert instance["data"]["attendance_requested_by"] == "team_manager"
    assert case.data()["panel_meeting_date"] == "2026-11-25"  # listed as an invited case is


def test_the_service_manager_attends_with_the_social_worker_or_team_manager(case):
    """Part 2, "Who needs to attend": "SM with SW or TM (dependent on the experience of the
    SW)": the service manager does not come alone, and says who comes."""
    alone = {**ANSWERS["prepare_review"], "attending_with_service_manager": []}
    response = case.submit("prepare_review", alone)
    assert response.status_code == 422
    assert "attending_with_service_manager" in response.json["errors"]
    unsaid = {k: v for k, v in ANSWERS["prepare_review"].items()
              if k not in ("attendance_basis", "attending_with_service_manager")}
    response = case.submit("prepare_review", unsaid)
    assert response.status_code == 422
    assert {"attendance_basis", "attending_with_service_manager"} <= set(response.json["errors"])
