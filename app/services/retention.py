"""Retention (issue 20, part 5): which closed cases are past their pathway's rule, and
deleting one on an administrator's word.

The rule is the pathway's own, set in its diagram (engine/parsing.py `retention_rule`). A
case follows the rule of its pathway's newest deployed version, not of the version it ran
on: retention is information governance's policy for the records, and a rule changed today
applies to the records kept today.

The scheduled job (`mark_due`, with the timers) only lists; nothing is deleted until an
administrator confirms (`delete`). A deletion is one transaction per case: the case, its
steps, answers, drafts, history, documents, letters, notices and meeting listings go, an
anonymised trace (months, step counts and durations, the decision's code) stays for
statistics, and the audit trail records who deleted which case id. The stored files go
after the commit, so a failed deletion never loses a file of a case that is kept.

Audit rows that name the child's reference are kept as they are: the audit trail is
append-only (migration 0004's triggers), it names a reference, never a name, and it is the
record that shows who looked at a child's file, which information governance may still need
after the file itself is gone (domain.md: councils discipline staff for browsing).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime

from flask import current_app

from app.extensions import db
from app.models import (
    AuditEvent,
    Document,
    HistoryEvent,
    HumanTask,
    InstanceStatus,
    MeetingItem,
    MeetingPack,
    Notification,
    PaperRead,
    PendingDraft,
    ProcessInstance,
    ProcessModelVersion,
    RetentionDue,
    RetentionTrace,
    TaskStatus,
    User,
    utcnow,
)
from app.services import progress, storage
from app.services.errors import Forbidden, Invalid

log = logging.getLogger(__name__)
_LAST_MARKED = "panelflow.retention_marked_on"
CLOSED = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)
DELETERS = frozenset({"administrator"})
# Where a case may hold the child's date of birth: its subject, or an answer of that name.
BIRTH_NAMES = ("date_of_birth", "child_date_of_birth", "dob", "child_dob")


def may_delete(user: User) -> bool:
    return bool(user.role_keys & DELETERS)


def rule_words(rule: dict | None) -> str:
    if not rule:
        return "No rule: kept"
    if "years_after_close" in rule:
        years = rule["years_after_close"]
        return f"{years} year{'' if years == 1 else 's'} after the case closed"
    if "until_age" in rule:
        return f"Until the child's {_ordinal(rule['until_age'])} birthday"
    return "Unknown rule"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one: the day after 28 February
        return date(day.year + years, 3, 1)


def date_of_birth(instance: ProcessInstance) -> date | None:
    for source in (instance.subject or {}, instance.data or {}):
        for name in BIRTH_NAMES:
            try:
                return date.fromisoformat(str(source[name])[:10])
            except (KeyError, ValueError):
                continue
    return None


def due_date(instance: ProcessInstance, rule: dict | None) -> datetime | None:
    """When the closed case's records may be deleted by `rule`; None while it is open, has
    no rule, or the rule needs a date the case does not hold (a birthday with no date of
    birth: kept, never guessed)."""
    if not rule or instance.status not in CLOSED or instance.completed_at is None:
        return None
    if "years_after_close" in rule:
        day = _years_later(instance.completed_at.date(), int(rule["years_after_close"]))
    elif "until_age" in rule:
        born = date_of_birth(instance)
        if born is None:
            return None
        day = _years_later(born, int(rule["until_age"]))
    else:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def current_rules() -> dict[str, dict]:
    """{pathway: rule} from each pathway's newest version that sets one."""
    newest = (db.select(ProcessModelVersion.key, db.func.max(ProcessModelVersion.version)
                        .label("version")).group_by(ProcessModelVersion.key).subquery())
    rows = db.session.execute(db.select(ProcessModelVersion.key, ProcessModelVersion.retention)
                              .join(newest, (newest.c.key == ProcessModelVersion.key)
                                    & (newest.c.version == ProcessModelVersion.version)))
    return {key: rule for key, rule in rows if rule}


