"""Moving a running workflow onto another version of its diagram.

SpiffWorkflow 3.2 compares two specs and a running workflow against them (`diff_workflow`),
and moves a workflow onto a new spec by re-pointing every task at the aligned spec and
resetting each ready or waiting task (`migrate_workflow`, which calls `Task.reset_branch`).
We use its diff as it is, and follow its migration with two differences:

- a waiting timer is worked out again from when the case began to wait there, not from the
  moment of the move, so a reminder changed from 7 to 14 days fires 14 days after the wait
  began (the engine's clock is set to that moment while the task is reset);
- completed steps whose element the new version no longer has are cut out of the task tree
  (their children hang from their parent instead). The case's history keeps them; left in,
  they would come back from storage with no spec at all.

A case may move only when every step it waits at (a user task, a timer, a message, and a call
activity it waits inside) is in the new version as the same kind of element.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.diff import WorkflowDiff, diff_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState

from app.engine import workflows
from app.engine.clock import engine_time

FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR


@dataclass
class Assessment:
    """Where a workflow waits, and why (if at all) it cannot move to the new version."""

    waiting_at: list[str] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _kind(spec) -> str:
    """The kind of element, in words, for matching and for messages."""
    if isinstance(spec, UserTask):
        return "user task"
    if isinstance(spec, SubWorkflowTask):
        return "call activity"
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return "timer"
    if isinstance(definition, MessageEventDefinition):
        return "message event"
    return type(spec).__name__


def _waits_here(task) -> bool:
    spec = task.task_spec
    if not getattr(spec, "bpmn_id", None):
        return False
    if task.state == TaskState.READY:
        return isinstance(spec, UserTask)
    if task.state == TaskState.WAITING:
        return getattr(spec, "event_definition", None) is not None
    return task.state == TaskState.STARTED and isinstance(spec, SubWorkflowTask)


def waiting_tasks(workflow: BpmnWorkflow) -> list:
    """The tasks the case waits at, across the workflow and the processes it has called."""
    return [task for task in workflow.get_tasks() if _waits_here(task)]


def _label(spec) -> str:
    name = getattr(spec, "bpmn_name", None)
    return f"The {_kind(spec)} “{name}” ({spec.bpmn_id})" if name else \
        f"The {_kind(spec)} {spec.bpmn_id}"


def assess(workflow: BpmnWorkflow, new_spec, new_subprocess_specs: dict,
           to_version: int) -> Assessment:
    """Which steps the workflow waits at, and which of them version `to_version` lacks."""
    result = Assessment()
    for task in waiting_tasks(workflow):
        old = task.task_spec
        result.waiting_at.append(old.bpmn_id)
        process = task.workflow.spec.name
        target = new_spec if process == new_spec.name else new_subprocess_specs.get(process)
        new = target.task_specs.get(old.name) if target is not None else None
        if target is None:
            message = (f"{_label(old)} is in the process {process!r}, which "
                       f"version {to_version} no longer calls")
        elif new is None:
            message = f"{_label(old)} is not in version {to_version}"
        elif _kind(new) != _kind(old):
            message = (f"{_label(old)} is a {_kind(new)} in version "
                       f"{to_version}")
        else:
            continue
        result.problems.append({"element_id": old.bpmn_id, "message": message})
    result.waiting_at = sorted(set(result.waiting_at))
    return result


def _cut_out(workflow, removed: list) -> None:
    """Take finished tasks whose element is gone out of the tree, keeping their children."""
    for task in removed:
        if not task.has_state(FINISHED):
            element = task.task_spec.bpmn_id or task.task_spec.name
            raise workflows.EngineError(
                f"{element} is still under way and is not in the new version")
        parent = task.parent
        if task.id in workflow.top_workflow.subprocesses:
            workflow.top_workflow.delete_subprocess(task)
        at = parent._children.index(task.id)
        parent._children[at:at + 1] = task._children
        for child in task.children:
            child._parent = parent.id
        del workflow.tasks[task.id]
        if workflow.last_task is task:
            workflow.last_task = parent


def forget_dropped_events(workflow: BpmnWorkflow) -> None:
    """SpiffWorkflow 3.2 resets a branch without telling its event manager, which then still
    holds the waiting events the reset dropped (and fails on them when timers are next
    refreshed): take them out."""
    manager = workflow.event_manager
    for task_id, task in list(manager.tasks.items()):
        if task.workflow.tasks.get(task_id) is not task:
            manager.remove_task(task)


def _waited_since(task) -> datetime:
    return datetime.fromtimestamp(task.last_state_change, UTC)


def _carry(diff: WorkflowDiff, workflow, spec) -> None:
    """Move one (sub)workflow onto `spec` (see the module's note)."""
    _cut_out(workflow, diff.removed)
    workflow.spec = spec
    for task in workflow.tasks.values():
        if diff.alignment.get(task) is not None:
            task.task_spec = diff.alignment[task]
    for task in list(workflow.get_tasks(state=TaskState.READY | TaskState.WAITING,
                                        skip_subprocesses=True)):
        if task.id not in workflow.tasks:  # gone with a branch reset before it
            continue
        with engine_time(_waited_since(task)):
            task.reset_branch(dict(task.data))
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None


def migrate(workflow: BpmnWorkflow, new_spec, new_subprocess_specs: dict) -> None:
    """Move the workflow (and the processes it has called) onto the new specs, in place.

    Raises EngineError when the engine cannot carry it across; the caller then discards
    the workflow object (nothing is stored)."""
    registry = workflows.SERIALIZER.registry
    try:
        top, sub_diffs = diff_workflow(registry, workflow, new_spec, new_subprocess_specs)
        for sp_id, sub in list(workflow.subprocesses.items()):
            diff = sub_diffs.get(sp_id)
            if diff is None:
                if not sub.is_completed():
                    raise workflows.EngineError(
                        f"the called process {sub.spec.name!r} is not in the new version")
                continue  # a finished call; its task is cut out below if it went too
            _carry(diff, sub, new_subprocess_specs[sub.spec.name])
        _carry(top, workflow, new_spec)
        workflow.subprocess_specs = new_subprocess_specs
        for sp_id, sub in list(workflow.subprocesses.items()):
            if sub.spec.name not in new_subprocess_specs:  # finished, and no longer called
                workflow.delete_subprocess(workflow.get_task_from_id(sp_id))
        forget_dropped_events(workflow)
        broken = [t for t in workflow.get_tasks() if t.task_spec is None]
        if broken:
            raise workflows.EngineError("some steps have no element in the new version")
        workflows._run_engine(workflow)
    except workflows.EngineError:
        raise
    except Exception as exc:  # anything the engine raises means: this case cannot move
        raise workflows.EngineError(f"the engine could not move the case: {exc}") from exc
