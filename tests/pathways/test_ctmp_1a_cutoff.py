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

