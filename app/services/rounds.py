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
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from app.extensions import db
from app.models import HistoryEvent, HumanTask, TaskStatus
from app.services import forms, progress

# What a round needs of each earlier step: read as plain rows, not whole task objects, and
# newest first, a few at a time, only as far back as the answer needs. A case tracked for
# years has hundreds of completed steps; reading them all on every step made a step of an
# old case cost several times that step of a new one (bench/loop_growth.py).
_ROUND_COLUMNS = (HumanTask.id, HumanTask.name, HumanTask.completed_at,
                  HumanTask.submitted_data)
_BATCH = 20


def _stand_in(task) -> bool:
    return getattr(task, "instance_id", None) is None  # the stand-in rows of tests


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


def _done_query(task: HumanTask, *conditions):
    return db.select(*_ROUND_COLUMNS).where(
        HumanTask.instance_id == task.instance_id, HumanTask.status == TaskStatus.COMPLETED,
        HumanTask.id != task.id, HumanTask.completed_at.is_not(None), *conditions)


def _newest_first(task: HumanTask, until: datetime | None = None) -> Iterator:
    """The case's other completed steps (id, name, completed_at, submitted_data), the last
    completed first; only those completed by `until`, when given."""
    if _stand_in(task):
        rows = [t for t in task.instance.tasks
                if t.status == TaskStatus.COMPLETED and t.id != task.id and t.completed_at
                and (until is None or t.completed_at <= until)]
        yield from reversed(sorted(rows, key=lambda t: t.completed_at))
        return
    bound = [] if until is None else [HumanTask.completed_at <= until]
    while True:
        query = _done_query(task, *bound)
        batch = list(db.session.execute(
            query.order_by(HumanTask.completed_at.desc()).limit(_BATCH)))
        if not batch:
            return
        oldest = batch[-1].completed_at
        if len(batch) == _BATCH:  # rows sharing the oldest moment may lie past the limit
            batch = [row for row in batch if row.completed_at > oldest] + list(
                db.session.execute(query.where(HumanTask.completed_at == oldest)))
        order = _tie_order(task.instance_id, batch)
        yield from sorted(batch, key=lambda t: (t.completed_at, order.get(t.id, 0)),
                          reverse=True)
        bound = [HumanTask.completed_at < oldest]


def _first_round_at(task: HumanTask) -> datetime | None:
    """When an earlier round of this same step was first completed (None: this is the first)."""
    if _stand_in(task):
        return min((t.completed_at for t in task.instance.tasks
                    if t.name == task.name and t.id != task.id
                    and t.status == TaskStatus.COMPLETED and t.completed_at), default=None)
    return db.session.scalar(db.select(db.func.min(HumanTask.completed_at)).where(
        HumanTask.instance_id == task.instance_id, HumanTask.name == task.name,
        HumanTask.status == TaskStatus.COMPLETED, HumanTask.id != task.id))


def _answerable(task: HumanTask, values: dict[str, Any]) -> set[str]:
    """The keys of `values` this step's form can submit (all of them when it has no form)."""
    if _stand_in(task):
        return set(values)
    properties = (forms.task_form(task) or {}).get("properties")
    return set(values) if properties is None else set(values) & set(properties)


def own_earlier_answers(task: HumanTask, values: dict[str, Any]) -> set[str]:
    """The keys of `values` still holding what an earlier round of this same step submitted,
    which no other step has submitted since.

    Read newest first, and only until every key the step can answer has found who wrote it
    last, or the step's first round is passed: a key is this step's only if one of its rounds
    wrote it, so nothing older can make it so."""
    first = _first_round_at(task)
    unresolved = _answerable(task, values) if first is not None else set()
    own = set()
    for row in (_newest_first(task) if unresolved else ()):
        if row.completed_at < first:
            break
        submitted = row.submitted_data or {}
        for key in unresolved & set(submitted):
            unresolved.discard(key)
            if row.name == task.name and values[key] == submitted[key]:
                own.add(key)
        if not unresolved:
            break
    return own


def returned_by(task: HumanTask) -> HumanTask | None:
    """The completed step that sent the work straight back to this task to be amended (who
    returned it, when, and with what answers), or None."""
    spec = progress.model_for(task.instance).user_tasks.get(task.name)
    if spec is None or not spec.returned_from:
        return None
    first = _first_round_at(task)
    if first is None or first > task.created_at:  # no earlier round of this step before it
        return None
    last = next(_newest_first(task, until=task.created_at), None)
    if last is None or last.name not in spec.returned_from:
        return None
    return last if _stand_in(task) else db.session.get(HumanTask, last.id)


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
