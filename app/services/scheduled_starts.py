"""Pathways the service begins on its own schedule: a diagram whose start event is a timer.

The schedule is the diagram's, so a process owner changes it without a developer: a
`timeCycle` on the start event, an ISO 8601 repeating interval in quotes such as
"R/2026-11-30T08:00:00+00:00/P7D" (every week from that Monday morning) or
"R/2027-01-04T08:00:00+00:00/P3M" (every quarter; months are counted on the calendar).

Each pass of the scheduler begins the latest occurrence that is due and has not been begun.
Occurrences missed while the service was down are not begun one by one: only the latest, so
a months-old gap gives one review of the data as it is now, not a backlog of stale ones. The
row in scheduled_starts is the lock: two schedulers at once begin an occurrence once.
"""
from __future__ import annotations

import ast
import calendar
import logging
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from sqlalchemy.exc import IntegrityError

from app.engine import clock
from app.engine.specs import SPECS
from app.engine.working_days import LONDON
from app.extensions import db
from app.models import ProcessModelVersion, ScheduledStart
from app.services import deployment, instances
from app.services.errors import Invalid

log = logging.getLogger(__name__)
MAX_STEPS = 10_000  # a weekly cycle for two centuries: a bad interval cannot loop for ever


def start_cycle(version: ProcessModelVersion) -> str | None:
    """The ISO 8601 repeating interval of the diagram's timer start event, if it has one."""
    model = SPECS.get(version.id, version.content_hash, lambda: version.bpmn_xml)
    for spec in model.spec.task_specs.values():
        definition = getattr(spec, "event_definition", None)
        if isinstance(spec, StartEvent) and isinstance(definition, CycleTimerEventDefinition):
            value = ast.literal_eval(definition.expression)
            return value if isinstance(value, str) else None
    return None


def _nth(start: datetime, period: dict, n: int) -> datetime:
    """The nth occurrence after `start`: months and years on the calendar, counted from the
    start so a quarter from 31 January is 30 April and then 31 July, the rest as exact time."""
    months = (int(period.get("years", 0)) * 12 + int(period.get("months", 0))) * n
    moment = start
    if months:
        index = start.month - 1 + months
        year, month = start.year + index // 12, index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        moment = start.replace(year=year, month=month, day=day)
    return moment + n * timedelta(weeks=period.get("weeks", 0), days=period.get("days", 0),
                                  hours=period.get("hours", 0), minutes=period.get("minutes", 0),
                                  seconds=period.get("seconds", 0))


def latest_occurrence(cycle: str, moment: datetime) -> datetime | None:
    """The last occurrence of `cycle` at or before `moment` (None before its first)."""
    cycles, start, _duration = TimerEventDefinition.parse_iso_recurring_interval(cycle)
    period = TimerEventDefinition.parse_iso_duration(cycle.split("/")[-1])
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    if start > moment:
        return None
    occurrence, count = start, 1
    while count < MAX_STEPS and (cycles < 0 or count < cycles):
        following = _nth(start, period, count)
        if following > moment or following <= occurrence:
            break
        occurrence, count = following, count + 1
    return occurrence


def start_due(moment: datetime | None = None) -> list[str]:
    """Begin each scheduled pathway's latest due occurrence not begun yet; their ids."""
    moment = moment or clock.now()
    started = []
    for version in deployment.all_latest():
        try:
            cycle = start_cycle(version)
        except (ValueError, SyntaxError):
            continue  # the modeler's validation names a bad expression; nothing to begin
        occurrence = latest_occurrence(cycle, moment) if cycle else None
        if occurrence is None:
            continue
        done = db.session.scalar(db.select(ScheduledStart.id).where(
            ScheduledStart.process_key == version.key, ScheduledStart.occurs_at == occurrence))
        if done is not None:
            continue
        day = occurrence.astimezone(LONDON).date()
        try:
            with db.session.begin_nested():
                row = ScheduledStart(process_key=version.key, occurs_at=occurrence,
                                     started_at=moment)
                db.session.add(row)
                db.session.flush()
                instance = instances.start_as_system(
                    version.key, {"name": f"{version.name}, {day:%-d %B %Y}"},
                    {"scheduled_for": occurrence.isoformat(), "review_date": day.isoformat()})
                row.instance_id = instance.id
        except IntegrityError:
            continue  # another scheduler began it just now
        except Invalid as exc:  # a diagram that cannot start stops itself, not the pass
            log.warning("scheduled start of %s failed: %s", version.key, exc)
            continue
        started.append(instance.id)
    return started
