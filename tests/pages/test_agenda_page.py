"""The agenda page as the panel reads it (issue 16, item 9): each child links to their case
(and its papers); the slot time the administrator entered is the one shown; dates in words;
modelling notes kept for administrators, not shown on the agenda. (The approved minutes on a
meeting's page: tests/test_minutes.py.)"""
from __future__ import annotations

from app.extensions import db
from app.models import Panel
from tests.pathways.test_marp import ROLES as MARP_ROLES
from tests.pathways.test_marp import SAMPLES as MARP_SAMPLES
from tests.pathways.walker import Walk


def _listed(app, as_user, traveller) -> Walk:
    walk = Walk(app, as_user, "marp", MARP_ROLES, MARP_SAMPLES, "social_worker", traveller)
    for step in ("prepare_request", "tm_review", "sm_approval"):
        walk.do(step)
    return walk


def test_the_agenda_shows_the_slot_given_links_each_child_and_reads_in_words(
        app, as_user, browser, traveller):
    walk = _listed(app, as_user, traveller)
    meeting_id = walk.instance()["listing"]["meeting_id"]
    walk.do("list_for_panel")  # the administrator gives the slot 10:15 (marp_samples.json)
    page = browser("panel_chair").get(f"/meetings/{meeting_id}").get_data(as_text=True)
    row = page[page.index("<tbody"):]
    assert "<td class=\"govuk-table__cell\" data-label=\"Slot\">10:15</td>" in row
    assert f'href="/cases/{walk.id}"' in row
    assert "1 December 2026 at 4:00pm" in page  # the papers' deadline, in words
    # The rule users read, without the modelling notes behind it.
    assert "Approved for submission by 4pm on the Tuesday one week before" in page
    assert "cannot both hold" not in page
    with app.app_context():
        assert "cannot both hold" in db.session.get(Panel, "marp").notes
    walk.at("2026-12-08T09:00:00+00:00")
    walk.do("record_decision", "record_decision__approved_with_conditions")
    decided = browser("panel_chair").get(f"/meetings/{meeting_id}").get_data(as_text=True)
    review = MARP_SAMPLES["record_decision__approved_with_conditions"]["review_date"]
    assert f"Return or review: {review}" not in decided  # an ISO date is not words
    assert "Return or review: " in decided


def test_minutes_are_not_shown_before_they_are_approved_nor_to_everyone(
        app, as_user, browser, traveller):
    walk = _listed(app, as_user, traveller)
    meeting_id = walk.instance()["listing"]["meeting_id"]
    for who in ("panel_chair", "social_worker"):
        page = browser(who).get(f"/meetings/{meeting_id}").get_data(as_text=True)
        assert "Approved minutes" not in page
