"""Working days and panel meeting dates, for the app and for expressions in diagrams.

A working day excludes weekends, England and Wales bank holidays (`holidays`) and the
council's own closure days. Diagrams call these helpers in scripts, conditions and `dueDate`
rules, so a process owner can change a cut-off or a meeting cycle without code.
Dates cross the sandbox as ISO strings, because task data must stay plain JSON.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from app.engine import clock

LONDON = ZoneInfo("Europe/London")
_closures: frozenset[date] = frozenset()
MAX_MEETINGS_SEARCHED = 1000  # a cycle that never reaches "after" is a diagram error


def configure(closure_days: list[str] | tuple[str, ...]) -> None:
    """The council's extra closure days (ISO dates), from the app's configuration."""
    global _closures
    _closures = frozenset(date.fromisoformat(day) for day in closure_days)


@lru_cache(maxsize=16)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date, closures: frozenset[date] | set[date] | None = None) -> bool:
    if day.weekday() >= 5 or day in _bank_holidays(day.year):
        return False
    return day not in (_closures if closures is None else closures)


def _as_date(day: date | datetime | str) -> date:
    if isinstance(day, datetime):
        return day.date()
    if isinstance(day, date):
        return day
    return date.fromisoformat(str(day)[:10])


def shift_working_days(day: date, days: int) -> date:
    """`day` moved by `days` working days: forwards if positive, backwards if negative."""
    step = timedelta(days=1 if days >= 0 else -1)
    remaining = abs(days)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def add_working_days(day: date | datetime | str, days: int) -> str:
    """For diagrams: the ISO date `days` working days after `day`."""
    return shift_working_days(_as_date(day), int(days)).isoformat()


def working_days_before(day: date | datetime | str, days: int) -> str:
    """For diagrams: the ISO date `days` working days before `day`."""
    return shift_working_days(_as_date(day), -int(days)).isoformat()


def today() -> str:
    """For diagrams: today's date in England, as the engine sees it (honours --as-of)."""
    return clock.now().astimezone(LONDON).date().isoformat()


def _moment(after: str | None) -> datetime:
    if after is None:
        return clock.now().astimezone(LONDON)
    parsed = datetime.fromisoformat(after)
    return parsed.replace(tzinfo=LONDON) if parsed.tzinfo is None else parsed.astimezone(LONDON)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def cutoff_day(meeting: date, working_days: int, weekday: str | None = None) -> date:
    """The last day to submit for `meeting`: `working_days` working days before it, then back
    to the named weekday if one is given, then back to a working day if that is a holiday.

    Counting in working days moves a cut-off earlier when a bank holiday falls in between:
    MARP's "16:00 on the Tuesday one week before" is 5 working days before its Tuesday.
    """
    day = shift_working_days(meeting, -int(working_days))
    if weekday:
        day -= timedelta(days=(day.weekday() - WEEKDAYS.index(weekday.lower())) % 7)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def meeting_day(scheduled: date, on_holiday: str = "move") -> date | None:
    """Where a meeting scheduled on a bank holiday or closure day goes: the next working day
    ("move", the default) or nowhere ("cancel")."""
    if is_working_day(scheduled):
        return scheduled
    if on_holiday == "cancel":
        return None
    return shift_working_days(scheduled, 1)


def next_meeting(first: str, every_days: int, cutoff_working_days: int = 0,
                 cutoff_time: str = "23:59", cutoff_weekday: str | None = None,
                 after: str | None = None, on_holiday: str = "move") -> str:
    """For diagrams: the first meeting of a cycle whose cut-off has not yet passed.

    Meetings are scheduled on `first` and every `every_days` days after it; one that falls on
    a bank holiday or closure day moves to the next working day, or is cancelled when
    `on_holiday` is "cancel". A request made at or before a meeting's cut-off (`cutoff_day`
    at `cutoff_time`, London time) is heard there, a later one at the next meeting.
    """
    if int(every_days) < 1:
        raise ValueError("every_days must be at least 1")
    if on_holiday not in ("move", "cancel"):
        raise ValueError('on_holiday must be "move" or "cancel"')
    moment = _moment(after)
    scheduled = date.fromisoformat(first)
    deadline_time = time.fromisoformat(cutoff_time)
    for _ in range(MAX_MEETINGS_SEARCHED):
        meeting = meeting_day(scheduled, on_holiday)
        if meeting is not None:
            cutoff = datetime.combine(cutoff_day(meeting, cutoff_working_days, cutoff_weekday),
                                      deadline_time, LONDON)
            if moment <= cutoff:
                return meeting.isoformat()
        scheduled += timedelta(days=int(every_days))
    raise ValueError(f"no meeting within {MAX_MEETINGS_SEARCHED} cycles of {first}")


DIAGRAM_HELPERS = {
    "add_working_days": add_working_days, "working_days_before": working_days_before,
    "today": today, "next_meeting": next_meeting,
}
