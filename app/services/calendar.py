"""Working days in England: weekends, bank holidays (`holidays`) and council closure days."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from flask import current_app, has_app_context


@lru_cache(maxsize=8)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def _closures() -> set[date]:
    if not has_app_context():
        return set()
    return {date.fromisoformat(d) for d in current_app.config.get("CLOSURE_DAYS", [])}


def is_working_day(day: date, closures: set[date] | None = None) -> bool:
    if day.weekday() >= 5:
        return False
    if day in _bank_holidays(day.year):
        return False
    return day not in (closures if closures is not None else _closures())


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved forward by `days` working days, keeping the time of day."""
    closures = _closures()
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current.date(), closures):
            remaining -= 1
    return current
