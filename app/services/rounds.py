"""A step that comes round again: what it opens with, and what it no longer records.

Loops are common: a reviewer returns a request and reviews the resubmission; a panel defers
and decides again at the next meeting; a visit or a tracking meeting recurs. Each round of a
step is a new judgement, so it opens with what the case knows now *except* the answers this
step itself gave in an earlier round (its last outcome and comments), and whatever of its own
form it leaves unanswered this time is cleared rather than inherited from that round.

One kind of round is different: a request sent straight back to the step that wrote it, to be
amended (see `parsing.returns_into`). That step opens with its own answers, to change.

A field belongs to whichever step submitted it last: when a reviewer's form also shows a
field that the requester wrote and has since resubmitted, the value is the requester's.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from app.extensions import db
from app.models import HistoryEvent, HumanTask, TaskStatus
from app.services import progress

# What a round needs of each earlier step: read as plain rows, not whole task objects. A case
# tracked for years has hundreds of completed steps; loading each with every column (and
# every JSON document) made a step of an old case cost several times that step of a new one.
_ROUND_COLUMNS = (HumanTask.id, HumanTask.name, HumanTask.completed_at,
                  HumanTask.submitted_data)


def _tie_order(instance_id: str, rows: list) -> dict[str, int]:
    """The history's order of completion for the rows sharing a timestamp (a frozen clock, a
    fast machine): the history, never the database's row order, breaks the tie. Only tied
    rows are looked up, so an old case's whole history is not read on every step."""
    times = Counter(row.completed_at for row in rows)
    tied = [row.id for row in rows if times[row.completed_at] > 1]
    if not tied:
        return {}
    return dict(db.session.execute(
        db.select(HistoryEvent.task_id, db.func.max(HistoryEvent.id)).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.event == "completed",
            HistoryEvent.task_id.in_(tied)).group_by(HistoryEvent.task_id)).all())


def _done(task: HumanTask) -> list:
    """The case's other completed steps (id, name, completed_at, submitted_data), in the
    order they were completed."""
    instance_id = getattr(task, "instance_id", None)
    if instance_id is None:  # stand-in rows in tests
        rows = [t for t in task.instance.tasks
                if t.status == TaskStatus.COMPLETED and t.id != task.id and t.completed_at]
        order: dict[str, int] = {}
    else:
        rows = list(db.session.execute(db.select(*_ROUND_COLUMNS).where(
            HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.COMPLETED,
            HumanTask.id != task.id, HumanTask.completed_at.is_not(None))))
        order = _tie_order(instance_id, rows)
    return sorted(rows, key=lambda t: (t.completed_at, order.get(t.id, 0)))


def own_earlier_answers(task: HumanTask, values: dict[str, Any]) -> set[str]:
    """The keys of `values` still holding what an earlier round of this same step submitted,
    which no other step has submitted since."""
    last_writer: dict = {}
    for earlier in _done(task):
        for key in earlier.submitted_data or {}:
            last_writer[key] = earlier
    return {key for key, writer in last_writer.items()
            if writer.name == task.name and key in values
            and values[key] == (writer.submitted_data or {}).get(key)}


def returned_by(task: HumanTask) -> HumanTask | None:
    """The completed step that sent the work straight back to this task to be amended (who
    returned it, when, and with what answers), or None."""
    spec = progress.model_for(task.instance).user_tasks.get(task.name)
    if spec is None or not spec.returned_from:
        return None
    before = [t for t in _done(task) if t.completed_at <= task.created_at]
    if not before or not any(t.name == task.name for t in before):
        return None
    if before[-1].name not in spec.returned_from:
        return None
    if getattr(task, "instance_id", None) is None:  # a stand-in
        return before[-1]
    return db.session.get(HumanTask, before[-1].id)


def returned_to_amend(task: HumanTask) -> bool:
    """Whether the step that led to this task sent the work straight back to it."""
    return returned_by(task) is not None


def prefill(task: HumanTask) -> dict[str, Any]:
    """What a ready task opens with: the case's data, less this step's own earlier answers
    unless it was returned to be amended. (A draft saved in this round wins over this.)"""
    data = dict(task.instance.data or {})
    if returned_to_amend(task):
        return data
    for key in own_earlier_answers(task, data):
        del data[key]
    return data


def unanswered_own(task: HumanTask, values: dict[str, Any], submitted: dict) -> set[str]:
    """Keys to clear when the task completes with `submitted`: answers an earlier round of
    this step gave that this round left out."""
    return own_earlier_answers(task, values) - set(submitted)
