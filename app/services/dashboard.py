"""Figures for the "drift and delay" dashboard: what is in flight and overdue per forum, how
long requests take to reach a decision, late listings and decisions by outcome."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy.orm import aliased

from app.engine.specs import SPECS
from app.extensions import db
from app.models import (
    HumanTask,
    InstanceStatus,
    Meeting,
    MeetingItem,
    ProcessInstance,
    TaskStatus,
    User,
    utcnow,
)
from app.services import access, deployment

WINDOW = timedelta(weeks=12)
NO_TEAM = "No team"  # cases the service began itself, such as a panel's minutes


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (the smallest value with `share` of them at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def _decision_tasks() -> dict[str, set[str]]:
    """Per pathway, the steps whose completion is the forum's decision (they name
    decision fields in the diagram)."""
    found: dict[str, set[str]] = {}
    for version in deployment.all_latest():
        model = SPECS.get(version.id, version.content_hash, lambda v=version: v.bpmn_xml)
        found[version.key] = {name for name, spec in model.user_tasks.items()
                              if spec.decision_fields}
    return found


SYSTEM_ROLE = "system"  # the lane of pathways only the service itself begins


def figures(user: User) -> dict:
    now = utcnow()
    since = now - WINDOW
    visible = access.visible_instances(user)
    names = {v.key: v.name for v in deployment.all_latest()}
    in_flight = Counter(dict(db.session.execute(
        db.select(ProcessInstance.process_key, db.func.count()).where(
            visible, ProcessInstance.status.in_(InstanceStatus.OPEN))
        .group_by(ProcessInstance.process_key)).all()))
    # An alias: the visibility rule has its own correlated subquery on human_tasks.
    task = aliased(HumanTask)
    overdue_rows = db.session.execute(
        db.select(task.process_key, task.role, ProcessInstance.team)
        .join(ProcessInstance, task.instance_id == ProcessInstance.id)
        .where(visible, task.status == TaskStatus.READY, task.due_at < now)).all()
    overdue, by_team, by_role = Counter(), Counter(), Counter()
    for key, role, team in overdue_rows:
        overdue[key] += 1
        by_team[team or NO_TEAM] += 1
        by_role[(role or "none").replace("_", " ")] += 1

    decision_steps = _decision_tasks()
    waits: dict[str, list[float]] = defaultdict(list)
    for key, name, done, started in db.session.execute(
            db.select(task.process_key, task.name, task.completed_at,
                      ProcessInstance.started_at)
            .join(ProcessInstance, task.instance_id == ProcessInstance.id)
            .where(visible, task.status == TaskStatus.COMPLETED, task.completed_at >= since)):
        if name in decision_steps.get(key, ()):
            waits[key].append((done - started).total_seconds() / 86400)

    late = Counter(dict(db.session.execute(
        db.select(Meeting.panel_key, db.func.count()).join(MeetingItem.meeting)
        .where(MeetingItem.late.is_(True), MeetingItem.listed_at >= since)
        .group_by(Meeting.panel_key)).all()))
    outcomes: dict[str, Counter] = defaultdict(Counter)
    for panel_key, decision in db.session.execute(
            db.select(Meeting.panel_key, MeetingItem.decision).join(MeetingItem.meeting)
            .where(MeetingItem.decision.is_not(None), Meeting.starts_at >= since)):
        outcomes[panel_key][str((decision or {}).get("outcome") or "not recorded")] += 1

    forums = []
    # The service's own pathways (a meeting's minutes, a note to file) are not forums.
    system = {v.key for v in deployment.all_latest() if set(v.start_roles) <= {SYSTEM_ROLE}}
    for key in sorted((set(names) | set(in_flight)) - system):
        days = waits.get(key, [])
        forums.append({"key": key, "name": names.get(key, key), "in_flight": in_flight.get(key, 0),
                       "overdue": overdue.get(key, 0), "decisions": len(days),
                       "median_days": percentile(days, 0.5), "p90_days": percentile(days, 0.9)})
    return {"forums": forums, "by_team": by_team.most_common(), "by_role": by_role.most_common(),
            "late": dict(late), "outcomes": {k: v.most_common() for k, v in outcomes.items()},
            "since": since}


def heatmap(user: User, process_key: str) -> dict[str, dict]:
    """Per step of a pathway (user tasks and timers): how many of the user's visible cases
    wait there now, and the median days they have waited."""
    now = utcnow()
    task = aliased(HumanTask)
    waits: dict[str, list[float]] = defaultdict(list)
    for name, created in db.session.execute(
            db.select(task.name, task.created_at)
            .join(ProcessInstance, task.instance_id == ProcessInstance.id)
            .where(access.visible_instances(user), task.process_key == process_key,
                   task.status == TaskStatus.READY)):
        waits[name].append((now - created).total_seconds() / 86400)
    for (timer_waits,) in db.session.execute(
            db.select(ProcessInstance.timer_waits).where(
                access.visible_instances(user), ProcessInstance.process_key == process_key,
                ProcessInstance.status.in_(InstanceStatus.OPEN),
                ProcessInstance.next_timer_at.is_not(None))):
        for step, since in (timer_waits or {}).items():
            waits[step].append((now - datetime.fromisoformat(since)).total_seconds() / 86400)
    return {name: {"waiting": len(days), "median_days": round(percentile(days, 0.5), 1)}
            for name, days in waits.items()}
