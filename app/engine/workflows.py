"""Running workflows: start, complete a user task, fire timers, and (de)serialise.

The serialised form omits the spec: it is the same for every instance of a model version,
so it is parsed once per version (see `specs.SpecCache`) and re-attached on load. This
halves what each instance stores and skips rebuilding the spec on every step.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState

from app.engine import evaluator
from app.engine.compaction import compact
from app.engine.sandbox import SandboxLimitError, UnsafeExpressionError, make_script_engine


class _PinnedSpecConverter(BpmnWorkflowConverter):
    """Restores a workflow onto a spec we already hold instead of one stored with it."""

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if spec is None:
            return super().from_dict(dct)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = _PinnedSpecConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
SCRIPT_ENGINE = make_script_engine()

def _capped_update_hook(self, my_task):
    """A multi-instance task over a collection refuses one larger than the cap, once its
    data has arrived and before its instances are built (the cardinality is checked as it
    is evaluated, in `evaluator.SandboxScriptEngine`)."""
    result = super(MultiInstanceTask, self)._update_hook(my_task)
    if self.data_input is not None and self.data_input.exists(my_task):
        collection = self.data_input.get(my_task)
        if hasattr(collection, "__len__"):
            evaluator.check_instances(len(collection),
                                      f"the collection {self.data_input.bpmn_id!r}")
    return result


MultiInstanceTask._update_hook = _capped_update_hook


TIMER_EVENT_TYPES = frozenset({
    "TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"})


class EngineError(Exception):
    """A diagram failed while running (a bad condition, a script error)."""


@dataclass(frozen=True)
class ReadyUserTask:
    engine_task_id: str
    name: str
    data: dict


# Set in a stored workflow once every completed task in it has been counted into history
# (see newly_done): a case saved before compaction existed has its old tree counted once.
COUNTED_KEY = "panelflow_counted"


def dumps(workflow: BpmnWorkflow, compacted: bool = True) -> str:
    """The workflow as stored, less its spec; compacted (see `compaction`) unless told not,
    so a step costs the same in a case's first week and its hundredth. Call `newly_done`
    first: compaction forgets completed tasks."""
    if compacted:
        compact(workflow)
    dct = SERIALIZER.to_dict(workflow)
    dct.pop("spec", None)
    dct.pop("subprocess_specs", None)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    dct[COUNTED_KEY] = True
    return json.dumps(dct, separators=(",", ":"))


def loads(serialised: str, spec, subprocess_specs: dict) -> BpmnWorkflow:
    dct = json.loads(serialised)
    counted = dct.pop(COUNTED_KEY, False)
    SERIALIZER.migrate(dct)
    workflow = SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    # The script engine is not serialised; without this the unrestricted default runs.
    workflow.script_engine = SCRIPT_ENGINE
    workflow.panelflow_counted = (
        {task.id for task in workflow.tasks.values() if task.state == TaskState.COMPLETED}
        if counted else set())
    return workflow


def newly_done(workflow: BpmnWorkflow) -> dict[str, int]:
    """How many times each diagram element has completed since the workflow was loaded (or
    started), for history: the tree forgets old rounds, history keeps the count."""
    counted = getattr(workflow, "panelflow_counted", set())
    done: dict[str, int] = {}
    for task in workflow.tasks.values():
        if task.state == TaskState.COMPLETED and task.id not in counted:
            counted.add(task.id)
            if element := task.task_spec.bpmn_id:
                done[element] = done.get(element, 0) + 1
    workflow.panelflow_counted = counted
    return done


def _explain(exc: BaseException) -> str:
    """SpiffWorkflow's message, plus the sandbox's reason when it refused something (which
    SpiffWorkflow keeps only in the exception chain)."""
    if isinstance(exc, SandboxLimitError):  # raised between tasks, not inside SpiffWorkflow
        return f"The diagram was stopped: {exc}"
    message = str(exc)
    seen = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, UnsafeExpressionError):
            return f"{message}: {seen}"
        seen = seen.__cause__ or seen.__context__
    return message


def _check_time(_task=None) -> None:
    evaluator.check_time_box()


def _run_engine(workflow: BpmnWorkflow) -> None:
    """Run until the workflow waits, within the step's time box (a loop of tasks with no
    code in them is stopped between tasks, code by the evaluator's limit)."""
    try:
        with evaluator.time_box():
            _check_time()
            workflow.do_engine_steps(did_complete_task=_check_time)
    except EngineError:
        raise
    except Exception as exc:
        raise EngineError(_explain(exc)) from exc


def start(spec, subprocess_specs: dict, data: dict[str, Any]) -> BpmnWorkflow:
    """A new workflow with `data` as its initial task data, run until it waits."""
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    for task in workflow.get_tasks(state=TaskState.FUTURE | TaskState.LIKELY | TaskState.READY):
        # A timer start event is the scheduler's (services/scheduled_starts.py): it begins the
        # case when the timer is due, so the case itself does not wait at it again.
        if (isinstance(task.task_spec, StartEvent)
                and isinstance(task.task_spec.event_definition, TimerEventDefinition)):
            task._set_internal_data(event_fired=True)
            if not task.children:  # SpiffWorkflow leaves a cycle timer's path unpredicted
                for output in task.task_spec.outputs:
                    child = task._add_child(output, TaskState.FUTURE)
                    child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
    _run_engine(workflow)
    return workflow