def mark_due(moment: datetime | None = None) -> list[str]:
    """The scheduled job: list every closed case now past its pathway's rule for an
    administrator to confirm (and unlist one whose rule has since changed); returns the ids
    newly listed. Deletes nothing."""
    moment = moment or utcnow()
    rules = current_rules()
    listed = {row.instance_id: row for row in db.session.scalars(db.select(RetentionDue))}
    found = []
    closed = db.select(ProcessInstance).where(ProcessInstance.status.in_(CLOSED),
                                              ProcessInstance.process_key.in_(rules))
    for instance in db.session.scalars(closed):
        rule = rules.get(instance.process_key)
        due = due_date(instance, rule)
        row = listed.pop(instance.id, None)
        if due is None or due > moment:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            db.session.add(RetentionDue(instance_id=instance.id, rule=rule, due_since=due,
                                        found_at=moment))
            found.append(instance.id)
        else:
            row.rule, row.due_since = rule, due
    for row in listed.values():  # its pathway's rule has since been taken out: kept
        db.session.delete(row)
    db.session.commit()
    return found


def mark_due_daily(moment: datetime | None = None) -> list[str] | None:
    """`mark_due` at the first scheduler pass of each day in this process (it reads every
    closed case, and a rule counts whole days); None when it already ran today."""
    moment = moment or utcnow()
    day = moment.date()
    if current_app.extensions.get(_LAST_MARKED) == day:
        return None
    found = mark_due(moment)
    current_app.extensions[_LAST_MARKED] = day
    return found


def due_list() -> list[dict]:
    """What the administrator sees: each case due, oldest first."""
    rows = db.session.execute(
        db.select(RetentionDue, ProcessInstance, ProcessModelVersion.name)
        .join(ProcessInstance, ProcessInstance.id == RetentionDue.instance_id)
        .join(ProcessModelVersion, ProcessModelVersion.id == ProcessInstance.model_version_id)
        .order_by(RetentionDue.due_since, ProcessInstance.id))
    return [{"instance_id": instance.id, "child_ref": instance.child_ref,
             "pathway": name, "process_key": instance.process_key,
             "closed_at": instance.completed_at, "rule": due.rule,
             "rule_words": rule_words(due.rule), "due_since": due.due_since}
            for due, instance, name in rows]


def trace_counts() -> list[dict]:
    """Deleted cases by pathway and outcome, from their anonymised traces (statistics)."""
    rows = db.session.execute(
        db.select(RetentionTrace.process_key, RetentionTrace.outcome,
                  db.func.count(), db.func.max(RetentionTrace.deleted_month))
        .group_by(RetentionTrace.process_key, RetentionTrace.outcome)
        .order_by(RetentionTrace.process_key, RetentionTrace.outcome))
    return [{"process_key": key, "outcome": outcome, "count": count, "last_month": last}
            for key, outcome, count, last in rows]


def _month(moment: datetime | None) -> str | None:
    return f"{moment:%Y-%m}" if moment else None


def _days(start: datetime | None, end: datetime | None) -> int | None:
    return (end - start).days if start and end else None


def _trace(instance: ProcessInstance, rule: dict | None, moment: datetime) -> RetentionTrace:
    tasks = list(db.session.scalars(db.select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.COMPLETED)))
    step_days: dict[str, list[int]] = {}
    for task in sorted(tasks, key=lambda t: t.completed_at or t.created_at):
        step_days.setdefault(task.name, []).append(_days(task.created_at, task.completed_at) or 0)
    decisions = [item.decision for item in db.session.scalars(
        db.select(MeetingItem).where(MeetingItem.instance_id == instance.id)
        .order_by(MeetingItem.listed_at)) if item.decision]
    outcome = decisions[-1].get("outcome") if decisions else None
    return RetentionTrace(
        process_key=instance.process_key, model_version=instance.model_version.version,
        status=instance.status,
        # A decision's code (e.g. "approved"), never free text that could name someone.
        outcome=outcome if isinstance(outcome, str) and outcome.isidentifier()
        and len(outcome) <= 80 else None,
        started_month=_month(instance.started_at), closed_month=_month(instance.completed_at),
        days_open=_days(instance.started_at, instance.completed_at), steps_done=len(tasks),
        step_days=step_days, rule=rule, deleted_month=_month(moment))


