"""Working days in England for the app: the engine's calendar, with the configured closures."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from app.engine.working_days import is_working_day as _is_working_day


def is_working_day(day: date, closures: set[date] | None = None) -> bool:
    return _is_working_day(day, closures)


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved forward by `days` working days, keeping the time of day."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if _is_working_day(current.date()):
            remaining -= 1
    return current
