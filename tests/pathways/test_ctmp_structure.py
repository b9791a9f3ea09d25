"""CTMP structure (issue 19 item 5): commissioning told at once of an emergency external change,
a TPS2 begun directly checked against its funding end, extra costs only on a TPS2.

The clock starts on Monday 23 November 2026; CTMP meets on Friday mornings (27 November, ...).
"""
from __future__ import annotations

from app.models import Notification
from tests.pathways.test_ctmp import ANSWERS, ROLES
from tests.pathways.walker import Walk

CHILD = {"child_ref": "C-7102", "name": "Robin Example"}
ROLES = {**ROLES, "commissioning_told_now": "commissioning_officer"}


def _case(app, as_user, traveller, data: dict | None = None) -> Walk:
    return Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller,
                subject=CHILD, data=data)


def test_an_emergency_external_change_tells_commissioning_before_the_cdmf(
        app, as_user, traveller):
    """Seed, Emergency Placements: "Any emergency change of placement that involves an external
    placement to be immediately notified to [the commissioning officer] who will inform CTMP
    administrator for listing on the next panel." Told at the start, the commissioning officer
    has a task and a notice at once, before and independent of the social worker's CDMF; the
    CDMF then follows as before, without telling commissioning a second time."""
    case = _case(app, as_user, traveller, data={"emergency_external_change": True})
    assert case.ready() == ["commissioning_told_now", "prepare_cdmf"]
    told_task = case.task("commissioning_told_now")["id"]
    with app.app_context():
        notices = Notification.query.filter_by(instance_id=case.id, task_id=told_task).all()
        assert {n.username for n in notices} == {"commissioning_officer"}  # the new-work notice
    case.do("commissioning_told_now", "commissioning_notified")
    case.do("prepare_cdmf", "prepare_cdmf__emergency")
    assert case.ready() == ["sign_tm"]  # not told again after the CDMF


def test_an_ordinary_request_does_not_trouble_commissioning_at_the_start(app, as_user, traveller):
    """Seed, Emergency Placements: only an emergency external change is notified at once."""
    case = _case(app, as_user, traveller, data={"emergency_external_change": False})
    assert case.ready() == ["prepare_cdmf"]
    case.do("prepare_cdmf")
    assert case.ready() == ["sign_tm"]


def test_a_tps2_begun_directly_is_warned_if_heard_after_its_funding_ends(app, as_user, traveller):
    """Seed 1b, TPS2: "It is the duty of the Social Worker to ensure the TPS2 is completed and
    submitted ... in advance of an agreed funding period coming to an end." A TPS2 begun
    directly (not from the reminder) whose funding ends on Wednesday 2 December is heard on
    Friday 4 December at the earliest (after Thursday's cut-off): the team manager is warned."""
    case = _case(app, as_user, traveller)
    case.do("prepare_cdmf", "prepare_cdmf__tps2", funding_end="2026-12-02")
    case.at("2026-11-26T15:00:00+00:00")  # after Thursday's noon cut-off
    case.do("sign_tm")
    data = case.data()
    assert (data["panel_meeting_date"], data["tps2_round"]) == ("2026-12-04", 1)
    assert data["tps2_late"] is True
    assert case.ready() == ["tps2_late_warning"]


def test_a_tps2_begun_directly_in_good_time_goes_on_to_be_signed(app, as_user, traveller):
    """Seed 1b, TPS2: submitted in advance of the funding end, it is heard on the next panel."""
    case = _case(app, as_user, traveller)
    case.do("prepare_cdmf", "prepare_cdmf__tps2", funding_end="2027-01-15")
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-11-27"
    assert case.ready() == ["sign_sl"]


def test_a_tps2_carries_extra_costs_a_tps1_or_cdmf_cannot(app, as_user, traveller):
    """Seed 1b: "Any additional funding for such things as mileage etc. must not be agreed by
    the social worker ... these must always be presented to the panel and agreed on a TPS2."
    A TPS2 with additional costs is accepted; a TPS1 with the same costs is refused."""
    costs = "Mileage for school transport: 40 pounds a week."
    tps1 = _case(app, as_user, traveller)
    refused = tps1.submit("prepare_cdmf", {**ANSWERS["prepare_cdmf__commissioned"],
                                           "additional_costs": costs})
    assert refused.status_code == 422 and "additional_costs" in refused.json["errors"]
    tps2 = _case(app, as_user, traveller)
    done = tps2.do("prepare_cdmf", "prepare_cdmf__tps2", additional_costs=costs,
                   funding_end="2027-01-15")
    assert done["data"]["additional_costs"] == costs


def test_an_agency_search_is_the_fostering_teams_cdmf_signed_by_placement_services(
        app, as_user, traveller):
    """Seed 1b: "If an in-house placement is not available - a CDMF is completed by the
    Fostering Team and signed off by the Team Manager, and Service Leader (Placement Services)
    which authorises the search for an agency placement. This task must be carried out in
    conjunction with the Commissioning Team ... The CDMF may not be signed off by the Service
    leader in advance of panel, in which case should still be listed on the agenda for
    discussion." The social worker's TPS1 comes first; the fostering team's CDMF follows, with
    commissioning's agreement (a "No" sends it back), then the fostering team manager's
    signature; the Service Leader (Placements), not the locality service leader, signs, and
    the request is listed before they do."""
    case = _case(app, as_user, traveller)
    case.do("prepare_cdmf", "prepare_cdmf__commissioned")
    assert case.ready() == ["search_cdmf"]
    assert case.task("search_cdmf")["role"] == "fostering_team"
    refused = case.submit("search_cdmf", {**ANSWERS["search_cdmf"],
                                          "in_house_confirmed_unavailable": False})
    assert refused.status_code == 422
    assert "in_house_confirmed_unavailable" in refused.json["errors"]
    case.do("search_cdmf")
    case.do("commissioning_agree", "commissioning_agree__declined")
    assert case.ready() == ["search_cdmf"]  # back to the fostering team
    case.do("search_cdmf")
    case.do("commissioning_agree")
    assert case.data()["commissioning_agreed"] is True
    case.do("sign_ftm")
    assert case.ready() == ["sign_tm"]
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-11-27"  # listed before the SL signs
    assert case.ready() == ["sign_slp"]
    case.at("2026-11-27T08:31:00+00:00")
    assert case.ready() == ["record_decision", "sign_slp"]


def test_the_fostering_team_manager_returns_the_search_cdmf(app, as_user, traveller):
    """Seed 1b: the fostering team's CDMF is "signed off by the Team Manager": returned, it
    goes back to the fostering team."""
    case = _case(app, as_user, traveller)
    case.do("prepare_cdmf", "prepare_cdmf__commissioned")
    case.do("search_cdmf")
    case.do("commissioning_agree")
    case.do("sign_ftm", "sign_tm__returned")
    assert case.ready() == ["search_cdmf"]


def test_a_placement_request_keeps_the_social_workers_cdmf_and_locality_service_leader(
        app, as_user, traveller):
    """Seed 1a/1c: outside an agency search the social worker's CDMF is signed by their team
    manager and the service leader, as before."""
    case = _case(app, as_user, traveller)
    case.do("prepare_cdmf", "prepare_cdmf__service")
    assert case.ready() == ["sign_tm"]
    case.do("sign_tm")
    assert case.ready() == ["sign_sl"]