def _delete_one(actor: User, instance: ProcessInstance, rule: dict | None,
                moment: datetime) -> list[str]:
    """Delete one case's records in the session; returns the storage keys to remove."""
    keys = [key for key in db.session.scalars(db.select(Document.storage_key).where(
        Document.instance_id == instance.id)) if key]
    # A meeting's pack quotes every case on it: a pack naming this case goes (the meeting's
    # administrator can publish it again without the case).
    packs = [pack for pack in db.session.scalars(db.select(MeetingPack))
             if instance.id in (pack.instance_ids or [])]
    keys += [pack.storage_key for pack in packs if pack.storage_key]
    db.session.add(_trace(instance, rule, moment))
    task_ids = db.select(HumanTask.id).where(HumanTask.instance_id == instance.id)
    for statement in (
            db.delete(Notification).where((Notification.instance_id == instance.id)
                                          | Notification.task_id.in_(task_ids)),
            db.delete(PendingDraft).where(PendingDraft.task_id.in_(task_ids)),
            db.delete(PaperRead).where(PaperRead.instance_id == instance.id),
            db.delete(MeetingItem).where(MeetingItem.instance_id == instance.id),
            db.delete(Document).where(Document.instance_id == instance.id),
            db.delete(HistoryEvent).where(HistoryEvent.instance_id == instance.id),
            db.delete(HumanTask).where(HumanTask.instance_id == instance.id),
            db.delete(RetentionDue).where(RetentionDue.instance_id == instance.id)):
        db.session.execute(statement, execution_options={"synchronize_session": False})
    for pack in packs:
        db.session.delete(pack)
    db.session.execute(db.delete(ProcessInstance).where(ProcessInstance.id == instance.id),
                       execution_options={"synchronize_session": False})
    # Written here, not by app/audit.py's after-request hook, so the deletion and its record
    # commit together. The case's id and pathway, never the child.
    db.session.add(AuditEvent(
        at=moment, actor=actor.username, action="change", object_type="retention_deletion",
        object_id=instance.id, child_ref=None, method="POST", path="retention",
        detail={"pathway": instance.process_key, "rule": rule}))
    return keys


def delete(actor: User, instance_ids: Iterable[str]) -> list[str]:
    """Delete each listed case the administrator confirmed, one transaction each; returns
    the ids deleted. A case not listed as due, or no longer due, is left alone."""
    if not may_delete(actor):
        raise Forbidden("Only an administrator deletes records")
    wanted = list(dict.fromkeys(instance_ids))
    if not wanted:
        message = "Select the cases to delete"
        raise Invalid(message, {"instance_ids": [message]})
    deleted = []
    rules = current_rules()  # the rule now, should it have changed since the case was listed
    for instance_id in wanted:
        moment = utcnow()
        # Locked as a step locks it: a second administrator confirming the same case at once
        # waits, then finds it gone and deletes (and traces) nothing twice.
        instance = progress.lock(instance_id)
        due = db.session.get(RetentionDue, instance_id)
        rule = rules.get(instance.process_key) if instance is not None else None
        when = due_date(instance, rule) if instance is not None else None
        if due is None or when is None or when > moment:
            db.session.commit()  # only the lock taken
            continue
        keys = _delete_one(actor, instance, rule, moment)
        # Deleted by statements: their loaded objects must not be flushed or refreshed.
        for loaded in list(db.session.identity_map.values()):
            if loaded is instance or loaded is due or (
                    isinstance(loaded, HumanTask | Document | MeetingItem | HistoryEvent)
                    and loaded.instance_id == instance_id):
                db.session.expunge(loaded)
        db.session.commit()
        deleted.append(instance_id)
        for key in keys:
            try:
                storage.store().delete(key)
            except Exception as exc:  # the row is gone; an orphan file is logged, not fatal
                log.warning("a deleted case's file was not removed: %s", type(exc).__name__)
    return deleted
