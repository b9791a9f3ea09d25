"""Wording shared by the pages: dates, waits and deadlines as a person reads them."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from app.models import utcnow

DUE_SOON = timedelta(days=2)


def summary_items(errors: dict[str, str]) -> list[dict]:
    """Error summary entries linking to the fields (whose ids are the field names)."""
    return [{"href": f"#{name}", "text": message} for name, message in errors.items()]


def long_date(moment: datetime | None) -> str:
    return f"{moment.day} {moment:%B %Y}" if moment else ""


def waited(since: datetime) -> str:
    days = (utcnow() - since).days
    if days <= 0:
        return "Today"
    return "1 day" if days == 1 else f"{days} days"


def deadline(due: datetime | None) -> dict | None:
    """The due date, and a tag when overdue (red) or due soon (yellow), always in words."""
    if due is None:
        return None
    now = utcnow()
    label = long_date(due)
    if due < now:
        days = (now - due).days
        late = "less than a day" if days == 0 else ("1 day" if days == 1 else f"{days} days")
        return {"date": label, "tag": f"Overdue by {late}", "tag_class": "govuk-tag--red"}
    if due - now <= DUE_SOON:
        return {"date": label, "tag": "Due soon", "tag_class": "govuk-tag--yellow"}
    return {"date": label, "tag": None, "tag_class": None}


def days(value: float | None) -> str:
    """A number of days as people write it: 1, 2.5, 14 (never "1.0"); a dash for none."""
    if value is None:
        return "–"
    return f"{round(value, 1):g}"


def in_words(value) -> str:
    """An ISO date ("2026-12-01") as people read it ("1 December 2026"); anything else as
    it is."""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value or "")
    return f"{day.day} {day:%B %Y}"
