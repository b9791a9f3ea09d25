"""What a case may be started with (issue 15, finding 6): its subject and the start form's
fields only, checked against that form, within size and depth limits; 422 with field errors."""
from __future__ import annotations

import pytest

from tests.diagrams import two_step
from tests.helpers import deploy, start


@pytest.fixture(autouse=True)
def two_step_model(app):
    deploy(app, two_step())


def _start(client, key="two_step", data=None, subject=None):
    return client.post("/api/v1/process-instances", json={
        "process_model": key, "data": data if data is not None else {},
        "subject": subject or {"child_ref": "C-1", "name": "Test Child"}})


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"x": value}
    return value


def test_the_start_forms_fields_are_taken(as_user):
    instance = start(as_user("social_worker"), data={"note": "prefilled", "priority": 2})
    assert instance["data"]["note"] == "prefilled" and instance["data"]["priority"] == 2


@pytest.mark.parametrize("name", ["outcome", "list_on_panel", "len", "initiator", "subject",
                                  "_sandbox", "__builtins__"])
def test_a_gateway_variable_or_a_helpers_name_cannot_be_preset(as_user, name):
    response = _start(as_user("social_worker"), data={name: "finish"})
    assert response.status_code == 422
    assert list(response.json["errors"]) == [f"data.{name}"]
    assert as_user("manager").get("/api/v1/process-instances").json["total"] == 0


def test_a_pathway_without_a_start_form_takes_no_data(as_user):
    response = _start(as_user("social_worker"), key="marp", data={"panel_decision": "approved"})
    assert response.status_code == 422
    assert response.json["errors"] == {"data.panel_decision": ["This pathway takes no start data"]}
    assert _start(as_user("social_worker"), key="marp").status_code == 201


def test_start_data_is_validated_against_the_start_form(as_user):
    response = _start(as_user("social_worker"), data={"note": "x" * 201, "priority": 9})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"data.note", "data.priority"}


@pytest.mark.parametrize("depth", [20, 900])
def test_deeply_nested_start_data_is_refused(as_user, depth):
    response = _start(as_user("social_worker"), data={"note": _nested(depth)})
    assert response.status_code in (400, 422)  # past 64 levels the body itself is refused
    if depth == 20:
        assert response.json["errors"] == {
            "data": ["The start data is nested more than 8 levels deep"]}
    assert as_user("manager").get("/api/v1/process-instances").json["total"] == 0


def test_large_start_data_is_refused(as_user):
    response = _start(as_user("social_worker"), data={"note": "x" * 100_000})
    assert response.status_code == 422
    assert "at most 65,536 are accepted" in response.json["errors"]["data"][0]


def test_a_large_or_nested_subject_is_refused(as_user):
    big = _start(as_user("social_worker"), subject={"child_ref": "C-1", "extra": "x" * 5000})
    deep = _start(as_user("social_worker"), subject={"child_ref": "C-1", "extra": _nested(5)})
    assert big.status_code == deep.status_code == 422
    assert "subject" in big.json["errors"] and "subject" in deep.json["errors"]


def test_a_start_form_that_does_not_exist_is_a_deploy_problem(as_user):
    result = as_user("process_owner").post_raw(
        "/api/v1/process-models/validate",
        two_step(key="no_start_form", start_form="test/missing.schema.json")).json
    assert not result["valid"]
    assert any("Start form 'test/missing.schema.json'" in e["message"] for e in result["errors"])
