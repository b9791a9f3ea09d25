"""Working days in England for the app: the engine's calendar, with the configured closures."""
from __future__ import annotations

from datetime import date, datetime

from app.engine.working_days import is_working_day as _is_working_day
from app.engine.working_days import shift_working_days


def is_working_day(day: date, closures: set[date] | None = None) -> bool:
    return _is_working_day(day, closures)


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved forward by `days` working days, keeping the time of day."""
    if days <= 0:
        return start
    return datetime.combine(shift_working_days(start.date(), days), start.timetz())