def ready_user_tasks(workflow: BpmnWorkflow) -> list[ReadyUserTask]:
    return [
        ReadyUserTask(str(task.id), task.task_spec.bpmn_id or task.task_spec.name, task.data)
        for task in workflow.get_tasks(state=TaskState.READY, manual=True)
        if isinstance(task.task_spec, UserTask)
    ]


def task_data(workflow: BpmnWorkflow, engine_task_id: str) -> dict:
    """The data a task holds now (what it inherited from the steps before it)."""
    task = workflow.get_task_from_id(UUID(engine_task_id))
    return dict(task.data) if task is not None else {}


def complete_user_task(workflow: BpmnWorkflow, engine_task_id: str, data: dict,
                       forget: Iterable[str] = ()) -> None:
    """Merge the submitted data into the task, less the keys in `forget` (answers an earlier
    round of the step gave that this one did not), and run on until the workflow waits."""
    task = workflow.get_task_from_id(UUID(engine_task_id))
    if task is None or task.state != TaskState.READY:
        raise EngineError(f"task {engine_task_id} is not ready in the engine")
    for key in forget:
        task.data.pop(key, None)
    task.data.update(data)
    with evaluator.time_box():
        try:
            task.run()
        except Exception as exc:
            raise EngineError(_explain(exc)) from exc
        _run_engine(workflow)


def waiting_messages(workflow: BpmnWorkflow) -> set[str]:
    """The names of the messages the workflow waits for now (its message catch events)."""
    return {task.task_spec.event_definition.name
            for task in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(task.task_spec, "event_definition", None),
                          MessageEventDefinition)}


def deliver_message(workflow: BpmnWorkflow, name: str, payload: Any) -> None:
    """Give the workflow the message `name` from outside (a case system's "court order
    received") and run on until it waits; the catch event's messageVariable gets `payload`."""
    waiting = [task for task in workflow.get_tasks(state=TaskState.WAITING)
               if isinstance(getattr(task.task_spec, "event_definition", None),
                             MessageEventDefinition)
               and task.task_spec.event_definition.name == name]
    if not waiting:
        raise EngineError(f"the case is not waiting for the message {name!r}")
    with evaluator.time_box():
        try:
            workflow.send_event(BpmnEvent(waiting[0].task_spec.event_definition,
                                          payload=payload))
        except Exception as exc:
            raise EngineError(_explain(exc)) from exc
        _run_engine(workflow)


def fire_timers(workflow: BpmnWorkflow) -> None:
    with evaluator.time_box():
        try:
            workflow.refresh_timers()
        except Exception as exc:
            raise EngineError(_explain(exc)) from exc
        _run_engine(workflow)


def update_waiting(workflow: BpmnWorkflow, changes: dict) -> int:
    """Change data on the tasks waiting on events (e.g. a meeting date that moved) and make
    their timers work out their time again; returns how many waiting tasks changed."""
    changed = 0
    for task in workflow.get_tasks(state=TaskState.WAITING):
        # A waiting task takes its data from its parent again each time the engine looks.
        for holder in (task, task.parent):
            if holder is not None:
                holder.data.update(changes)
        task.internal_data.pop("event_value", None)  # re-evaluated against the new data
        changed += 1
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.FUTURE | TaskState.LIKELY):
        task.data.update({k: v for k, v in changes.items() if k in task.data})
    return changed


def timer_steps(workflow: BpmnWorkflow) -> list[str]:
    """The timer events the case waits at as a step of its own (a timer on the edge of a user
    task is not one: the case waits at the task)."""
    return sorted({
        task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.WAITING)
        if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)
        and not isinstance(task.task_spec, BoundaryEvent) and task.task_spec.bpmn_id})


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest time a pending timer is due, for the indexed scheduler column."""
    due: list[datetime] = []
    for event in workflow.waiting_events():
        if event.event_type not in TIMER_EVENT_TYPES:
            continue
        value = event.value
        if value is None:
            # Not yet evaluated: fire as soon as the scheduler looks, which evaluates it.
            due.append(datetime.now(UTC))
            continue
        try:
            when = TimerEventDefinition.parse_time_or_duration(value)
        except Exception:  # noqa: S112 - an unparseable value fails when the timer is reached
            continue
        if isinstance(when, datetime):
            due.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    return min(due) if due else None


def is_completed(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


def final_data(workflow: BpmnWorkflow) -> dict:
    """Data gathered so far: the workflow's, a waiting event's (which may have been updated
    since, see update_waiting), or the most recently completed task's."""
    if workflow.is_completed() and workflow.data:
        return dict(workflow.data)
    waiting = workflow.get_tasks(state=TaskState.WAITING)
    if waiting:
        return dict(waiting[0].data)
    last = workflow.last_task
    if last is not None:
        return dict(last.data)
    return {}
