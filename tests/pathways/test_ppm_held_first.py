"""PPM: the care or permanence planning meeting and the looked-after reviews come first.

Seed (Overview of Decision-Making Forums, Permanency Planning & Monitoring (PPM) Tracking),
"Other information": "This forum does not replace the need for or, or act as a
care/permanency planning meeting or a CLA reviews. These should take place before attendance
at Oversight/Tracking Meeting"; "Bookings/attendance": "SW & TM will be invited to attend
Permanence Tracking Meeting within two weeks of the second CLA Review meeting".

The clock starts on Monday 23 November 2026; PPM meets on alternate Thursdays from
3 December 2026.
"""
from __future__ import annotations

import pytest

from tests.pathways.agenda import listings
from tests.pathways.test_ppm import ANSWERS, ROLES
from tests.pathways.walker import Walk


@pytest.fixture
def walk(app, as_user, traveller) -> Walk:
    return Walk(app, as_user, "ppm", ROLES, ANSWERS, "panel_administrator", traveller,
                subject={"child_ref": "C-4002", "name": "Sam Example"})


def _listed(case: Walk) -> bool:
    return any(listings(case, "ppm", "2026-11-23", "2027-01-31").values())


def test_the_planning_meeting_must_be_recorded_before_the_child_is_listed(walk):
    """Seed, PPM "Other information": the care/permanency planning meeting "should take
    place before attendance": its date is part of what starts tracking, refused by name
    when left out."""
    answers = {k: v for k, v in ANSWERS["record_review"].items() if k != "planning_meeting_date"}
    response = walk.submit("record_review", answers)
    assert response.status_code == 422
    assert "planning_meeting_date" in response.json["errors"]
    assert walk.ready() == ["record_review"] and not _listed(walk)


@pytest.mark.parametrize("late", [
    {"planning_meeting_date": "2026-11-30"},  # the planning meeting is next week
    {"second_cla_review_date": "2026-11-26"},  # the second review is on Thursday
    {"first_cla_review_date": "2026-11-19"},  # "second" review no later than the first
])
def test_a_planning_meeting_or_review_still_to_come_does_not_list_the_child(walk, late):
    """Seed, PPM "Other information": the planning meeting and the CLA reviews "should take
    place before attendance at Oversight/Tracking Meeting", and "Bookings/attendance" counts
    from the second review held. Until both are recorded as held, the child is not listed
    and no invitation goes: the task comes back to the administrator."""
    walk.do("record_review", **late)
    assert walk.ready() == ["record_review"]
    assert "tracking_meeting_date" not in walk.data()
    assert not _listed(walk)
    walk.do("record_review")  # the dates as held
    assert walk.ready() == ["invite"]
    assert walk.data()["tracking_meeting_date"] == "2026-12-03"
    assert _listed(walk)
