"""CTMP 1a's own cut-off (issue 19, dates of panels). The seed says a 1a CDMF is "submitted to
CTMP administrator ... by: THURSDAY MORNING (before the Friday panel)", while other CTMP papers
(MTFC, agency searches) are due "THURSDAY (before the Friday panel) - 12.00". The panel's
cut-off is Thursday 12 noon; the 1a request type has its own, Thursday 09:00 (the hour of
"morning" is an assumption, and editable). November is GMT, so London time is UTC here.
"""
from __future__ import annotations

import pytest

from tests.pathways.test_ctmp import AGENCY_SEARCH, ANSWERS, ROLES
from tests.pathways.walker import Walk


@pytest.fixture
def walk(app, as_user, traveller):
    def start(cdmf: str = "prepare_cdmf") -> Walk:
        case = Walk(app, as_user, "ctmp", ROLES, ANSWERS, "social_worker", traveller,
                    subject={"child_ref": "C-7102", "name": "Drew Example"})
        case.do("prepare_cdmf", cdmf)
        return case
    return start


def test_a_1a_request_ready_on_thursday_at_ten_misses_that_friday(walk):
    """Seed 1a: "THURSDAY MORNING (before the Friday panel)": a 1a CDMF signed off at 10:00
    on Thursday 26 November is too late for 27 November, although the panel's noon cut-off
    has not passed, and waits for the next alternate Friday that hears 1a, 11 December."""
    case = walk()
    case.at("2026-11-26T10:00:00+00:00")
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-12-11"


def test_a_1a_request_ready_on_thursday_at_half_past_eight_makes_that_friday(walk):
    """Seed 1a: "THURSDAY MORNING (before the Friday panel)": in by 08:30 on Thursday, the
    CDMF is heard at the Friday panel next day, 27 November."""
    case = walk()
    case.at("2026-11-26T08:30:00+00:00")
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-11-27"


def test_other_request_types_keep_the_panels_thursday_noon(walk):
    """Seed (MTFC and 1b): "THURSDAY (before the Friday panel) - 12.00": an agency search's
    TPS1 signed off at 10:00 on Thursday still goes to the next day's panel; at 12:30 it goes
    to the Friday after."""
    on_time, late = walk("prepare_cdmf__commissioned"), walk("prepare_cdmf__commissioned")
    for case, moment in ((on_time, "2026-11-26T10:00:00+00:00"),
                         (late, "2026-11-26T12:30:00+00:00")):
        case.at(moment)
        for step in AGENCY_SEARCH:
            case.do(step)
        case.do("sign_tm")
    assert on_time.data()["panel_meeting_date"] == "2026-11-27"
    assert late.data()["panel_meeting_date"] == "2026-12-04"



def test_the_panel_administrator_reads_and_changes_the_1a_cut_off_through_the_api(walk, as_user):
    """Seed 1a: "THURSDAY MORNING (before the Friday panel)": the API gives 1a's own cut-off
    beside its cadence (fields added, the cadences as they were), an administrator changes it
    without losing the cadence, and a 1a ready at 10:00 on Thursday then makes Friday."""
    admin = as_user("panel_administrator")
    [ctmp] = [p for p in admin.get("/api/v1/panels").json if p["key"] == "ctmp"]
    assert ctmp["request_cutoffs"] == [{"request_type": "placement_request",
                                        "cutoff_time": "09:00",
                                        "cutoff_rule": "Thursday morning before the Friday panel"}]
    assert ctmp["request_cadences"] == [
        {"request_type": "placement_request", "every_weeks": 2, "anchor": "2026-11-27"}]
    assert as_user("social_worker").patch("/api/v1/panels/ctmp", json={
        "request_cutoffs": []}).status_code == 403
    wrong = admin.patch("/api/v1/panels/ctmp", json={"request_cutoffs": [
        {"request_type": "placement_request", "cutoff_time": "morning", "cutoff_rule": "x"}]})
    assert wrong.status_code == 422
    assert "cutoff_time" in str(wrong.json["errors"])
    changed = admin.patch("/api/v1/panels/ctmp", json={"request_cutoffs": [
        {"request_type": "placement_request", "cutoff_time": "10:30",
         "cutoff_rule": "Thursday 10.30 before the Friday panel"}]})
    assert changed.status_code == 200, changed.json
    assert changed.json["request_cutoffs"][0]["cutoff_time"] == "10:30"
    assert changed.json["request_cadences"] == ctmp["request_cadences"]  # kept
    again = admin.patch("/api/v1/panels/ctmp", json={"request_cadences": [
        {"request_type": "placement_request", "every_weeks": 2, "anchor": "2026-11-27"}]})
    assert again.json["request_cutoffs"][0]["cutoff_time"] == "10:30"  # a cadence keeps it
    case = walk()
    case.at("2026-11-26T10:00:00+00:00")
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-11-27"


def test_a_type_left_out_of_the_api_list_has_the_panels_noon_again(walk, as_user):
    """Seed (CTMP): "THURSDAY (before the Friday panel) - 12.00" is the panel's cut-off: with
    1a's own taken away, a 1a ready at 10:00 on Thursday makes Friday, the cadence kept."""
    admin = as_user("panel_administrator")
    cleared = admin.patch("/api/v1/panels/ctmp", json={"request_cutoffs": []})
    assert cleared.status_code == 200 and cleared.json["request_cutoffs"] == []
    assert cleared.json["request_cadences"][0]["every_weeks"] == 2
    case = walk()
    case.at("2026-11-26T10:00:00+00:00")
    case.do("sign_tm")
    assert case.data()["panel_meeting_date"] == "2026-11-27"
