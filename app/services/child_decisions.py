"""What other panels have decided for the same child, for a diagram's `panel_decisions(...)`.

Some agreements depend on another forum's: a joint-funded high-cost placement must be agreed
at MARP before Placement Forum may agree it (the council's terms of reference for MARP). The
deciding panel's recorded decisions (each agenda item's decision) are the evidence, found by
the child's reference, so a pathway never relies on a reference typed into a form.
"""
from __future__ import annotations

from app.engine.working_days import LONDON
from app.extensions import db
from app.models import Meeting, MeetingItem, ProcessInstance
from app.services import panels


def for_child(child_ref: str | None, panel_key: str, fields: list[str] | None = None,
              excluding: str | None = None) -> list[dict]:
    """The panel's recorded decisions on this child's cases, the newest meeting first."""
    if not child_ref:
        return []
    rows = db.session.execute(
        db.select(MeetingItem.decision, Meeting.starts_at, ProcessInstance.id,
                  ProcessInstance.data)
        .join(Meeting, MeetingItem.meeting_id == Meeting.id)
        .join(ProcessInstance, MeetingItem.instance_id == ProcessInstance.id)
        .where(Meeting.panel_key == panel_key, MeetingItem.decision.is_not(None),
               ProcessInstance.child_ref == child_ref, ProcessInstance.id != (excluding or ""))
        .order_by(Meeting.starts_at.desc()))
    found = []
    for decision, starts_at, case_id, data in rows:
        entry = {"outcome": (decision or {}).get("outcome"),
                 "conditions": (decision or {}).get("conditions"),
                 "decided_on": starts_at.astimezone(LONDON).date().isoformat(), "case": case_id}
        entry.update({name: (data or {}).get(name) for name in fields or []})
        found.append(entry)
    return found


def for_current_child(panel_key: str, fields: list[str] | None = None) -> list[dict]:
    """What a diagram's `panel_decisions(...)` runs, for the case whose step is running."""
    instance_id = panels.current_instance.get()
    instance = db.session.get(ProcessInstance, instance_id) if instance_id else None
    if instance is None:
        raise RuntimeError("panel_decisions() can only run within a case's step")
    return for_child(instance.child_ref, panel_key, fields, excluding=instance.id)
