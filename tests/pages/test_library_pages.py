"""The process owners' library: models and versions with the cases on each, the difference
between two versions, the form editor (saving versions, refusing what is not a form, the
preview drawn by the inbox's renderer) and `flask export-models`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.extensions import db
from app.models import ProcessInstance
from app.services import deployment, forms
from tests.helpers import deploy

ROOT = Path(__file__).parents[2]
MARP = (ROOT / "processes" / "marp" / "marp.bpmn").read_text()


@pytest.fixture
def owner(browser):
    return browser("process_owner")


def _second_marp(app) -> None:
    deploy(app, MARP.replace('name="Team manager review"', 'name="Team manager check"')
           .replace('panel_meeting_date + "T00:00:00+00:00"',
                    'panel_meeting_date + "T08:00:00+00:00"'))


def test_the_library_lists_models_versions_and_cases_on_each(app, owner, as_user, browser):
    as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-1"}})
    _second_marp(app)
    page = owner.get("/models").get_data(as_text=True)
    assert "Multi-Agency Resource Panel (MARP)" in page and "2 of 2" in page
    detail = owner.get("/models/marp").get_data(as_text=True)
    rows = detail.split("<tbody")[1].split("</tr>")
    # Newest first: version 2 has no cases yet, version 1 has the one that is running.
    assert ">2</td>" in rows[0] and rows[0].count(">0</td>") == 2
    assert ">1</td>" in rows[1] and rows[1].count(">1</td>") == 3
    download = owner.get("/models/marp/versions/1.bpmn")
    assert download.headers["Content-Disposition"].endswith('marp-v1.bpmn"')
    assert download.get_data(as_text=True) == MARP
    assert owner.get("/models/marp/versions/9.bpmn").status_code == 404
    assert owner.get("/models/nope").status_code == 404
    assert browser("manager").get("/models").status_code == 403


def test_the_diff_names_each_changed_element(app, owner):
    _second_marp(app)
    page = owner.get("/models/marp/diff?from=1&to=2").get_data(as_text=True)
    assert "2 elements changed" in page
    assert "name: “Team manager review” → “Team manager check”" in page
    assert "T08:00:00+00:00" in page and "tm_review" in page
    same = owner.get("/models/marp/diff?from=2&to=2").get_data(as_text=True)
    assert "No element changed" in same
    assert owner.get("/models/marp/diff?from=x&to=2", follow_redirects=True).status_code == 200


def test_a_saved_form_is_a_new_version_used_at_once(app, owner):
    path = "marp/tm-review.schema.json"
    page = owner.get(f"/forms/{path}").get_data(as_text=True)
    assert "The form as JSON Schema" in page and "tm_comments" in page
    schema = json.loads((ROOT / "forms" / path).read_text())
    schema["properties"]["tm_comments"]["title"] = "Your comments, team manager"
    saved = owner.post("/forms", {"path": path, "content": json.dumps(schema),
                                  "change_note": "plainer words"}, follow=True)
    page = saved.get_data(as_text=True)
    assert "Saved marp/tm-review.schema.json as version 1" in page
    assert "plainer words" in page
    with app.app_context():
        assert forms.load_form(path)["properties"]["tm_comments"]["title"] == \
            "Your comments, team manager"
        db.session.remove()
    listing = owner.get("/forms").get_data(as_text=True)
    assert "Version 1, saved" in listing


def test_what_is_not_a_form_is_refused_and_kept(owner):
    broken = owner.post("/forms", {"path": "marp/tm-review.schema.json",
                                   "content": '{"type": "object", "properties": {'})
    assert broken.status_code == 422
    page = broken.get_data(as_text=True)
    assert "This is not valid JSON" in page and '{"type": "object", "properties": {' in \
        page.replace("&#34;", '"').replace("&quot;", '"')
    wrong = owner.post("/forms", {"path": "marp/x.schema.json",
                                  "content": '{"type": "object", "required": "yes"}',
                                  "is_new": "1"})
    assert wrong.status_code == 422 and "not a valid JSON Schema" in wrong.get_data(as_text=True)
    bad_path = owner.post("/forms", {"path": "../etc/passwd", "content": "{}", "is_new": "1"})
    assert bad_path.status_code == 422 and "lower-case letters" in bad_path.get_data(as_text=True)
    taken = owner.post("/forms", {"path": "marp/tm-review.schema.json", "content": "{}",
                                  "is_new": "1"})
    assert taken.status_code == 422 and "exists already" in taken.get_data(as_text=True)


def test_the_preview_is_the_inbox_renderer(owner):
    schema = {"type": "object", "required": ["reason"], "properties": {
        "reason": {"type": "string", "title": "Why is this needed?"},
        "urgent": {"type": "boolean", "title": "Is it urgent?"}}}
    shown = owner.post("/forms/preview", {"path": "x/new.schema.json",
                                          "content": json.dumps(schema)})
    assert shown.status_code == 200
    html = shown.get_json()["html"]
    assert 'for="field-reason"' in html or "Why is this needed?" in html
    assert "govuk-radios" in html or "govuk-checkboxes" in html
    refused = owner.post("/forms/preview", {"path": "x/new.schema.json", "content": "[1]"})
    assert refused.status_code == 422
    assert "JSON object" in refused.get_json()["errors"]["content"][0]


def test_a_deploy_checks_forms_saved_in_the_browser(app, owner, as_user):
    """A diagram may name a form that exists only as a version saved in the browser."""
    xml = MARP.replace("marp/list-for-panel.schema.json", "extra/minutes.schema.json")
    api = as_user("process_owner")

    def deploy_it():
        return api.client.post("/api/v1/process-models/marp/versions", data=xml,
                               headers={**api.headers, "Content-Type": "application/xml"})

    refused = deploy_it()
    assert refused.status_code == 422
    assert "'extra/minutes.schema.json' does not exist" in json.dumps(refused.get_json())
    schema = (ROOT / "forms" / "marp" / "list-for-panel.schema.json").read_text()
    assert owner.post("/forms", {"path": "extra/minutes.schema.json", "content": schema,
                                 "is_new": "1"}).status_code == 302
    assert deploy_it().status_code == 201


def test_export_models_writes_what_changed_back_to_the_folders(app, owner, tmp_path):
    _second_marp(app)
    owner.post("/forms", {"path": "extra/note.schema.json", "is_new": "1", "content": json.dumps(
        {"type": "object", "properties": {"note": {"type": "string", "title": "Note"}}})})
    processes = tmp_path / "processes"
    (processes / "marp").mkdir(parents=True)
    (processes / "marp" / "marp.bpmn").write_text(MARP)
    result = app.test_cli_runner().invoke(args=[
        "export-models", "--processes", str(processes), "--forms", str(tmp_path / "forms")])
    assert result.exit_code == 0, result.output
    assert "Team manager check" in (processes / "marp" / "marp.bpmn").read_text()
    assert (processes / "pct" / "pct.bpmn").is_file()  # a model with no file gets a folder
    assert json.loads((tmp_path / "forms" / "extra" / "note.schema.json").read_text())[
        "properties"]["note"]["title"] == "Note"
    again = app.test_cli_runner().invoke(args=[
        "export-models", "--processes", str(processes), "--forms", str(tmp_path / "forms")])
    assert "0 file(s) written" in again.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)) == 0
        db.session.remove()


def test_a_form_change_that_would_break_a_deployed_diagram_is_refused(app, owner):
    path = "marp/record-decision.schema.json"
    schema = json.loads((ROOT / "forms" / path).read_text())
    decision_field = "panel_decision"  # MARP's diagram names it as the decision's outcome
    del schema["properties"][decision_field]
    schema["required"] = [r for r in schema.get("required", []) if r != decision_field]
    refused = owner.post("/forms", {"path": path, "content": json.dumps(schema)})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "would break a deployed diagram" in page and decision_field in page
    with app.app_context():
        assert decision_field in forms.load_form(path)["properties"]  # nothing was saved
        db.session.remove()


def test_running_cases_keep_their_forms_and_the_next_deploy_brings_the_new_one(
        app, owner, as_user):
    path = "marp/prepare-request.schema.json"
    schema = json.loads((ROOT / "forms" / path).read_text())
    first_field = next(iter(schema["properties"]))
    old_title = schema["properties"][first_field]["title"]
    schema["properties"][first_field]["title"] = "A new question title"
    sw = as_user("social_worker")

    def title_seen() -> str:
        case = sw.post("/api/v1/process-instances", json={
            "process_model": "marp", "subject": {"child_ref": "C-F"}}).json
        task = sw.get(f"/api/v1/tasks/{case['tasks'][0]['id']}").json
        return case["tasks"][0]["id"], task["form"]["schema"]["properties"][first_field]["title"]

    before_id, before = title_seen()
    saved = owner.post("/forms", {"path": path, "content": json.dumps(schema)}, follow=True)
    assert "Deploy Multi-Agency Resource Panel (MARP) to put it into use" in \
        saved.get_data(as_text=True)
    assert title_seen()[1] == before == old_title  # saved, not yet deployed
    with app.app_context():  # as `flask deploy` does (as "tester", so it is cleaned up)
        deployed = {r.key: (r.version, r.created) for r in
                    deployment.deploy_directory(ROOT / "processes", deployed_by="tester")}
        db.session.commit()
        db.session.remove()
    assert deployed["marp"] == (2, True)  # only the form changed
    assert deployed["pct"] == (1, False)
    assert title_seen()[1] == "A new question title"
    kept = sw.get(f"/api/v1/tasks/{before_id}").json["form"]["schema"]
    assert kept["properties"][first_field]["title"] == old_title  # the running case's form


def test_the_modeler_offers_forms_saved_in_the_browser(owner):
    owner.post("/forms", {"path": "extra/note.schema.json", "is_new": "1", "content": json.dumps(
        {"type": "object", "properties": {"note": {"type": "string", "title": "Note"}}})})
    page = owner.get("/models/marp/edit").get_data(as_text=True)
    assert "extra/note.schema.json" in page
    assert "marp/tm-review.schema.json" in page  # and those in forms/


def test_the_audit_trail_records_who_changed_a_diagram_or_a_form(app, owner, as_user):
    _second_marp(app)  # as "tester", outside a request: not a person's change in the trail
    owner.post("/forms", {"path": "extra/note.schema.json", "is_new": "1", "content": json.dumps(
        {"type": "object", "properties": {"note": {"type": "string", "title": "Note"}}})})
    edited = MARP.replace('name="Team manager review"', 'name="TM review"')
    api = as_user("process_owner")
    assert api.client.post("/api/v1/process-models/marp/versions", data=edited, headers={
        **api.headers, "Content-Type": "application/xml"}).status_code == 201
    events = as_user("auditor").get("/api/v1/audit-events?actor=process_owner").json["items"]
    assert {(e["object_type"], e["object_id"], e["action"]) for e in events} >= {
        ("form", "extra/note.schema.json v1", "change"), ("process_model", "marp v3", "change")}
