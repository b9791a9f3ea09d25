"""The process owners' library, a version diff and the form editor's live preview, in a real
browser, checked with axe."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot, sign_in
from tests.helpers import deploy

pytestmark = pytest.mark.e2e
MARP = (Path(__file__).parents[2] / "processes" / "marp" / "marp.bpmn").read_text()


def test_a_process_owner_compares_two_versions(new_page, app):
    deploy(app, MARP.replace('name="Team manager review"', 'name="Team manager check"'))
    page = new_page()
    sign_in(page, "process_owner")
    page.get_by_role("link", name="Process library", exact=True).click()
    expect(page.get_by_role("heading", name="Process library")).to_be_visible()
    assert_accessible(page, "the process library")
    screenshot(page, "library.png")
    page.get_by_role("link", name="Multi-Agency Resource Panel (MARP)", exact=True).click()
    expect(page.get_by_role("heading", name="Multi-Agency Resource Panel (MARP)")).to_be_visible()
    assert_accessible(page, "a model's versions")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="What changed from version 1 to 2")).to_be_visible()
    expect(page.get_by_text("name: “Team manager review” → “Team manager check”")).to_be_visible()
    assert_accessible(page, "a diff of two versions")
    screenshot(page, "model-diff.png")
    assert not page.problems, page.problems


def test_the_form_editor_previews_as_you_type_and_saves_a_version(new_page):
    page = new_page()
    sign_in(page, "process_owner")
    page.goto("/forms")
    assert_accessible(page, "the list of forms")
    page.get_by_role("link", name="marp/tm-review.schema.json").click()
    preview = page.locator("#form-preview")
    expect(preview).to_contain_text("Comments for the social worker")
    editor = page.get_by_label("The form as JSON Schema")
    text = editor.input_value()
    title = re.search(r'"tm_comments":\s*\{[^}]*?"title":\s*"([^"]+)"', text).group(1)
    editor.fill(text.replace(title, "Your comments as team manager", 1))
    expect(preview).to_contain_text("Your comments as team manager")
    editor.fill(text[:-5])  # broken JSON: the preview says why and keeps the last good form
    expect(page.locator("#preview-status")).to_contain_text("not valid JSON")
    editor.fill(text.replace(title, "Your comments as team manager", 1))
    expect(page.locator("#preview-status")).to_be_empty()
    assert_accessible(page, "the form editor")
    screenshot(page, "form-editor.png")
    page.get_by_label("What changed and why (optional)").fill("plainer words")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("as version 1")).to_be_visible()
    expect(page.get_by_text("Version 1:")).to_contain_text("plainer words")
    assert not page.problems, page.problems
