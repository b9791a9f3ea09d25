"""Panels for people: each forum's calendar, and a meeting's agenda (meeting mode)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app import audit
from app.api.panels import PANEL_EDITORS
from app.engine import clock
from app.engine.working_days import LONDON, WEEKDAYS
from app.extensions import db
from app.models import Meeting, Panel
from app.security import signed_in_user
from app.services import access, meeting_changes, minutes, panels
from app.services.errors import NotFound, ServiceError
from app.web import panel_cadences
from app.web.sessions import page_login_required

bp = Blueprint("panel_pages", __name__)


def local(moment):
    return moment.astimezone(LONDON)


@bp.app_template_filter("london")
def _london(moment, pattern: str = "%-d %B %Y, %H:%M") -> str:
    return local(moment).strftime(pattern) if moment else ""


@bp.get("/panels")
@page_login_required
def index():
    signed_in_user()
    today = clock.now().astimezone(LONDON).date()
    rows = []
    for panel in db.session.scalars(db.select(Panel).order_by(Panel.name)):
        upcoming = [m for m in panels.meetings_between(panel, today, today + panels.GENERATE_AHEAD)
                    if m.status == "scheduled"]
        rows.append({"panel": panel, "weekday": WEEKDAYS[panel.weekday].capitalize(),
                     "next": upcoming[0] if upcoming else None})
    db.session.commit()  # meetings generated on the way are kept
    return render_template("web/panels.html", rows=rows)


@bp.get("/panels/<key>")
@page_login_required
def panel(key: str):
    user = signed_in_user()
    try:
        found = panels.get_panel(key)
    except NotFound:
        abort(404)
    today = clock.now().astimezone(LONDON).date()
    meetings = panels.meetings_between(found, today, today + panels.GENERATE_AHEAD)
    db.session.commit()
    # A request type's own deadline (CTMP 1a: Thursday morning) beside the panel's rule.
    titles = panel_cadences.request_types(found)
    own_deadlines = [(titles.get(kind, kind), entry.get("cutoff_rule") or entry["cutoff_time"])
                     for kind, entry in sorted((found.request_cadences or {}).items())
                     if entry.get("cutoff_time")]
    return render_template("web/panel.html", panel=found, meetings=meetings,
                           own_deadlines=own_deadlines,
                           weekday=WEEKDAYS[found.weekday].capitalize(),
                           can_change=bool(user.role_keys & PANEL_EDITORS))


@bp.get("/meetings/<meeting_id>")
@page_login_required
def meeting(meeting_id: str):
    user = signed_in_user()
    return _agenda_page(user, _found(meeting_id), {}, {})


def _agenda_page(user, found: Meeting, errors: dict, values: dict, status: int = 200):
    rows = panels.agenda(user, found)
    audit.note_list(f"agenda:{found.id}", (row["instance"].child_ref for row in rows))
    can_change = bool(user.role_keys & meeting_changes.CHANGERS) and found.status == "scheduled"
    # The minutes name every case heard: for those who see the whole agenda.
    approved = minutes.approved(found) if access.sees_whole_agenda(user) else None
    return render_template("web/meeting.html", meeting=found, panel=found.panel, rows=rows,
                           can_change=can_change, errors=errors, values=values,
                           minutes=approved,
                           # the summary links to the first input of the date
                           summary={("starts_on-day" if k == "starts_on" else k): v
                                    for k, v in errors.items()}), status


def _found(meeting_id: str) -> Meeting:
    found = db.session.get(Meeting, meeting_id)
    if found is None:
        abort(404)
    return found


def _reason(errors: dict, field: str) -> str:
    reason = (request.form.get(field) or "").strip()
    if not reason:
        errors[field] = "Enter the reason, so the people told understand why"
    elif len(reason) > 2000:
        errors[field] = "Reason must be 2,000 characters or fewer"
    return reason


def _changer(meeting_id: str):
    """The signed-in chair, administrator or manager and the meeting they would change;
    refused before any form is read."""
    user, found = signed_in_user(), _found(meeting_id)
    if not user.role_keys & meeting_changes.CHANGERS:
        abort(403)
    return user, found


@bp.post("/meetings/<meeting_id>/cancel")
@page_login_required
def cancel(meeting_id: str):
    user, found = _changer(meeting_id)
    errors: dict[str, str] = {}
    reason = _reason(errors, "cancel_reason")
    if errors:
        return _agenda_page(user, found, errors, request.form, 422)
    try:
        meeting_changes.cancel(user, found, reason)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("panel_pages.meeting", meeting_id=meeting_id))
    flash("The meeting is cancelled. Its cases are listed on the next meeting and the people "
          "working on them have been told.", "success")
    return redirect(url_for("panel_pages.meeting", meeting_id=meeting_id))


@bp.post("/meetings/<meeting_id>/chase")
@page_login_required
def chase(meeting_id: str):
    user, found = _changer(meeting_id)
    asked = meeting_changes.chase(user, found)
    db.session.commit()
    flash(f"{asked} {'person was' if asked == 1 else 'people were'} asked for missing papers "
          "(each is asked once per step).", "success")
    return redirect(url_for("panel_pages.meeting", meeting_id=meeting_id))


@bp.post("/meetings/<meeting_id>/move")
@page_login_required
def move(meeting_id: str):
    user, found = _changer(meeting_id)
    errors: dict[str, str] = {}
    try:
        new_day = date(int(request.form.get("starts_on-year", "")),
                       int(request.form.get("starts_on-month", "")),
                       int(request.form.get("starts_on-day", "")))
    except ValueError:
        new_day = None
        errors["starts_on"] = "New date must be a real date, for example 10 12 2026"
    reason = _reason(errors, "move_reason")
    if errors:
        return _agenda_page(user, found, errors, request.form, 422)
    try:
        meeting_changes.move(user, found, new_day, reason)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if exc.errors:
            return _agenda_page(user, found, {k: v[0] for k, v in exc.errors.items()},
                                request.form, exc.status)
        flash(exc.message, "error")
        return redirect(url_for("panel_pages.meeting", meeting_id=meeting_id))
    flash("The meeting has moved. Its cases moved with it and the people working on them "
          "have been told.", "success")
    return redirect(url_for("panel_pages.meeting", meeting_id=meeting_id))
