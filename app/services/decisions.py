"""A panel's decision goes out the same day (CTMP's rule: "emailed to the Social Worker ... on
the day of the panel"): when a step the diagram marks as a decision (decisionOutcome) is done,

* the decision and its conditions are made into a PDF kept with the case's documents;
* whoever the step's `decisionNotify` names (the case's initiator, the child's allocated social
  worker `case_allocated_worker`, the case's team manager, a
  role such as commissioning_officer, each perhaps "... if <condition on the case's data>")
  gets a notice, emailed at once through the one channel (services/notify.py): the email
  says which pathway and links to the case, never the child's name or reference;
* a `decision.recorded` webhook event is queued for the case systems (services/webhooks.py).

All in the transaction that records the decision: nothing goes unless it is committed.
"""
from __future__ import annotations

import logging
from typing import Any

from app.engine import workflows
from app.engine.parsing import UserTaskSpec
from app.engine.working_days import LONDON
from app.extensions import db
from app.models import (
    Document,
    HumanTask,
    Notification,
    NotificationKind,
    ProcessInstance,
    Role,
    User,
    WebhookEvent,
    utcnow,
)
from app.services import access, forms, letters, notify, progress, reminders, webhooks

log = logging.getLogger(__name__)
KIND = NotificationKind.DECISION  # the notice's kind, and the kept PDF's
INITIATOR, TEAM_MANAGER = "initiator", "team_manager"


def _words(task: HumanTask, field: str | None, value: Any) -> str:
    """An answer as the form shows it (a choice's title), else as given."""
    if value in (None, ""):
        return "not recorded"
    prop = ((forms.task_form(task) or {}).get("properties") or {}).get(field or "") or {}
    for choice in prop.get("oneOf") or []:
        if isinstance(choice, dict) and choice.get("const") == value:
            return str(choice.get("title") or value)
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return str(value)


def _people_in_role(role: str, instance: ProcessInstance) -> list[str]:
    people = db.session.scalars(db.select(User).join(User.roles).where(
        Role.key == role, User.active)).all()
    if role in access.team_bound_roles():  # a social worker of the case's own team only
        people = [p for p in people if instance.team in access.member_teams(p)]
    return [p.username for p in people]


def _named(entry: str, instance: ProcessInstance, data: dict) -> list[str]:
    who, _, condition = entry.partition(" if ")
    who = who.strip()
    if condition.strip():
        try:
            if not workflows.SCRIPT_ENGINE.environment.evaluate(condition.strip(), dict(data)):
                return []
        except Exception:  # a condition that cannot be worked out names nobody  # noqa: BLE001
            log.warning("decisionNotify condition failed on case %s", instance.id)
            return []
    if who == INITIATOR:
        return [instance.started_by]
    if who == progress.ALLOCATED_WORKER:  # the child's social worker, as assignTo names them
        return [instance.allocated_worker] if instance.allocated_worker else []
    if who == TEAM_MANAGER:
        return [u.username for u in db.session.scalars(
            db.select(User).join(User.roles).where(Role.key == TEAM_MANAGER, User.active))
            if instance.team in access.managed_teams(u)]
    return _people_in_role(who, instance)


def recipients(spec: UserTaskSpec, instance: ProcessInstance, data: dict) -> list[str]:
    """Everyone the step's decisionNotify names, each once, in the diagram's order."""
    found: list[str] = []
    for entry in spec.decision_notify:
        for name in _named(entry, instance, data):
            if name not in found:
                found.append(name)
    return found


def _pdf(instance: ProcessInstance, task: HumanTask, spec: UserTaskSpec, decided_by: User,
         data: dict) -> Document:
    fields = spec.decision_fields or {}
    today = utcnow().astimezone(LONDON)
    subject = instance.subject or {}
    lines = [f"Pathway: {notify.pathway_name(instance.process_key)}",
             f"Child: {subject.get('name') or '-'} ({instance.child_ref or 'no reference'})",
             f"Step: {task.title}",
             f"Recorded by: {decided_by.display_name} on {today.day} {today:%B %Y}, "
             f"{today:%H:%M}", "",
             f"Decision: {_words(task, fields.get('outcome'), data.get(fields['outcome']))}"]
    if fields.get("conditions"):
        said = _words(task, fields["conditions"], data.get(fields["conditions"]))
        lines.append(f"Conditions and comments: {said}")
    if fields.get("review_date") and data.get(fields["review_date"]):
        lines.append(f"Return or review: {data[fields['review_date']]}")
    for action in data.get(fields.get("actions") or "", None) or []:
        lines.append(f"Action: {action}")
    title = f"Decision: {task.title}"
    document = Document(instance_id=instance.id, kind=KIND, title=title, task_id=task.id,
                        filename=f"decision-{today.date().isoformat()}.pdf",
                        content=letters.to_pdf(title, "\n".join(lines) + "\n"),
                        uploaded_by=decided_by.username)
    db.session.add(document)
    return document


def recorded(user: User, instance: ProcessInstance, task: HumanTask, spec: UserTaskSpec,
             data: dict, case_data: dict | None = None) -> Document:
    """The decision step `task` was just done with `data` (the case's data then, with the
    answers, is `case_data`: decisionNotify's conditions read it): keep it, tell people,
    tell the case systems. Returns the kept PDF."""
    fields = spec.decision_fields or {}
    decision = {key: data.get(field) for key, field in fields.items()}
    document = _pdf(instance, task, spec, user, data)
    outcome = _words(task, fields.get("outcome"), decision.get("outcome"))
    case = reminders._case(task)  # noqa: SLF001 - the inbox names the child; email never
    message = f"Decision recorded for {case}: {outcome} (“{task.title}”)."
    for username in recipients(spec, instance, {**(case_data or {}), **data}):
        db.session.add(Notification(username=username, task=task, task_id=task.id,
                                    instance_id=instance.id, kind=KIND, message=message,
                                    created_at=utcnow()))
    webhooks.enqueue(WebhookEvent.DECISION_RECORDED, instance,
                     step={"id": task.id, "name": task.name, "title": task.title},
                     decision=decision)
    return document


@notify.renders(KIND)
def _email(note: Notification, task: HumanTask | None):
    """What the decision's email says: the pathway, the outcome, and a link to the case (the
    page says who, and holds the PDF). Never the child's name or reference."""
    instance = db.session.get(ProcessInstance, note.instance_id)
    pathway = notify.pathway_name(instance.process_key) if instance else "a pathway"
    fields = {"pathway": pathway, "step": task.title if task else "the decision",
              "link": notify.link(f"/cases/{note.instance_id}")}
    outcome = ""
    if task is not None and instance is not None:
        spec_fields = _decision_fields(instance, task)
        if spec_fields.get("outcome"):
            outcome = _words(task, spec_fields["outcome"],
                             (task.submitted_data or {}).get(spec_fields["outcome"]))
    fields["outcome"] = outcome or "recorded"
    body = (f"A panel's decision has been recorded today ({pathway}): {fields['outcome']}."
            f"\n\nThe decision and any conditions are on the case, with a PDF copy: "
            f"{fields['link']}\n")
    return "decision", f"Panel decision: {pathway}", body, fields


def _decision_fields(instance: ProcessInstance, task: HumanTask) -> dict[str, str]:
    spec = progress.model_for(instance).user_tasks.get(task.name)
    return (spec.decision_fields or {}) if spec else {}
