"""The process owners' modeler in a real browser: rename a step and deploy it as a new version
that the next request follows, see a broken condition refused with its element highlighted,
and open every diagram of the MIWG reference suite drawn by other tools."""
from __future__ import annotations

import re

import pytest
from lxml import etree
from playwright.sync_api import expect

from app.services import deployment
from tests.conftest import ROOT
from tests.e2e.conftest import assert_accessible, screenshot, sign_in, sign_out, start_marp

pytestmark = pytest.mark.e2e

MIWG = ROOT / "tests" / "data" / "miwg"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
NEW_NAME = "Prepare the MARP request (renamed)"


def _open_marp(page) -> None:
    page.goto("/models/marp/edit")
    expect(page.get_by_role("heading", name=re.compile("^Edit Multi-Agency"))).to_be_visible()
    _wait_for_checks(page, 1)
    expect(page.locator(".djs-element[data-element-id='prepare_request']")).to_have_count(1)


def _wait_for_checks(page, count: int) -> None:
    """The page counts its server checks on #modeler; each import runs one."""
    expect(page.locator("#modeler")).to_have_attribute("data-checks", str(count))


def _versions(app) -> list[int]:
    with app.app_context():
        return [v.version for v in deployment.versions_of("marp")]


def test_a_process_owner_renames_a_step_and_the_next_request_follows_it(new_page, app):
    before = _versions(app)
    page = new_page()
    sign_in(page, "process_owner")
    _open_marp(page)
    expect(page.locator("#problems-none")).to_be_visible()
    deploy = page.get_by_role("button", name="Deploy as new version")
    expect(deploy).to_be_enabled()
    assert_accessible(page, "the modeler")

    page.locator(".djs-element[data-element-id='prepare_request']").click()
    expect(page.locator("#properties-element-heading")).to_have_text("User task: prepare_request")
    expect(page.get_by_label("Form file (JSON Schema)")).to_have_value(
        "marp/prepare-request.schema.json")
    expect(page.get_by_label("Due in working days")).to_have_value("10")
    assert_accessible(page, "the modeler with a user task's properties")
    page.get_by_label("Name", exact=True).fill(NEW_NAME)
    page.get_by_label("Name", exact=True).press("Tab")
    expect(page.locator(".djs-element[data-element-id='prepare_request']")).to_contain_text(
        "renamed")
    screenshot(page, "modeler.png")

    deploy.click()  # without a change note: refused in the page
    expect(page.locator("#change-note-error")).to_contain_text("Enter a change note")
    page.get_by_label("Change note").fill("Clearer name for the social worker's first step")
    deploy.click()
    banner = page.locator("#deployed-banner")
    expect(banner).to_contain_text(f"Version {before[-1] + 1} of Multi-Agency Resource Panel")
    expect(banner.get_by_role("link", name=f"Open version {before[-1] + 1}")).to_have_attribute(
        "href", f"/models/marp/edit?version={before[-1] + 1}")
    assert _versions(app) == [*before, before[-1] + 1]
    assert not page.problems, page.problems

    # The next request follows the new version: its first step has the new name.
    sign_out(page)
    sign_in(page, "social_worker")
    start_marp(page, "C-8801", "Remi Modeler")
    page.get_by_role("link", name="Inbox", exact=True).click()
    expect(page.get_by_role("link", name=NEW_NAME, exact=True)).to_be_visible()
    assert not page.problems, page.problems


