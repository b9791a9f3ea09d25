"""Process models: listing, reading, validating and deploying diagrams."""
from __future__ import annotations

from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start


def test_list_and_detail_show_every_version(app, as_user):
    deploy(app, two_step())
    deploy(app, two_step().replace("Second step", "Second step, renamed"))
    client = as_user("social_worker")
    listed = {m["key"]: m for m in client.get("/api/v1/process-models").json}
    assert listed["two_step"]["version"] == 2
    assert listed["two_step"]["name"] == "Test two_step"
    assert listed["two_step"]["deployed_by"] == "tester"
    detail = client.get("/api/v1/process-models/two_step").json
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["version"] == 2


def test_unknown_model_is_404(as_user):
    response = as_user("social_worker").get("/api/v1/process-models/nope")
    assert response.status_code == 404
    assert response.json["code"] == 404


def test_bpmn_of_a_version(app, as_user):
    deploy(app, two_step())
    deploy(app, two_step().replace("Second step", "Renamed"))
    client = as_user("social_worker")
    first = client.get("/api/v1/process-models/two_step/bpmn?version=1")
    assert first.status_code == 200
    assert first.mimetype == "application/xml"
    assert b"Second step" in first.data
    assert b"Renamed" in client.get("/api/v1/process-models/two_step/bpmn").data
    assert client.get("/api/v1/process-models/two_step/bpmn?version=9").status_code == 404
    assert client.get("/api/v1/process-models/two_step/bpmn?version=x").status_code == 422


def test_process_models_need_sign_in(app):
    assert app.test_client().get("/api/v1/process-models").status_code == 401


def _validate(client, xml):
    response = client.post_raw("/api/v1/process-models/validate", xml)
    assert response.status_code == 200, response.json
    return response.json


def test_validate_accepts_a_good_diagram(as_user):
    assert _validate(as_user("process_owner"), two_step()) == {"valid": True, "errors": []}


def test_validate_reports_xml_syntax_with_line(as_user):
    result = _validate(as_user("process_owner"), "<bpmn:definitions\n<oops")
    assert result["valid"] is False
    assert result["errors"][0]["line"] == 2
    assert "Not well-formed XML" in result["errors"][0]["message"]


def test_validate_reports_schema_violations_by_element(as_user):
    xml = two_step().replace('<bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="end"/>',
                             '<bpmn:sequenceFlow id="f5" sourceRef="gw"/>')
    result = _validate(as_user("process_owner"), xml)
    assert result["valid"] is False
    assert any("targetRef" in e["message"] and e["element_id"] == "f5" and e["line"]
               for e in result["errors"])


def test_validate_names_the_task_whose_form_is_missing(as_user):
    tail = '/><spiffworkflow:property name="dueIn"'
    xml = two_step().replace(f'value="test/note.schema.json"{tail}',
                             f'value="test/missing.schema.json"{tail}')
    errors = _validate(as_user("process_owner"), xml)["errors"]
    assert [e["element_id"] for e in errors] == ["second"]
    assert "missing.schema.json" in errors[0]["message"]


def test_validate_rejects_an_unquoted_timer(as_user):
    errors = _validate(as_user("process_owner"), two_step(timer="P7D"))["errors"]
    assert errors and errors[0]["element_id"] == "wait"
    assert "P7D" in errors[0]["message"]


def test_validate_rejects_a_literal_that_is_not_iso_8601(as_user):
    errors = _validate(as_user("process_owner"), two_step(timer='"seven days"'))["errors"]
    assert errors[0]["element_id"] == "wait"


def test_validate_rejects_an_unsafe_condition(as_user):
    errors = _validate(as_user("process_owner"),
                       two_step(condition="().__class__.__base__"))["errors"]
    assert errors[0]["element_id"] == "f4"


def test_validate_rejects_user_task_without_lane(as_user):
    xml = two_step().replace("<bpmn:flowNodeRef>second</bpmn:flowNodeRef>", "")
    errors = _validate(as_user("process_owner"), xml)["errors"]
    assert any(e["element_id"] == "second" and "no lane" in e["message"] for e in errors)


def test_validate_rejects_a_start_event_in_no_lane(as_user):
    errors = _validate(as_user("process_owner"), two_step(start_lane=None))["errors"]
    assert any("start event" in e["message"] for e in errors)


def test_validate_with_empty_body_is_400(as_user):
    response = as_user("process_owner").post_raw("/api/v1/process-models/validate", b"")
    assert response.status_code == 400


def test_deploy_creates_the_next_version(as_user):
    client = as_user("process_owner")
    first = client.post_raw("/api/v1/process-models/two_step/versions", two_step())
    assert first.status_code == 201
    assert first.json == {"key": "two_step", "version": 1}
    second = client.post_raw("/api/v1/process-models/two_step/versions?change_note=Renamed",
                             two_step().replace("Second step", "Renamed"))
    assert second.json == {"key": "two_step", "version": 2}
    versions = client.get("/api/v1/process-models/two_step").json["versions"]
    assert versions[1]["change_note"] == "Renamed"
    assert versions[1]["deployed_by"] == "process_owner"


def test_only_process_owners_deploy(as_user):
    response = as_user("social_worker").post_raw("/api/v1/process-models/two_step/versions",
                                                 two_step())
    assert response.status_code == 403
    assert as_user("social_worker").get("/api/v1/process-models/two_step").status_code == 404


def test_invalid_deploy_is_422_and_deploys_nothing(app, as_user):
    deploy(app, two_step())
    client = as_user("process_owner")
    response = client.post_raw("/api/v1/process-models/two_step/versions",
                               two_step(timer="P7D"))
    assert response.status_code == 422
    assert response.json["errors"][0]["element_id"] == "wait"
    assert "line" in response.json["errors"][0]
    assert client.get("/api/v1/process-models/two_step").json["version"] == 1


def test_deploy_under_another_key_is_refused(as_user):
    response = as_user("process_owner").post_raw("/api/v1/process-models/other/versions",
                                                 two_step())
    assert response.status_code == 422
    assert "two_step" in response.json["errors"][0]["message"]


def test_running_instances_keep_their_version(app, as_user):
    deploy(app, two_step())
    sw = as_user("social_worker")
    instance = start(sw)
    deploy(app, two_step().replace("Second step", "Second step v2"))
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish"}})
    assert done.status_code == 200
    assert done.json["instance"]["version"] == 1
    assert [t["title"] for t in done.json["next_tasks"]] == ["Second step"]
    fresh = start(sw)
    assert fresh["version"] == 2


def test_validate_refuses_a_decision_field_the_form_does_not_ask_for(as_user):
    props = ('<spiffworkflow:property name="decisionOutcome" value="outcome"/>'
             '<spiffworkflow:property name="decisionConditions" value="conditions"/>')
    result = _validate(as_user("process_owner"), two_step(first_props=props))
    assert result["valid"] is False
    [error] = result["errors"]
    assert "decision field 'conditions'" in error["message"]
    assert error["element_id"] == "first"
    ok = '<spiffworkflow:property name="decisionOutcome" value="outcome"/>'
    assert _validate(as_user("process_owner"), two_step(first_props=ok))["valid"] is True
