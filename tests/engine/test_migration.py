"""Moving running workflows onto a new version of their diagram (app.engine.migration),
against SpiffWorkflow's own behaviour: loops, a parallel join, a boundary timer, a call
activity. Each moved workflow is stored and loaded again before it runs on, as the app does."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.engine import migration, workflows
from app.engine.parsing import parse_model
from tests import diagrams

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def ready(workflow) -> dict[str, str]:
    return {t.name: t.engine_task_id for t in workflows.ready_user_tasks(workflow)}


def do(workflow, name: str, **data) -> None:
    workflows.complete_user_task(workflow, ready(workflow)[name], data)


def moved(workflow, xml: str, version: int = 2):
    """Assess, move, then store and load on the new spec, as a saved case would be."""
    model = parse_model(xml)
    assessment = migration.assess(workflow, model.spec, model.subprocess_specs, version)
    if not assessment.ok:
        return assessment, None
    migration.migrate(workflow, model.spec, model.subprocess_specs)
    again = workflows.loads(workflows.dumps(workflow), model.spec, model.subprocess_specs)
    return assessment, again


def started(xml: str, data: dict | None = None):
    model = parse_model(xml)
    return workflows.start(model.spec, model.subprocess_specs, data or {})


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as moving:
        yield moving


def test_a_loop_moves_mid_round_and_runs_the_new_version(clock):
    workflow = started(diagrams.review_loop())
    for _round in range(3):
        do(workflow, "request", summary="s")
        do(workflow, "review", outcome="return")
    do(workflow, "request", summary="fourth")
    waiting_id = ready(workflow)["review"]
    assessment, workflow = moved(workflow, diagrams.review_loop_versions(check=True))
    assert assessment.waiting_at == ["review"] and assessment.ok
    assert ready(workflow) == {"review": waiting_id}  # the same task: its holder keeps it
    assert workflows.task_data(workflow, waiting_id)["summary"] == "fourth"
    do(workflow, "review", outcome="accept")
    assert list(ready(workflow)) == ["check"]  # the step the new version added
    do(workflow, "check", outcome="accept")
    assert workflows.is_completed(workflow)


def test_a_loop_waiting_at_a_step_the_new_version_renamed_cannot_move(clock):
    workflow = started(diagrams.review_loop())
    do(workflow, "request", summary="s")
    assessment, _ = moved(workflow, diagrams.review_loop_versions(review="assess"))
    assert not assessment.ok
    assert assessment.problems == [{"element_id": "review", "message":
                                    "The user task “Review” (review) is not in version 2"}]


def test_done_rounds_of_a_removed_step_are_cut_out_and_the_loop_goes_on(clock):
    workflow = started(diagrams.review_loop())
    for _round in range(2):
        do(workflow, "request", summary="s")
        do(workflow, "review", outcome="return")
    assessment, workflow = moved(workflow, diagrams.review_loop_versions(review="assess"))
    assert assessment.ok and assessment.waiting_at == ["request"]
    assert all(t.task_spec is not None for t in workflow.get_tasks())
    do(workflow, "request", summary="again")
    assert list(ready(workflow)) == ["assess"]
    do(workflow, "assess", outcome="accept")
    assert workflows.is_completed(workflow)


def test_a_parallel_join_half_done_moves_and_joins_in_the_new_version(clock):
    workflow = started(diagrams.parallel())
    do(workflow, "visit", outcome="finish")
    assessment, workflow = moved(workflow, diagrams.parallel(record=True))
    assert assessment.ok and assessment.waiting_at == ["check"]
    assert list(ready(workflow)) == ["check"]
    do(workflow, "check", outcome="finish")
    assert list(ready(workflow)) == ["record"]  # the join fired once, into the new step
    do(workflow, "record", outcome="finish")
    do(workflow, "decide", outcome="finish")
    assert workflows.is_completed(workflow)


def test_a_parallel_branch_whose_step_is_gone_cannot_move(clock):
    workflow = started(diagrams.parallel())
    assessment, _ = moved(workflow, diagrams.parallel(check="check2"))
    assert assessment.waiting_at == ["check", "visit"]
    assert [p["element_id"] for p in assessment.problems] == ["check"]


def test_a_boundary_timer_is_worked_out_again_from_when_the_wait_began(clock):
    workflow = started(diagrams.boundary_timer())
    assert workflows.next_timer_at(workflow) == START + timedelta(days=7)
    clock.shift(timedelta(days=5))
    visit = ready(workflow)["visit"]
    assessment, workflow = moved(workflow, diagrams.boundary_timer(timer='"P14D"'))
    assert assessment.waiting_at == ["remind", "visit"]
    assert ready(workflow) == {"visit": visit}
    assert workflows.next_timer_at(workflow) == START + timedelta(days=14)
    clock.shift(timedelta(days=9, minutes=1))
    workflows.fire_timers(workflow)
    assert list(ready(workflow)) == ["escalate"]  # the timer interrupted the visit


def test_a_boundary_timer_the_new_version_lacks_blocks_the_move(clock):
    workflow = started(diagrams.boundary_timer())
    no_timer = diagrams.boundary_timer().replace('"P7D"', "").replace(
        "<bpmn:timerEventDefinition><bpmn:timeDuration></bpmn:timeDuration>"
        "</bpmn:timerEventDefinition>", "<bpmn:messageEventDefinition messageRef=\"m\"/>")
    no_timer = no_timer.replace("<bpmn:process", '<bpmn:message id="m" name="m"/><bpmn:process',
                                1)
    assessment, _ = moved(workflow, no_timer)
    assert assessment.problems == [{"element_id": "remind", "message":
                                    "The timer “Remind” (remind) is a message event in "
                                    "version 2"}]


def test_a_call_activity_moves_with_the_process_it_called(clock):
    workflow = started(diagrams.call_activity())
    inner = ready(workflow)["inner_task"]
    assessment, workflow = moved(workflow, diagrams.call_activity(inner_extra=True))
    assert assessment.waiting_at == ["call", "inner_task"]
    assert ready(workflow) == {"inner_task": inner}
    do(workflow, "inner_task", outcome="finish", note="inside")
    assert list(ready(workflow)) == ["inner_more"]
    do(workflow, "inner_more", outcome="finish")
    assert list(ready(workflow)) == ["after"]
    assert workflows.task_data(workflow, ready(workflow)["after"])["note"] == "inside"


def test_an_intermediate_timer_is_recomputed(clock):
    workflow = started(diagrams.two_step())
    do(workflow, "first", outcome="wait")
    do(workflow, "second", outcome="wait")
    clock.shift(timedelta(days=2))
    assessment, workflow = moved(workflow, diagrams.two_step(timer='"P3D"'))
    assert assessment.waiting_at == ["wait"]
    assert workflows.next_timer_at(workflow) == START + timedelta(days=3)