def test_a_broken_condition_is_listed_selects_its_flow_and_blocks_deploy(new_page, app):
    before = _versions(app)
    page = new_page()
    sign_in(page, "process_owner")
    _open_marp(page)
    page.get_by_label("Element", exact=True).select_option("flow_tm_endorsed")
    condition = page.get_by_label("Condition expression")
    expect(condition).to_have_value('tm_review_outcome == "endorse"')
    condition.fill("approved ==")
    condition.press("Tab")
    page.get_by_role("button", name="Validate").click()
    _wait_for_checks(page, 2)

    summary = page.locator("#problems-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem with this diagram")
    problem = summary.get_by_role("link", name=re.compile(r"Endorsed .*approved =="))
    expect(problem).to_be_visible()
    expect(page.get_by_role("button", name="Deploy as new version")).to_be_disabled()
    flow = page.locator(".djs-element[data-element-id='flow_tm_endorsed']")
    expect(flow).to_have_class(re.compile(r"\bapp-problem\b"))

    page.get_by_label("Element", exact=True).select_option("")  # away from the flow
    problem.click()
    expect(flow).to_have_class(re.compile(r"\bselected\b"))
    expect(flow).to_have_class(re.compile(r"\bapp-problem-focus\b"))
    expect(page.locator("#properties-element-heading")).to_be_focused()
    expect(page.locator("#properties-element-heading")).to_have_text(
        "Sequence flow: flow_tm_endorsed")
    assert_accessible(page, "the modeler listing a problem")
    screenshot(page, "modeler-errors.png")

    # Fixed and checked again, it may be deployed.
    page.get_by_label("Condition expression").fill('tm_review_outcome == "endorse"')
    page.get_by_label("Condition expression").press("Tab")
    page.get_by_role("button", name="Validate").click()
    _wait_for_checks(page, 3)
    expect(page.locator("#problems-none")).to_be_visible()
    expect(page.get_by_role("button", name="Deploy as new version")).to_be_enabled()
    assert _versions(app) == before
    assert not page.problems, page.problems


def test_the_miwg_reference_diagrams_are_there():
    # They are copied into the repository (tests/data/miwg, CC BY 3.0); without them the test
    # below would quietly run no case at all.
    assert len(list(MIWG.glob("*.bpmn"))) == 21, f"the MIWG diagrams are missing from {MIWG}"


@pytest.mark.parametrize("path", sorted(MIWG.glob("*.bpmn")), ids=lambda p: p.name)
def test_every_miwg_diagram_opens_and_validation_explains_it(new_page, app, path):
    page = new_page()
    sign_in(page, "process_owner")
    page.goto("/models/new")
    _wait_for_checks(page, 1)
    page.get_by_label("Upload a .bpmn file").set_input_files(str(path))
    _wait_for_checks(page, 2)
    root = page.locator("#modeler")
    expect(root).to_have_attribute("data-imports", "2")
    expect(root).to_have_attribute("data-import-failed", "false")
    expect(page.locator(".djs-element").first).to_be_attached()

    with page.expect_response(re.compile(r"/models/validate$")) as answer:
        page.get_by_role("button", name="Validate").click()
    _wait_for_checks(page, 3)
    result = answer.value.json()
    with app.app_context():
        engine_problems = deployment.validate_xml(path.read_text())
    # Opening and saving in the modeler changes nothing the engine judges by.
    assert result["valid"] == (not engine_problems), (result, engine_problems)
    listed = page.locator("#modeler-problems")
    for problem in result["errors"]:
        expect(listed).to_contain_text(problem["message"][:120])
    if not result["valid"]:
        expect(page.get_by_role("button", name="Deploy as new version")).to_be_disabled()
    for element_id in {p["element_id"] for p in result["errors"] if p["element_id"]}:
        # A problem whose element is drawn links to it (a global one, such as a data store
        # nothing refers to, has no shape and is listed as text).
        if page.locator(f".djs-shape[data-element-id='{element_id}']").count():
            expect(listed.locator(f"a[data-element-id='{element_id}']").first).to_be_visible()
    assert not page.problems, page.problems


