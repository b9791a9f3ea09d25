"""The engine wrapper on its own: parsing, the spec-less serialisation, timers and clock."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from app.engine import workflows
from app.engine.clock import engine_time, now
from app.engine.parsing import BpmnProblems, parse_model, role_key
from app.engine.validation import validate_model
from tests.diagrams import NOTE_SCHEMA, START_SCHEMA, two_step


@pytest.fixture
def forms(tmp_path):
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "note.schema.json").write_text(json.dumps(NOTE_SCHEMA))
    (tmp_path / "test" / "start.schema.json").write_text(json.dumps(START_SCHEMA))
    return tmp_path


def test_role_keys_from_lane_names():
    assert role_key("Team Manager") == "team_manager"
    assert role_key("  Panel  Administrator ") == "panel_administrator"
    assert role_key("Head of Service (Vice-Chair)") == "head_of_service_vice_chair"
    assert role_key("") is None


def test_parse_reads_our_extensions():
    model = parse_model(two_step())
    assert model.key == "two_step"
    assert model.start_roles == ["social_worker"]
    assert model.start_form == "test/start.schema.json"
    first = model.user_tasks["first"]
    assert first.role == "social_worker"
    assert first.form_schema_file == "test/note.schema.json"
    assert first.assign_to == "initiator"
    assert first.due_in_working_days == 2
    assert model.user_tasks["second"].due_in == "P3D"
    assert model.user_tasks["second"].instructions == "Instructions for Second step"


def test_parse_refuses_more_than_one_executable_process():
    xml = two_step().replace("</bpmn:definitions>",
                             '<bpmn:process id="other" isExecutable="true"/></bpmn:definitions>')
    with pytest.raises(BpmnProblems, match="exactly one executable"):
        parse_model(xml)


def _run_to_second(model):
    wf = workflows.start(model.spec, model.subprocess_specs, {"initiator": "sw"})
    [first] = workflows.ready_user_tasks(wf)
    workflows.complete_user_task(wf, first.engine_task_id, {"outcome": "wait"})
    return wf


def test_serialisation_omits_the_spec_and_round_trips(forms):
    model, problems = validate_model(two_step(), forms)
    assert problems == []
    wf = _run_to_second(model)
    text = workflows.dumps(wf)
    assert '"spec"' not in text[:200] and "task_specs" not in text
    restored = workflows.loads(text, model.spec, model.subprocess_specs)
    assert restored.script_engine is workflows.SCRIPT_ENGINE
    [second] = workflows.ready_user_tasks(restored)
    assert second.name == "second"
    assert second.data["outcome"] == "wait"
    workflows.complete_user_task(restored, second.engine_task_id, {"outcome": "finish"})
    assert workflows.is_completed(restored)


def test_timer_due_time_and_engine_clock(forms):
    model, _ = validate_model(two_step(), forms)
    wf = _run_to_second(model)
    [second] = workflows.ready_user_tasks(wf)
    workflows.complete_user_task(wf, second.engine_task_id, {"outcome": "wait"})
    due = workflows.next_timer_at(wf)
    assert timedelta(days=6, hours=23) < due - datetime.now(UTC) <= timedelta(days=7)
    workflows.fire_timers(wf)
    assert not workflows.is_completed(wf)
    later = due + timedelta(seconds=1)
    with engine_time(later):
        assert now() == later
        workflows.fire_timers(wf)
    assert workflows.is_completed(wf)
    assert abs(now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_engine_time_needs_an_offset():
    with pytest.raises(ValueError, match="time zone"), engine_time(datetime(2027, 1, 1)):
        pass


def test_failing_condition_is_an_engine_error(forms):
    model, _ = validate_model(two_step(condition="missing_variable > 1"), forms)
    wf = _run_to_second(model)
    [second] = workflows.ready_user_tasks(wf)
    with pytest.raises(workflows.EngineError, match="missing_variable"):
        workflows.complete_user_task(wf, second.engine_task_id, {"outcome": "wait"})


def test_a_refused_expression_says_why(forms):
    model, _ = validate_model(two_step(condition="outcome * 10 ** 9 == 1"), forms)
    wf = _run_to_second(model)
    [second] = workflows.ready_user_tasks(wf)
    with pytest.raises(workflows.EngineError, match="too large|limit"):
        workflows.complete_user_task(wf, second.engine_task_id, {"outcome": "wait"})
