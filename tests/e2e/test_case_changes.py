"""In a real browser: a process owner moves the demo's running MARP cases to a new version
from the process library; a manager sends a case back, skips a step and corrects an answer
from the case page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.demo import seed_cases
from app.extensions import db
from tests.e2e.conftest import SAMPLES, assert_accessible, screenshot, sign_in
from tests.e2e.test_panels import _listed_marp_case
from tests.test_authorization_matrix import MARP_XML

pytestmark = pytest.mark.e2e


def test_a_process_owner_moves_the_demo_marp_cases_to_a_new_version(app, new_page, as_user):
    with app.app_context():
        demo = seed_cases()
        db.session.commit()
    listed = _listed_marp_case(as_user)
    owner = as_user("process_owner")
    deployed = owner.post_raw("/api/v1/process-models/marp/versions",
                              MARP_XML.replace("Multi-Agency Resource Panel (MARP)",
                                               "Multi-Agency Resource Panel (MARP), revised"))
    assert deployed.status_code == 201, deployed.json
    new = deployed.json["version"]
    manager = as_user("manager")
    marp_cases = [i for i in demo if manager.get(f"/api/v1/process-instances/{i}"
                                                 ).json["process_model"] == "marp"] + [listed]
    old = manager.get(f"/api/v1/process-instances/{listed}").json

    page = new_page()
    sign_in(page, "process_owner")
    page.goto("/models/marp")
    page.get_by_role("link", name="Move running cases to another version").click()
    expect(page.get_by_role("heading", name=re.compile(
        rf"to version {new}: {len(marp_cases)} of {len(marp_cases)} open cases can move"))
           ).to_be_visible()
    expect(page.locator("#migration-diagram[data-ready='true']")).to_be_visible()
    expect(page.locator(".app-current[data-element-id='prepare_request']")).to_have_count(1)
    assert_accessible(page, "the dry run of moving cases")
    screenshot(page, "migration.png")
    page.get_by_role("button", name=re.compile(r"^Move all \d+ that can move")).click()
    expect(page.get_by_role("heading", name=re.compile(
        rf"Move {len(marp_cases)} cases from version 1 to version {new}\?"))).to_be_visible()
    page.get_by_role("button", name="Move the cases").click()
    expect(page.get_by_role("heading", name=f"{len(marp_cases)} cases moved to version {new}")
           ).to_be_visible()
    assert_accessible(page, "the summary of a move")
    assert not page.problems, page.problems

    for instance_id in marp_cases:
        moved = manager.get(f"/api/v1/process-instances/{instance_id}").json
        assert moved["version"] == new
    after = manager.get(f"/api/v1/process-instances/{listed}").json
    assert after["listing"] == old["listing"] and after["listing"] is not None
    assert [t["id"] for t in after["tasks"] if t["status"] == "ready"] == [
        t["id"] for t in old["tasks"] if t["status"] == "ready"]


def test_a_manager_corrects_sends_back_and_skips_from_the_case_page(new_page, as_user):
    clients = {r: as_user(r) for r in ("social_worker", "team_manager")}
    case = clients["social_worker"].post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-7101", "name": "Sam Repair"}}).json
    for task, role in (("prepare_request", "social_worker"), ("tm_review", "team_manager")):
        current = clients[role].get(f"/api/v1/process-instances/{case['id']}").json
        [ready] = [t for t in current["tasks"] if t["name"] == task and t["status"] == "ready"]
        clients[role].post(f"/api/v1/tasks/{ready['id']}/complete", json={"data": SAMPLES[task]})

    done = clients["team_manager"].get(f"/api/v1/process-instances/{case['id']}").json
    [review] = [t for t in done["tasks"] if t["name"] == "tm_review"]
    page = new_page()
    sign_in(page, "manager")
    page.goto(f"/cases/{case['id']}")
    expect(page.get_by_role("heading", name="Repair this case")).to_be_visible()
    assert_accessible(page, "a case's page with its repair forms")

    # Correct the team manager's comment
    page.get_by_label("Answer", exact=True).select_option(f"{review['id']}:tm_comments")
    page.get_by_label("Corrected answer").fill("Endorsed; the chronology is up to date.")
    page.get_by_label("Why correct it?").fill("Comment written on the wrong case")
    page.get_by_role("button", name="Correct the answer").click()
    expect(page.get_by_role("heading", name="Correct this answer?")).to_be_visible()
    assert_accessible(page, "the confirmation of a correction")
    page.get_by_role("button", name="Correct the answer").click()
    expect(page.get_by_text("The old answer is kept in the history")).to_be_visible()

    # Send it back to the request: the endorsement and the approval step are withdrawn
    page.locator("#send-back-step").select_option("prepare_request")
    page.get_by_label("Why send it back?").fill("Endorsed in error")
    page.get_by_role("button", name="Send back").click()
    expect(page.get_by_role("heading", name="Send the case back to an earlier step?")
           ).to_be_visible()
    page.get_by_role("button", name="Send it back").click()
    expect(page.get_by_text("The case is back at “Prepare MARP request”")).to_be_visible()

    # Skip the request step: the case moves on to the team manager
    page.get_by_label("Why can it not be done?").fill("Request received on paper")
    page.get_by_role("button", name="Skip the step").click()
    page.get_by_role("button", name="Skip the step").click()
    expect(page.get_by_text("“Prepare MARP request” was skipped")).to_be_visible()
    expect(page.get_by_role("heading", name="Team manager review", exact=True)).to_be_visible()
    history = page.locator("ol.govuk-list").last
    expect(history).to_contain_text("corrected")
    expect(history).to_contain_text("sent the case back to")
    expect(history).to_contain_text("Request received on paper")
    assert not page.problems, page.problems
