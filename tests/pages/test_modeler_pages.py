"""The process owners' modeler page and its JSON routes: who may use them, what validation
returns per element, and that deploying makes exactly one new version or none at all."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.services import deployment

ROOT = Path(__file__).parents[2]
MARP_XML = (ROOT / "processes" / "marp" / "marp.bpmn").read_text()
BROKEN_CONDITION = MARP_XML.replace('tm_review_outcome == "endorse"', "approved ==")
DATA = re.compile(r'<script type="application/json" id="modeler-data">(.*?)</script>', re.S)


def _versions(app, key: str = "marp") -> list[int]:
    with app.app_context():
        return [v.version for v in deployment.versions_of(key)]


def _page_data(response) -> dict:
    return json.loads(DATA.search(response.get_data(as_text=True)).group(1))


def test_a_process_owner_opens_the_latest_version_with_the_forms_to_choose(browser):
    owner = browser("process_owner")
    response = owner.get("/models/marp/edit")
    assert response.status_code == 200
    data = _page_data(response)
    assert data["key"] == "marp" and data["deploy_url"] == "/models/marp/deploy"
    assert 'id="marp"' in data["xml"]
    assert "marp/tm-review.schema.json" in data["forms"]["schemas"]
    assert "marp/tm-review.uischema.json" in data["forms"]["ui_schemas"]
    assert not [f for f in data["forms"]["schemas"] if f.endswith(".uischema.json")]
    page = response.get_data(as_text=True)
    assert "/static/modeler/build/modeler.js" in page and 'href="/models"' in page


def test_an_older_version_opens_by_number(app, browser):
    owner = browser("process_owner")
    before = _versions(app)[-1]
    edited = MARP_XML.replace('name="Team manager review"', 'name="Team manager check"')
    assert owner.post("/models/marp/deploy", {"xml": edited, "change_note": "rename"}
                      ).status_code == 201
    latest = _page_data(owner.get("/models/marp/edit"))
    assert latest["version"] == before + 1 and "Team manager check" in latest["xml"]
    older = _page_data(owner.get(f"/models/marp/edit?version={before}"))
    assert older["version"] == before and "Team manager check" not in older["xml"]


def test_a_new_model_page_starts_blank_and_deploys_under_its_own_process_id(app, browser):
    owner = browser("process_owner")
    data = _page_data(owner.get("/models/new"))
    assert data["xml"] is None and data["deploy_url"] == "/models/deploy"
    xml = MARP_XML.replace('id="marp"', 'id="marp_copy"').replace(
        'processRef="marp"', 'processRef="marp_copy"')
    response = owner.post("/models/deploy", {"xml": xml, "change_note": "a copy to try"})
    assert response.status_code == 201, response.json
    assert response.json["key"] == "marp_copy" and response.json["version"] == 1
    assert response.json["edit_url"] == "/models/marp_copy/edit?version=1"


@pytest.mark.parametrize("url", ["/models/marp/edit", "/models/new"])
def test_only_process_owners_may_open_the_modeler(browser, url):
    assert browser("social_worker").get(url).status_code == 403
    assert browser("manager").get(url).status_code == 403
    stranger = browser().get(url)
    assert stranger.status_code == 302 and stranger.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", ["/models/nosuch/edit", "/models/marp/edit?version=999",
                                 "/models/marp/edit?version=two"])
def test_unknown_models_and_versions_are_404(browser, url):
    assert browser("process_owner").get(url).status_code == 404


def test_a_social_worker_can_neither_validate_nor_deploy(app, browser):
    before = _versions(app)
    worker = browser("social_worker")
    for url in ("/models/validate", "/models/marp/deploy", "/models/deploy"):
        response = worker.post(url, {"xml": MARP_XML, "change_note": "sneaky"})
        assert response.status_code == 403, url
        assert response.json["message"]
    assert _versions(app) == before


def test_validate_lists_each_problem_with_its_element(browser):
    owner = browser("process_owner")
    good = owner.post("/models/validate", {"xml": MARP_XML})
    assert good.status_code == 200 and good.json == {"valid": True, "errors": []}
    bad = owner.post("/models/validate", {"xml": BROKEN_CONDITION})
    assert bad.status_code == 200 and bad.json["valid"] is False
    [problem] = bad.json["errors"]
    assert problem["element_id"] == "flow_tm_endorsed"
    assert "approved ==" in problem["message"]


def test_validate_takes_the_diagram_as_a_file_part_too(app, browser):
    owner = browser("process_owner")
    owner.get("/models/new")
    response = owner.client.post("/models/validate", data={
        "csrf_token": owner.token(),
        "xml": (io.BytesIO(BROKEN_CONDITION.encode()), "diagram.bpmn", "application/xml")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert [p["element_id"] for p in response.json["errors"]] == ["flow_tm_endorsed"]


def test_validate_explains_what_the_engine_cannot_run(browser):
    owner = browser("process_owner")
    not_xml = owner.post("/models/validate", {"xml": "<bpmn:definitions"}).json
    assert not not_xml["valid"] and "Not well-formed XML" in not_xml["errors"][0]["message"]
    no_role = MARP_XML.replace('name="Team Manager"', 'name=""')
    messages = [p["message"] for p in owner.post("/models/validate", {"xml": no_role}).json[
        "errors"]]
    assert any("Team manager review" in m and "no lane" in m for m in messages)


def test_an_invalid_diagram_is_refused_with_422_and_nothing_is_deployed(app, browser):
    before = _versions(app)
    owner = browser("process_owner")
    response = owner.post("/models/marp/deploy", {"xml": BROKEN_CONDITION,
                                                  "change_note": "broken"})
    assert response.status_code == 422
    assert [p["element_id"] for p in response.json["errors"]] == ["flow_tm_endorsed"]
    assert _versions(app) == before
    other_key = owner.post("/models/pct/deploy", {"xml": MARP_XML, "change_note": "wrong key"})
    assert other_key.status_code == 422 and "not 'pct'" in other_key.json["errors"][0]["message"]
    assert _versions(app) == before


def test_a_change_note_is_required(app, browser):
    before = _versions(app)
    response = browser("process_owner").post("/models/marp/deploy", {"xml": MARP_XML})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "change_note"
    assert _versions(app) == before


def test_deploy_creates_the_next_version_as_the_process_owner(app, browser):
    before = _versions(app)
    edited = MARP_XML.replace('name="Team manager review"', 'name="Team manager check"')
    response = browser("process_owner").post("/models/marp/deploy", {
        "xml": edited, "change_note": "Clearer name for the team manager's step"})
    assert response.status_code == 201
    assert response.json["key"] == "marp" and response.json["version"] == before[-1] + 1
    with app.app_context():
        version = deployment.latest_version("marp")
        assert version.version == before[-1] + 1
        assert version.deployed_by == "process_owner"
        assert version.change_note == "Clearer name for the team manager's step"
        assert "Team manager check" in version.bpmn_xml
        db.session.rollback()


def test_a_version_taken_at_the_same_moment_is_a_409_not_a_crash(app, browser, monkeypatch):
    def taken(*args, **kwargs):
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(deployment, "deploy_xml", taken)
    response = browser("process_owner").post("/models/marp/deploy", {
        "xml": MARP_XML, "change_note": "at the same time as someone else"})
    assert response.status_code == 409
    assert "Someone else deployed" in response.json["errors"][0]["message"]


def test_deploying_what_is_already_deployed_makes_no_version(app, browser):
    before = _versions(app)
    response = browser("process_owner").post("/models/marp/deploy", {
        "xml": MARP_XML, "change_note": "no change at all"})
    assert response.status_code == 409
    assert f"Nothing has changed since version {before[-1]}" in \
        response.json["errors"][0]["message"]
    assert _versions(app) == before