def test_the_properties_panel_edits_what_the_engine_reads_and_download_keeps_it(new_page,
                                                                                tmp_path):
    page = new_page()
    sign_in(page, "process_owner")
    _open_marp(page)
    element = page.get_by_label("Element", exact=True)

    def change(label: str, value: str) -> None:
        field = page.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Tab")

    element.select_option("tm_review")
    expect(page.locator("#prop-role")).to_contain_text("team_manager")
    page.get_by_label("Form file (JSON Schema)").select_option("marp/sm-approval.schema.json")
    page.get_by_label("UI schema file (optional)").select_option("")
    change("Due in working days", "three")
    expect(page.locator("#prop-dueInWorkingDays-error")).to_contain_text("whole number")
    change("Due in working days", "4")
    expect(page.locator("#prop-dueInWorkingDays-error")).to_be_hidden()
    change("Due date rule in words", "Four working days: local rule")
    change("Instructions", "Check the request.")
    element.select_option("wait_for_review_date")
    page.get_by_label("Kind of timer").select_option("timeDuration")
    change("Timer expression", '"P2D"')
    element.select_option("choose_meeting")
    change("Script (Python)", 'listing_rule = "next meeting"')
    element.select_option("lane_team_manager")
    change("Role (the lane’s name)", "Practice Manager")
    expect(page.locator("#prop-name-hint")).to_contain_text("practice_manager")
    element.select_option("")
    expect(page.get_by_label("Process id")).to_have_value("marp")
    assert_accessible(page, "the modeler showing the process")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download XML").click()
    assert download.value.suggested_filename == "marp.bpmn"
    saved = tmp_path / "marp.bpmn"
    download.value.save_as(saved)
    tree = etree.parse(str(saved))

    def one(path: str) -> etree._Element:
        [found] = tree.xpath(path, namespaces=NS)
        return found

    task = "//bpmn:userTask[@id='tm_review']"
    props = {p.get("name"): p.get("value") for p in tree.xpath(
        f"{task}/bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
        namespaces=NS)}
    assert props == {"formJsonSchemaFilename": "marp/sm-approval.schema.json",
                     "separateFrom": "initiator",
                     "dueInWorkingDays": "4", "dueRule": "Four working days: local rule"}
    assert one(f"{task}//spiffworkflow:instructionsForEndUser").text == "Check the request."
    timer = one("//bpmn:intermediateCatchEvent[@id='wait_for_review_date']"
                "/bpmn:timerEventDefinition")
    assert [child.text for child in timer] == ['"P2D"']
    assert etree.QName(timer[0]).localname == "timeDuration"
    assert one("//bpmn:scriptTask[@id='choose_meeting']/bpmn:script").text == (
        'listing_rule = "next meeting"')
    assert one("//bpmn:lane[@id='lane_team_manager']").get("name") == "Practice Manager"
    # Everything else of the spiffworkflow namespace came through the round trip untouched
    # (one property fewer, the UI schema, and one more, the rule in words).
    original = etree.parse(str(ROOT / "processes" / "marp" / "marp.bpmn"))
    for count in ("count(//spiffworkflow:property)",
                  "count(//spiffworkflow:instructionsForEndUser)"):
        assert tree.xpath(count, namespaces=NS) == original.xpath(count, namespaces=NS), count
    other = "//bpmn:userTask[@id='record_decision']//spiffworkflow:property[@name='{}']/@value"
    assert tree.xpath(other.format("decisionOutcome"), namespaces=NS) == ["panel_decision"]
    assert not page.problems, page.problems


def test_a_file_that_is_not_bpmn_is_refused_and_deploy_stays_off(new_page, tmp_path):
    page = new_page()
    sign_in(page, "process_owner")
    page.goto("/models/new")
    _wait_for_checks(page, 1)
    expect(page.get_by_role("heading", name="New process model")).to_be_visible()
    expect(page.locator(".djs-element[data-element-id='start']")).to_have_count(1)
    assert_accessible(page, "the modeler with a new diagram")
    junk = tmp_path / "notes.bpmn"
    junk.write_text("these are my notes, not a diagram")
    page.get_by_label("Upload a .bpmn file").set_input_files(str(junk))
    _wait_for_checks(page, 2)
    expect(page.locator("#modeler")).to_have_attribute("data-import-failed", "true")
    expect(page.locator("#problems-summary")).to_contain_text("notes.bpmn could not be opened")
    expect(page.get_by_role("button", name="Deploy as new version")).to_be_disabled()
    assert not page.problems, page.problems
