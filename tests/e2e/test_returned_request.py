"""A MARP request returned by the team manager and resubmitted: the second review is new."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import HumanTask, TaskStatus
from tests.e2e.conftest import SAMPLES, sign_in, sign_out, start_marp
from tests.e2e.test_inbox_journey import choose, fill_answers

pytestmark = pytest.mark.e2e

CHILD_REF, CHILD = "C-4343", "Robin Example"
RETURN_COMMENT = "Please add the outcome of the family group conference."


def _ready(app, name: str) -> str:
    with app.app_context():
        task = db.session.scalar(db.select(HumanTask).where(
            HumanTask.name == name, HumanTask.status == TaskStatus.READY))
        return task.id


def _claim_review(page) -> None:
    page.get_by_role("link", name=re.compile(r"^Available to my team or role")).click()
    row = page.locator("tbody tr").filter(has_text=CHILD)
    row.get_by_role("button", name=f"Claim “Team manager review” for {CHILD}").click()
    page.wait_for_url(re.compile(r"/tasks/\w+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Team manager review")


def test_a_returned_and_resubmitted_request_gets_a_fresh_review(app, new_page):
    page = new_page()
    sign_in(page, "social_worker")
    start_marp(page, CHILD_REF, CHILD)
    fill_answers(page, SAMPLES["prepare_request"])
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    sign_out(page)

    sign_in(page, "team_manager")
    _claim_review(page)
    choose(page, 'input[name="tm_review_outcome"][value="return"]')
    page.locator('[name="tm_comments"]').fill(RETURN_COMMENT)
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    sign_out(page)

    # The social worker's returned request stands out in their inbox, and opens with who
    # returned it and why, and with what they wrote, to amend.
    sign_in(page, "social_worker")
    row = page.locator("tbody tr").filter(has_text=CHILD)
    expect(row.get_by_text("Returned", exact=True)).to_be_visible()
    page.goto(f"/tasks/{_ready(app, 'prepare_request')}?view=all")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prepare MARP request")
    expect(page.get_by_role("region", name="Returned to you")).to_contain_text(RETURN_COMMENT)
    expect(page.get_by_label("Summary of the child's needs")).to_have_value(
        SAMPLES["prepare_request"]["needs_summary"])
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    sign_out(page)

    # The new review goes back to the team manager who returned it, and opens with no
    # choice made and no comment.
    sign_in(page, "team_manager")
    page.goto(f"/tasks/{_ready(app, 'tm_review')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team manager review")
    outcome = page.locator('input[name="tm_review_outcome"]')
    expect(outcome).to_have_count(2)
    for i in range(2):
        expect(outcome.nth(i)).not_to_be_checked()
    expect(page.locator('[name="tm_comments"]')).to_have_value("")
    # The last round is still there to read, in the case's history.
    expect(page.get_by_text(RETURN_COMMENT).first).to_be_attached()

    choose(page, 'input[name="tm_review_outcome"][value="endorse"]')
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    with app.app_context():
        [first, second] = db.session.scalars(db.select(HumanTask).where(
            HumanTask.name == "tm_review").order_by(HumanTask.completed_at)).all()
        assert first.submitted_data["tm_comments"] == RETURN_COMMENT
        assert second.submitted_data == {"tm_review_outcome": "endorse"}
        assert "tm_comments" not in second.instance.data
    assert not page.problems, page.problems
