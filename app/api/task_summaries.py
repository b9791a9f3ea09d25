"""A case's task summaries for a response, read as plain rows and built without marshmallow.

The contract's instance lists every task of the case, ready and completed. A case tracked for
years has hundreds; loading each as a full task object and dumping it through the TaskSummary
schema made completing a step of a years-old case several times dearer than the same step of
a new one (bench/loop_growth.py). These are the same dictionaries `schemas.TaskSummary` makes
(tests/api/test_task_summaries.py holds them equal), from only the columns it shows.
"""
from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import HumanTask

# (key in the summary, column), in TaskSummary's order.
_FIELDS = (
    ("id", HumanTask.id), ("instance_id", HumanTask.instance_id),
    ("process_model", HumanTask.process_key), ("name", HumanTask.name),
    ("title", HumanTask.title), ("role", HumanTask.role), ("assignee", HumanTask.assignee),
    ("status", HumanTask.status), ("created_at", HumanTask.created_at),
    ("due_at", HumanTask.due_at), ("due_rule", HumanTask.due_rule),
    ("subject", HumanTask.subject), ("completed_at", HumanTask.completed_at),
    ("completed_by", HumanTask.completed_by),
)
_KEYS = tuple(key for key, _ in _FIELDS)


def _json(value):
    return value.isoformat() if isinstance(value, datetime) else value


def for_instance(instance_id: str) -> list[dict]:
    """Every task of the case as `schemas.TaskSummary` would dump it, in the order of the
    instance's `tasks` relationship (created_at)."""
    rows = db.session.execute(db.select(*(column for _, column in _FIELDS))
                              .where(HumanTask.instance_id == instance_id)
                              .order_by(HumanTask.created_at))
    return [dict(zip(_KEYS, map(_json, row), strict=True)) for row in rows]
