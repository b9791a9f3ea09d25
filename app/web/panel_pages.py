"""Panels for people: each forum's calendar, and a meeting's agenda (meeting mode)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from app import audit
from app.engine import clock
from app.engine.working_days import LONDON, WEEKDAYS
from app.extensions import db
from app.models import Meeting, Panel
from app.security import signed_in_user
from app.services import panels
from app.services.errors import NotFound
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
    signed_in_user()
    try:
        found = panels.get_panel(key)
    except NotFound:
        abort(404)
    today = clock.now().astimezone(LONDON).date()
    meetings = panels.meetings_between(found, today, today + panels.GENERATE_AHEAD)
    db.session.commit()
    return render_template("web/panel.html", panel=found, meetings=meetings,
                           weekday=WEEKDAYS[found.weekday].capitalize())


@bp.get("/meetings/<meeting_id>")
@page_login_required
def meeting(meeting_id: str):
    user = signed_in_user()
    found = db.session.get(Meeting, meeting_id)
    if found is None:
        abort(404)
    rows = panels.agenda(user, found)
    for row in rows:
        audit.note("instance", row["instance"].id, row["instance"].child_ref)
    return render_template("web/meeting.html", meeting=found, panel=found.panel, rows=rows)
