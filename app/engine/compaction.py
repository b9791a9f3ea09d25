"""Compaction: drop the finished part of a workflow's task tree that the engine no longer needs.

SpiffWorkflow never forgets a task: every pass round a loop adds new tasks beneath the old
ones (each with its own copy of the data), so a case tracked weekly for a year would carry
every week's tree, and every load and save would cost more as the case aged. The case's
history is in `history_events`; the engine needs only:

- every unfinished task (ready, waiting, started and the predicted ones), and each one's
  parent: a task inherits its data from its parent, a waiting timer re-reads it, and a
  parallel or inclusive join looks at its own parent's state for each incoming flow;
- the split a structured join looks for among its ancestors (boundary-event joins), and the
  nearest ancestor of each input of a parallel or inclusive join not yet passed;
- the latest completed round of each manual step and its parent, with the siblings of a
  boundary-event split it hangs from: what `reset_from_task_id` (send back) resets to;
- the last task run, the root, and any task where two kept branches part.

Everything else is removed; a kept task's parent becomes its nearest kept ancestor, so
ancestry among kept tasks is unchanged (joins and resets walk ancestors). The serializer
stores each task's data as a change from its parent's, worked out at save time from the live
tree, so re-parenting keeps the data exact. Subprocesses are compacted the same way and those
of removed call activities are deleted with them.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState


def compact(workflow) -> int:
    """Compact the top workflow and its subprocesses in place; returns the tasks removed."""
    removed = _compact_one(workflow, workflow)
    for subprocess in list(workflow.subprocesses.values()):
        if subprocess.parent_task_id in _all_task_ids(workflow):
            removed += _compact_one(subprocess, workflow)
    return removed


def _all_task_ids(workflow) -> set:
    ids = set(workflow.tasks)
    for subprocess in workflow.subprocesses.values():
        ids |= set(subprocess.tasks)
    return ids


def _needed(wf) -> set:
    tasks = wf.tasks
    keep = {wf.task_tree.id}
    if wf.last_task is not None and wf.last_task.id in tasks:
        keep.add(wf.last_task.id)
    latest: dict[str, object] = {}
    for task in tasks.values():
        if not task.has_state(TaskState.FINISHED_MASK):
            keep.add(task.id)
            if task._parent is not None:
                keep.add(task._parent)
            split_name = getattr(task.task_spec, "split_task", None)
            if split_name and (split := task.find_ancestor(split_name)) is not None:
                keep.add(split.id)
            if isinstance(task.task_spec, UnstructuredJoin):
                keep |= _nearest_inputs(task)
        elif task.state == TaskState.COMPLETED and task.task_spec.manual:
            name = task.task_spec.name
            if name not in latest or task.last_state_change >= latest[name].last_state_change:
                latest[name] = task
    for task in latest.values():
        keep.add(task.id)
        parent = task.parent
        if parent is not None:
            keep.add(parent.id)
            if isinstance(parent.task_spec, BoundaryEventSplit):
                keep.update(child.id for child in parent.children)  # reset resets them all
                if parent._parent is not None:
                    keep.add(parent._parent)
    return keep


def _nearest_inputs(task) -> set:
    """For a join not yet passed: the nearest ancestor of each of its inputs. A parallel
    join in a loop walks up from its predicted next round to the first ancestor that is one
    of its inputs, and waits for ever if that ancestor is gone."""
    wanted, found = set(task.task_spec.inputs), set()
    ancestor = task.parent
    while ancestor is not None and wanted:
        if ancestor.task_spec in wanted:
            wanted.discard(ancestor.task_spec)
            found.add(ancestor.id)
        ancestor = ancestor.parent
    return found


def _compact_one(wf, top) -> int:
    tasks = wf.tasks
    if all(task.has_state(TaskState.FINISHED_MASK) for task in tasks.values()):
        return 0  # a finished process: nothing will run again, and it will not grow
    keep = _needed(wf)
    # Post-order over the tree (iterative: a year-old uncompacted case is thousands deep).
    order, stack = [], [wf.task_tree]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(child for child in task.children)
    below: dict = {}  # task id -> the nearest retained tasks in its subtree, in order
    retained = set()
    for task in reversed(order):
        found = [item for child_id in task._children for item in below.get(child_id, [])]
        branches = sum(1 for child_id in task._children if below.get(child_id))
        if task.id in keep or branches > 1:
            retained.add(task.id)
            task._children = [item.id for item in found]
            for item in found:
                item._parent = task.id
            below[task.id] = [task]
        else:
            below[task.id] = found
    removed = [task for task in order if task.id not in retained]
    for task in removed:
        if task.id in top.subprocesses:
            top.delete_subprocess(task)
    for task in removed:
        del tasks[task.id]
    if wf.last_task is not None and wf.last_task.id not in tasks:
        wf.last_task = None
    return len(removed)
