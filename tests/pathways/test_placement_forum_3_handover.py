"""Part 1 to Part 3 hand-over: the Unregulated Placement Notification's reference goes with
the child, so the team manager does not type it again.

Seed, Overview of Decision-Making Forums, Placement Forum Part 1, "Paperwork required from SW":
"2. Unregulated Placement Notification (if required) *Please note any out of authority or
unregulated and unregistered placement notification may be agreed at this forum but will then
be tracked in the Placement Forum Part 3"; Part 3, "Paperwork needed": the Unregulated
Notification Form. Before, Part 1 began Part 3 with the place's details but not the
notification's reference, which Part 3's first step then asked for again.
"""
from __future__ import annotations

import pytest

from tests.pathways.test_placement_forum_1 import ANSWERS, ROLES, _to_forum, _tracking
from tests.pathways.walker import Walk

PART_3_ROLES = {"record_placement": "team_manager", "notify_ofsted": "panel_administrator"}


@pytest.fixture
def agreed(app, as_user, traveller):
    def agree(request: str, **overrides) -> tuple[Walk, Walk]:
        """Part 1 agrees the place; the Part 3 tracking it began, driven as its team manager."""
        part_1 = Walk(app, as_user, "placement_forum_1", ROLES, ANSWERS, "social_worker",
                      traveller, subject={"child_ref": "C-5131", "name": "Rowan Example"})
        part_1.do("prepare_request", request, **overrides)
        _to_forum(part_1)
        part_1.do("record_decision")
        if "director_decision" in part_1.ready():
            part_1.do("director_decision")
        [tracked] = _tracking(part_1)
        part_3 = part_1.follow(tracked["id"], PART_3_ROLES,
                               {"record_placement": {"provider": "Example Provider Ltd"}},
                               "team_manager")
        return part_1, part_3
    return agree


def _opened(part_3: Walk) -> dict:
    """The answers Part 3's first step opens with."""
    task = part_3.task("record_placement")
    return part_3.clients["team_manager"].get(f"/api/v1/tasks/{task['id']}").json["data"]


def test_the_notification_reference_typed_at_part_1_is_known_at_part_3(agreed):
    """An unregulated place agreed at Part 1 (the Director agreeing it for an under-16) is
    tracked at Part 3 with the notification Part 1 was given: Part 3 opens with it, and its
    first step completes without it being typed again."""
    part_1, part_3 = agreed("prepare_request__under_16_unregulated")
    typed = part_1.data()["unregulated_notification_ref"]
    assert part_3.data()["unregulated_notification_ref"] == typed
    opened = _opened(part_3)
    assert opened["unregulated_notification_ref"] == typed
    # The team manager checks what was handed over and adds only what Part 1 did not know.
    part_3.do("record_placement", **{k: v for k, v in opened.items()
                                     if k in ("placement_location", "registration_status",
                                              "placement_setting", "child_age",
                                              "placement_start_date", "placement_weekly_cost",
                                              "unregulated_notification_ref")})
    assert part_3.data()["unregulated_notification_ref"] == typed


def test_unregistered_supported_accommodation_brings_its_notification_from_part_1(agreed):
    """A 16-17-year-old's supported accommodation not registered with Ofsted is tracked at
    Part 3 as unregistered, which needs the Unregulated Notification Form: Part 1 asks for it
    ("if required") and hands it over."""
    part_1, part_3 = agreed("prepare_request__supported_unregistered")
    assert part_3.data()["registration_status"] == "unregistered"
    assert _opened(part_3)["unregulated_notification_ref"] == \
        ANSWERS["prepare_request__supported_unregistered"]["unregulated_notification_ref"]


def test_part_1_asks_for_the_notification_when_the_place_will_be_unregistered(app, as_user,
                                                                              traveller):
    """"Unregulated Placement Notification (if required)": it is required when the place is
    tracked at Part 3 as unregulated or unregistered, unregistered supported accommodation
    included; a registered one does not need it."""
    case = Walk(app, as_user, "placement_forum_1", ROLES, ANSWERS, "social_worker", traveller)
    answers = {k: v for k, v in ANSWERS["prepare_request__supported_unregistered"].items()
               if k != "unregulated_notification_ref"}
    response = case.submit("prepare_request", answers)
    assert response.status_code == 422
    assert "unregulated_notification_ref" in response.json["errors"]
    registered = {**answers, "supported_accommodation_ofsted_registered": True}
    assert case.submit("prepare_request", registered).status_code == 200
