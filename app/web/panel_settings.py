"""A panel's configuration as pages, for its administrator and the process owner (and
managers, as the API allows): hours, slots, the deadline for papers, minutes, chair, vice
chair and members. The same change as `PATCH /api/v1/panels/{key}`, checked in words a
person reads, shown before and after for confirmation, and audited."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app import audit
from app.api.panels import PANEL_EDITORS
from app.engine import clock
from app.engine.working_days import WEEKDAYS
from app.extensions import db
from app.models import Meeting, Panel
from app.security import signed_in_user
from app.services import panels
from app.services.errors import NotFound
from app.web import panel_cadences, panel_cutoffs
from app.web.sessions import page_login_required

bp = Blueprint("panel_settings", __name__)

CLOCK = re.compile(panels.CLOCK_PATTERN)
MAX_MEMBERS = 40
# Field, its label on the page (errors and the confirmation name it so). The panel's own
# cadence is read only (meetings already made follow it); how often each request type is
# heard is edited in app/web/panel_cadences.py and stored as `request_cadences`, and so is a
# request type's own deadline for papers (app/web/panel_cutoffs.py).
LABELS = {
    "starts_at": "Start time", "ends_at": "End time", "slot_minutes": "Slot length",
    "cutoff_working_days": "Working days before the meeting",
    "cutoff_time": "Time papers are due", "cutoff_rule": "Deadline for papers in words",
    "on_holiday": "On a bank holiday", "minutes_due_working_days": "Minutes due within",
    "chair": "Chair", "vice_chair": "Vice chair", "administrator": "Administrator",
    "members": "Members", "notes": "Notes for administrators",
}
CADENCES_LABEL = "Request types' own cadence or deadline for papers"
HOLIDAY = {"move": "Move to the next working day", "cancel": "Cancel the meeting"}


def _editor(key: str) -> Panel:
    """The panel a signed-in editor may change; others are refused before the form is read."""
    user = signed_in_user()
    if not user.role_keys & PANEL_EDITORS:
        abort(403)
    try:
        return panels.get_panel(key)
    except NotFound:
        abort(404)


def _current(panel: Panel) -> dict:
    return {name: getattr(panel, name) for name in LABELS} | {
        "request_cadences": panel.request_cadences or None}


def _typed() -> dict:
    """What the form holds as typed (kept on a 422), members one per line."""
    return {name: (request.form.get(name) or "").strip() for name in LABELS}


def _number(errors: dict, values: dict, name: str, low: int, high: int, unit: str) -> int | None:
    raw = values[name]
    if not raw.isdigit():
        errors[name] = f"{LABELS[name]} must be a whole number of {unit}, like {low or 1}"
        return None
    number = int(raw)
    if not low <= number <= high:
        errors[name] = f"{LABELS[name]} must be between {low} and {high} {unit}"
        return None
    return number


def _text(errors: dict, values: dict, name: str, limit: int, required: bool) -> str | None:
    text = values[name]
    if required and not text:
        errors[name] = f"Enter the {LABELS[name].lower()}"
    elif len(text) > limit:
        errors[name] = f"{LABELS[name]} must be {limit:,} characters or fewer"
    return text or None


def check(values: dict) -> tuple[dict, dict]:
    """The changes the typed values make, and each field's error in words."""
    errors: dict[str, str] = {}
    out: dict = {}
    for name in ("starts_at", "ends_at", "cutoff_time"):
        if not CLOCK.match(values[name]):
            errors[name] = f"{LABELS[name]} must be a 24-hour time, like 09:30"
        else:
            out[name] = values[name]
    if "starts_at" in out and "ends_at" in out and out["ends_at"] <= out["starts_at"]:
        errors["ends_at"] = "End time must be after the start time"
    out["slot_minutes"] = _number(errors, values, "slot_minutes", 5, 240, "minutes")
    out["cutoff_working_days"] = _number(errors, values, "cutoff_working_days", 0, 30,
                                         "working days")
    out["minutes_due_working_days"] = _number(errors, values, "minutes_due_working_days", 1, 20,
                                              "working days")
    out["cutoff_rule"] = _text(errors, values, "cutoff_rule", 2000, True)
    if values["on_holiday"] not in HOLIDAY:
        errors["on_holiday"] = "Select what happens to a meeting on a bank holiday"
    out["on_holiday"] = values["on_holiday"]
    out["chair"] = _text(errors, values, "chair", 200, True)
    out["vice_chair"] = _text(errors, values, "vice_chair", 200, False)
    out["administrator"] = _text(errors, values, "administrator", 200, True)
    out["notes"] = _text(errors, values, "notes", 4000, False)
    members = [line.strip() for line in values["members"].splitlines() if line.strip()]
    if len(members) > MAX_MEMBERS:
        errors["members"] = f"Members must be {MAX_MEMBERS} or fewer, one on each line"
    elif any(len(member) > 300 for member in members):
        errors["members"] = "Each member must be 300 characters or fewer"
    out["members"] = members
    return out, errors


