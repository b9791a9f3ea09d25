"""Per request type cadence on a panel's settings page (CTMP 1a is heard on alternate Fridays
while the panel sits weekly). The same rule as `PATCH /api/v1/panels/{key}`'s
`request_cadences`: a type is heard every meeting, or every n weeks on the meetings falling
on a starting date (the anchor) and every n weeks either side of it."""
from __future__ import annotations

from datetime import date

from app.engine.working_days import WEEKDAYS
from app.models import Panel
from app.services import form_store, forms
from app.services.panels import own_cadence

# How often a request type may be heard, as the administrator reads it; "" is every meeting.
EVERY = {"": "Every meeting", "2": "Alternate weeks", "3": "Every 3 weeks",
         "4": "Every 4 weeks"}


def request_types(panel: Panel) -> dict[str, str]:
    """The panel's request types and their titles, as its forms offer them (the forms of its
    process folder with a `request_type` question), and any type already given a cadence.
    Read from the forms so a new request type needs no change here."""
    folder = f"{panel.process_key or panel.key}/"
    found: dict[str, str] = {}
    for path in form_store.schema_paths():
        if not path.startswith(folder):
            continue
        question = forms.load_form(path).get("properties", {}).get("request_type", {})
        for option in question.get("oneOf", []):
            if "const" in option:
                found.setdefault(option["const"], option.get("title") or option["const"])
    for kind in sorted(panel.request_cadences or {}):
        found.setdefault(kind, kind.replace("_", " ").capitalize())
    return found


def form_values(panel: Panel) -> dict:
    """The stored cadences as the form's fields: `cadence-<type>` and the anchor's parts."""
    values: dict = {}
    for kind in request_types(panel):
        stored = own_cadence(panel, kind)
        values[f"cadence-{kind}"] = str(stored["every_weeks"]) if stored else ""
        anchor = date.fromisoformat(stored["anchor"]) if stored else None
        values[f"cadence-{kind}-anchor"] = {
            "day": str(anchor.day), "month": str(anchor.month), "year": str(anchor.year)
        } if anchor else {}
    return values


def typed(panel: Panel, form) -> dict:
    """What the form holds for each request type, as typed."""
    values: dict = {}
    for kind in request_types(panel):
        name = f"cadence-{kind}"
        if name not in form:
            continue
        values[name] = form.get(name, "").strip()
        values[f"{name}-anchor"] = {part: form.get(f"{name}-anchor-{part}", "").strip()
                                    for part in ("day", "month", "year")}
    return values


def check(panel: Panel, values: dict, errors: dict) -> dict | None:
    """The cadences the typed values make ({} for none; None when the form did not show
    them, so they are kept as they are), each error in words under its field's name."""
    kinds = request_types(panel)
    if not any(f"cadence-{kind}" in values for kind in kinds):
        return None
    stored = dict(panel.request_cadences or {})
    for kind, title in kinds.items():
        name = f"cadence-{kind}"
        if name not in values:
            continue
        every = values[name]
        if every not in EVERY:
            errors[name] = f"Select how often {title} requests are heard"
            continue
        # A type's own deadline for papers (app/web/panel_cutoffs.py) shares its entry.
        kept = {k: v for k, v in stored.get(kind, {}).items() if k not in ("every_weeks", "anchor")}
        if not every:
            if kept:
                stored[kind] = kept
            else:
                stored.pop(kind, None)
            continue
        anchor = _anchor(values[f"{name}-anchor"])
        if anchor is None:
            errors[f"{name}-anchor"] = (f"Enter the first date {title} requests are heard, "
                                        "as a real date like 27 11 2026")
        elif (anchor - panel.first_meeting).days % panel.every_days:
            errors[f"{name}-anchor"] = (
                f"The first date {title} requests are heard must be a day the panel meets "
                f"(a {WEEKDAYS[panel.weekday].capitalize()})")
        else:
            stored[kind] = {"every_weeks": int(every), "anchor": anchor.isoformat()} | kept
    return stored


def _anchor(parts: dict) -> date | None:
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except (KeyError, ValueError):
        return None


def shown(panel: Panel, value: dict | None) -> str:
    """Cadences (and a type's own deadline for papers) in words for the confirmation page."""
    if not value:
        return "Every request type at every meeting"
    titles = request_types(panel)
    return "; ".join(f"{titles.get(kind, kind)}: {_in_words(each)}"
                     for kind, each in sorted(value.items()))


def _in_words(entry: dict) -> str:
    heard = (f"{_how_often(entry['every_weeks']).lower()} from "
             f"{date.fromisoformat(entry['anchor']).strftime('%-d %B %Y')}"
             if entry.get("every_weeks") else "every meeting")
    if not entry.get("cutoff_time"):  # the panel's own deadline holds
        return heard
    return f"{heard}, papers due by {entry['cutoff_time']} ({entry.get('cutoff_rule', '')})"


def _how_often(every_weeks: int) -> str:
    return EVERY.get(str(every_weeks)) or f"Every {every_weeks} weeks"
