"""What a diagram may ask of the engine: multi-instance cardinality, how much code, and who
may have the server check a diagram at all."""
from __future__ import annotations

import time

from app.engine import evaluator, sandbox
from app.extensions import db
from app.models import ProcessInstance
from tests.diagrams import HEADER, two_step
from tests.helpers import deploy, ready_task, start

VALIDATE = "/api/v1/process-models/validate"


def _multi_instance(key: str, cardinality: str) -> str:
    """two_step whose script task runs once per instance, `cardinality` times."""
    return two_step(key, script="done = 1").replace(
        "<bpmn:outgoing>f2b</bpmn:outgoing><bpmn:script>",
        "<bpmn:outgoing>f2b</bpmn:outgoing><bpmn:multiInstanceLoopCharacteristics>"
        f"<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics><bpmn:script>")


def test_a_loop_cardinality_over_the_cap_is_refused_at_deploy(as_user):
    response = as_user("process_owner").post_raw(
        "/api/v1/process-models/mi_big/versions", _multi_instance("mi_big", "8000"))
    assert response.status_code == 422, response.json
    [problem] = response.json["errors"]
    assert problem["element_id"] == "s"
    assert "8,000" in problem["message"] and "at most" not in problem["message"]
    assert f"the {evaluator.SETTINGS.max_instances:,} instances" in problem["message"]


def test_a_loop_cardinality_under_the_cap_runs(app, as_user):
    deploy(app, _multi_instance("mi_small", "len(note) * 3"))
    sw = as_user("social_worker")
    instance = start(sw, "mi_small")
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish", "note": "ab"}})
    assert done.status_code == 200, done.json
    assert [t["name"] for t in done.json["next_tasks"]] == ["second"]


def test_a_loop_cardinality_over_the_cap_is_refused_as_it_runs(app, as_user):
    deploy(app, _multi_instance("mi_runtime", "len(note) * 8000"))
    sw = as_user("social_worker")
    instance = start(sw, "mi_runtime")
    started = time.monotonic()
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish", "note": "x"}})
    assert time.monotonic() - started < 10
    assert done.status_code == 409, done.json
    with app.app_context():
        failed = db.session.get(ProcessInstance, instance["id"])
        assert failed.status == "error"
        assert "the loop cardinality is 8,000" in failed.error_message
        assert f"at most {evaluator.SETTINGS.max_instances:,} instances" in failed.error_message


def test_validate_is_for_process_owners_only(as_user):
    assert as_user("social_worker").post_raw(VALIDATE, two_step()).status_code == 403
    assert as_user("team_manager").post_raw(VALIDATE, two_step()).status_code == 403
    assert as_user("process_owner").post_raw(VALIDATE, two_step()).json["valid"] is True


def _chain_of_scripts(count: int, script: str = "x = 1") -> str:
    nodes = [f'<bpmn:scriptTask id="s{i}"><bpmn:incoming>f{i}</bpmn:incoming>'
             f"<bpmn:outgoing>f{i + 1}</bpmn:outgoing><bpmn:script>{script}</bpmn:script>"
             "</bpmn:scriptTask>" for i in range(count)]
    flows = [f'<bpmn:sequenceFlow id="f{i}" sourceRef="{"start" if i == 0 else f"s{i - 1}"}" '
             f'targetRef="{"end" if i == count else f"s{i}"}"/>' for i in range(count + 1)]
    return HEADER + (
        '<bpmn:process id="many_scripts" isExecutable="true">'
        '<bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>'
        + "".join(nodes) + f'<bpmn:endEvent id="end"><bpmn:incoming>f{count}</bpmn:incoming>'
        "</bpmn:endEvent>" + "".join(flows) + "</bpmn:process></bpmn:definitions>")


def test_validate_caps_how_many_scripts_a_diagram_carries(as_user):
    limit = evaluator.SETTINGS.max_code_items
    started = time.monotonic()
    result = as_user("process_owner").post_raw(VALIDATE, _chain_of_scripts(limit + 100)).json
    assert time.monotonic() - started < 5
    assert result["valid"] is False
    [problem] = result["errors"]
    assert problem["element_id"] == f"s{limit}"  # the first over the limit
    assert f"carries {limit + 100:,} pieces of code" in problem["message"]


def test_validate_caps_the_size_of_a_script(as_user):
    script = "x = 1\n" * (evaluator.SETTINGS.max_script_chars // 6 + 10)
    result = as_user("process_owner").post_raw(VALIDATE, _chain_of_scripts(3, "y = 2")
                                               .replace("<bpmn:script>y = 2</bpmn:script>",
                                                        f"<bpmn:script>{script}</bpmn:script>",
                                                        1)).json
    [problem] = result["errors"]
    assert problem["element_id"] == "s0"
    assert problem["message"].startswith(f"Script is {len(script):,} characters long")


def test_the_compiled_code_cache_is_bounded_in_entries_and_characters():
    assert 0 < sandbox._compile.max_entries <= 10_000
    assert 0 < sandbox._compile.max_chars <= 20_000_000
    cache = sandbox.CompiledCache(max_entries=20, max_chars=50_000)
    big = "len([" + "1, " * 1_500 + "1])"  # about 4,500 characters each
    for i in range(30):
        cache.get(f"{i} + {big}", "eval")
    assert cache.cache_info().chars <= 50_000
    assert cache.cache_info().currsize < 20
    for i in range(60):
        cache.get(f"n == {i}", "eval")
    info = cache.cache_info()
    assert info.currsize == 20
    assert info.chars <= 50_000
    assert ("n == 59", "eval") in cache._items and ("n == 0", "eval") not in cache._items
    cache.get("fresh == 1", "eval", store=False)  # what `check_*` (validation) does
    assert ("fresh == 1", "eval") not in cache._items


def test_a_collection_over_the_cap_is_refused_as_it_runs(app, as_user):
    deploy(app, two_step("mi_collection", script="done = 1").replace(
        "<bpmn:outgoing>f2b</bpmn:outgoing><bpmn:script>",
        "<bpmn:outgoing>f2b</bpmn:outgoing><bpmn:multiInstanceLoopCharacteristics>"
        "<bpmn:loopDataInputRef>note</bpmn:loopDataInputRef>"
        '<bpmn:inputDataItem id="letter"/></bpmn:multiInstanceLoopCharacteristics><bpmn:script>'))
    sw = as_user("social_worker")
    instance = start(sw, "mi_collection")
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish", "note": "x" * 150}})
    assert done.status_code == 409, done.json
    with app.app_context():
        failed = db.session.get(ProcessInstance, instance["id"])
        assert "the collection 'note' is 150" in failed.error_message
