"""What the case already knows, offered as answers so nobody types it twice: the child's name,
reference, date of birth and age, and the case's allocated social worker.

A form question takes a fact when its name is one of the fact's names below and its type fits;
a draft, or an answer the step already has (an earlier round, the case's data), wins.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.extensions import db
from app.models import User

# The fact -> the names a form may give the question.
NAMES = {
    "name": ("child_name", "child_full_name", "name_of_child"),
    "child_ref": ("child_ref", "child_reference"),
    "date_of_birth": ("date_of_birth", "child_date_of_birth", "dob", "child_dob"),
    "age": ("child_age", "age", "age_of_child"),
    "allocated_worker": ("allocated_worker", "allocated_social_worker", "social_worker_name"),
}


def _age(born: str | None, today: date) -> int | None:
    try:
        day = date.fromisoformat(str(born))
    except ValueError:
        return None
    years = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
    return years if years >= 0 else None


def facts(instance, today: date | None = None) -> dict[str, Any]:
    subject = instance.subject or {}
    found: dict[str, Any] = {k: subject.get(k) for k in ("name", "child_ref", "date_of_birth")}
    found["age"] = _age(subject.get("date_of_birth"), today or date.today())
    # The case's allocated social worker (set at start, changed by the team manager), by name;
    # not whoever started the case, who may be a manager, an administrator or the service.
    worker = getattr(instance, "allocated_worker", None)
    if worker:
        user = db.session.scalar(db.select(User).where(User.username == worker))
        found["allocated_worker"] = user.display_name if user else None
    return {k: v for k, v in found.items() if v not in (None, "")}


def _fits(prop: Mapping, value: Any) -> bool:
    kind = prop.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if isinstance(value, int):
        return bool({"integer", "number"} & set(kinds))
    return "string" in kinds or kind is None


def prefill(schema: Mapping, instance, values: dict) -> dict:
    """`values` with the case's facts added for the form's unanswered matching questions."""
    props = (schema or {}).get("properties") or {}
    known = facts(instance)
    out = dict(values)
    for fact, names in NAMES.items():
        if fact not in known:
            continue
        for name in names:
            prop = props.get(name)
            if isinstance(prop, Mapping) and name not in out and _fits(prop, known[fact]):
                out[name] = known[fact]
    return out