def _form_values(panel: Panel) -> dict:
    values = {name: "" if getattr(panel, name) is None else str(getattr(panel, name))
              for name in LABELS}
    values["members"] = "\n".join(panel.members or [])
    return values | panel_cadences.form_values(panel) | panel_cutoffs.form_values(panel)


def _shown(panel: Panel, name: str, value) -> str:
    if name == "request_cadences":
        return panel_cadences.shown(panel, value)
    if name == "on_holiday":
        return HOLIDAY.get(value, value)
    if name == "members":
        return "; ".join(value) if value else "None"
    return "Not set" if value in (None, "") else str(value)


def _form(panel: Panel, values: dict, errors: dict, status: int = 200):
    kinds = panel_cadences.request_types(panel)
    # The error summary links to the first radio of a type's choice, or its date's day.
    anchors = {"on_holiday": "on_holiday"} | {
        f"cadence-{kind}-anchor": f"cadence-{kind}-anchor-day" for kind in kinds}
    return render_template("panels/settings.html", panel=panel, values=values,
                           errors={name: [message] for name, message in errors.items()},
                           labels=LABELS, holiday=HOLIDAY, kinds=kinds, anchors=anchors,
                           every=panel_cadences.EVERY, cadences_label=CADENCES_LABEL,
                           weekday=WEEKDAYS[panel.weekday].capitalize()), status


@bp.get("/panels/<key>/settings")
@page_login_required
def settings(key: str):
    panel = _editor(key)
    return _form(panel, _form_values(panel), {})


@bp.post("/panels/<key>/settings")
@page_login_required
def change(key: str):
    """Checked, then confirmed: the first post shows what changes (and which meetings with
    cases listed take new hours); the second, with `confirmed`, makes the change."""
    panel = _editor(key)
    values = (_typed() | panel_cadences.typed(panel, request.form)
              | panel_cutoffs.typed(panel, request.form))
    changes, errors = check(values)
    cadences = panel_cadences.check(panel, values, errors)
    if any(name.startswith("cutoff-") for name in values):  # the types' own deadlines
        cadences = panel_cutoffs.check(panel, values, errors,
                                       dict(panel.request_cadences or {}) if cadences is None
                                       else cadences)
    if cadences is not None:  # shown on the form: {} means every type at every meeting
        changes["request_cadences"] = cadences or None
    if errors:
        return _form(panel, values, errors, 422)
    before = _current(panel)
    changed = {name: (before[name], value) for name, value in changes.items()
               if value != before[name]}
    if not changed:
        flash("Nothing was changed", "success")
        return redirect(url_for("panel_pages.panel", key=key))
    if request.form.get("confirmed") != "yes":
        affected = db.session.scalar(db.select(db.func.count()).select_from(Meeting).where(
            Meeting.panel_key == key, Meeting.starts_at > clock.now(),
            Meeting.status == "scheduled", Meeting.items.any()))
        return render_template(
            "panels/confirm_settings.html", panel=panel, values=values, affected=affected,
            rows=[(LABELS.get(name, CADENCES_LABEL), _shown(panel, name, old),
                   _shown(panel, name, new))
                  for name, (old, new) in changed.items()])
    panels.update_panel(panel, {name: new for name, (_old, new) in changed.items()})
    audit.note("panel", key, None, detail={"changed": {
        name: {"from": old, "to": new} for name, (old, new) in changed.items()}})
    db.session.commit()
    flash(f"{panel.name}: the settings are changed. Meetings to come follow them.", "success")
    return redirect(url_for("panel_pages.panel", key=key))
