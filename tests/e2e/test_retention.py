"""Information governance in a real browser (issue 20, part 5): the administrator deletes a
closed case past its pathway's retention rule after selecting and confirming it, and makes a
subject access export. Every page is checked with axe (WCAG 2.2 AA)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import ProcessInstance
from app.services import retention
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.e2e


def _closed_years_ago(app, as_user, child_ref: str) -> str:
    """A MARP request withdrawn in 2018: past its 7 years."""
    started = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": child_ref, "name": "Eden Example"}})
    instance_id = started.json["id"]
    as_user("manager").post(f"/api/v1/process-instances/{instance_id}/terminate",
                            json={"reason": "Withdrawn"})
    with app.app_context():
        instance = db.session.get(ProcessInstance, instance_id)
        instance.completed_at = datetime(2018, 3, 1, tzinfo=UTC)
        db.session.commit()
        retention.mark_due()
    return instance_id


def test_the_administrator_deletes_a_due_case_and_exports_a_childs_records(
        app, as_user, new_page):
    _closed_years_ago(app, as_user, "C-E2E-RET")
    page = new_page()
    sign_in(page, "administrator")
    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Retention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Records due for deletion")
    expect(page.get_by_role("row", name=re.compile("C-E2E-RET"))).to_contain_text(
        "7 years after the case closed")
    assert_accessible(page, "the records due for deletion")
    page.get_by_role("button", name="Continue to delete the selected records").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Records due for deletion"))
    assert_accessible(page, "the records due for deletion with an error")
    page.get_by_label(re.compile("Delete the records of C-E2E-RET")).check()
    page.get_by_role("button", name="Continue to delete the selected records").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete the records of 1 case?")
    assert_accessible(page, "the deletion's confirmation")
    page.get_by_role("button", name="Delete these records").click()
    expect(page.get_by_role("alert")).to_contain_text("Deleted the records of 1 case")

    menu.get_by_role("link", name="Subject access").click()
    page.get_by_role("button", name="Find").click()  # nothing typed
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page, "the subject access page with an error")
    as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-E2E-SAR", "name": "Sky Example"}})
    page.get_by_label("Child's reference").fill("C-E2E-SAR")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="Held about C-E2E-SAR")).to_be_visible()
    assert_accessible(page, "the subject access page with a child found")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download everything held (ZIP)").click()
    assert download.value.suggested_filename == "subject-access-C-E2E-SAR.zip"
    assert not page.problems, page.problems
