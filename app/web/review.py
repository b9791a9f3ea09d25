"""Reviewers see what they review first: a review, sign-off or decision step opens with the
request as a check-answers summary, what changed since the last round marked, then the form.

A step is a review when its diagram keeps it apart from someone (`separateFrom`: a reviewer
must not review their own request), its UI schema says so (`"ui:review": true`), or its form
records an outcome or decision. The request is the latest round of the case's first step; the
last round is the round of that step before it.
"""
from __future__ import annotations

from collections.abc import Mapping

from app.models import HumanTask, TaskStatus
from app.services import forms, progress
from app.web import form_render
from app.web.display import long_date

_DECIDING = ("outcome", "decision")


def is_review(task: HumanTask) -> bool:
    spec = progress.model_for(task.instance).user_tasks.get(task.name)
    if spec is not None and spec.separate_from:
        return True
    if forms.task_form(task, ui=True).get("ui:review") is True:
        return True
    names = forms.task_form(task).get("properties") or {}
    return any(word in name for name in names for word in _DECIDING)


def _rounds(task: HumanTask) -> list[HumanTask]:
    done = sorted((t for t in task.instance.tasks
                   if t.status == TaskStatus.COMPLETED and t.completed_at and t.id != task.id),
                  key=lambda t: t.completed_at)
    if not done:
        return []
    first = done[0].name  # the request: the step the case began with
    return [t for t in done if t.name == first and t.name != task.name]


def _rows(schema: Mapping, ui: Mapping, data: Mapping, before: Mapping | None) -> list[dict]:
    rows = []
    props = schema.get("properties") or {}
    order = [k for k in ui.get("ui:order") or [] if k in props]  # as the form asked them
    for key in order + [k for k in props if k not in order]:
        if key not in data and not (before and key in before):
            continue
        now = form_render.summarise(schema, {key: data[key]}, ui) if key in data else []
        then = (form_render.summarise(schema, {key: before[key]}, ui)
                if before and key in before else [])
        title = (now or then or [(key, "")])[0][0]
        changed = before is not None and data.get(key) != before.get(key)
        rows.append({"key": title, "value": now[0][1] if now else "Not answered",
                     "changed": changed, "was": (then[0][1] if then else "Not answered")
                     if changed else None})
    return rows


def request_under_review(task: HumanTask) -> dict | None:
    """The request as the reviewer reads it first, or None when this is not a review."""
    if task.status != TaskStatus.READY or not is_review(task):
        return None
    rounds = _rounds(task)
    if not rounds:
        return None
    latest, previous = rounds[-1], (rounds[-2] if len(rounds) > 1 else None)
    schema, ui = forms.task_form(latest), forms.task_form(latest, ui=True)
    rows = _rows(schema, ui, latest.submitted_data or {},
                 (previous.submitted_data or {}) if previous else None)
    return {"title": latest.title, "when": long_date(latest.completed_at),
            "by": latest.completed_by, "round": len(rounds), "rows": rows,
            "changed": sum(1 for r in rows if r["changed"]),
            "previous_when": long_date(previous.completed_at) if previous else None}
