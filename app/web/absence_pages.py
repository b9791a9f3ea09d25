"""Absences and cover, for the person ("My absence"), their team manager or an
administrator: record who covers their work from one date to another, and cancel it."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.models import User
from app.security import signed_in_user
from app.services import absences, access, people
from app.services.errors import Forbidden, Invalid, NotFound
from app.web.display import long_date
from app.web.sessions import page_login_required

bp = Blueprint("absence_pages", __name__)
PARTS = ("day", "month", "year")


def _person(actor: User, username: str) -> User:
    person = people.get(username)
    if person is None:
        abort(404)
    if not absences.may_manage(actor, person):
        abort(403)
    return person


def _date(name: str, label: str, errors: dict[str, list[str]]) -> tuple[date | None, dict]:
    """A GOV.UK date input's three boxes read as a date, with the error messages it needs."""
    typed = {part: request.form.get(f"{name}-{part}", "").strip() for part in PARTS}
    if not any(typed.values()):
        return None, typed  # "Enter the date …" comes from the service
    missing = [part for part in PARTS if not typed[part]]
    if missing:
        errors[name] = [f"{label} must include a {missing[0]}"]
        return None, typed
    try:
        year = int(typed["year"])
        if year < 1000:
            raise ValueError
        return date(year, int(typed["month"]), int(typed["day"])), typed
    except ValueError:
        errors[name] = [f"{label} must be a real date"]
        return None, typed


@bp.route("/people/<username>/absences", methods=["GET", "POST"])
@page_login_required
def person_absences(username: str):
    actor = signed_in_user()
    person = _person(actor, username)
    errors: dict[str, list[str]] = {}
    values: dict = {"starts_on": {}, "ends_on": {}, "cover": ""}
    if request.method == "POST":
        starts_on, values["starts_on"] = _date("starts_on", "The date the absence starts",
                                               errors)
        ends_on, values["ends_on"] = _date("ends_on", "The date the absence ends", errors)
        values["cover"] = request.form.get("cover", "")
        try:
            absences.record(actor, username, starts_on, ends_on, values["cover"] or None)
        except Invalid as exc:
            errors = {**(exc.errors or {}), **errors}  # unreadable dates say so, not "Enter"
        if not errors:
            db.session.commit()
            cover = people.get(values["cover"])
            flash(f"{cover.display_name} covers {_whose(actor, person)} work from "
                  f"{long_date(starts_on)} to {long_date(ends_on)}", "success")
            return redirect(url_for("absence_pages.person_absences", username=username))
        db.session.rollback()
    shown = absences.list_for(actor, username)
    names = people.display_names({a.cover_username for a in shown})
    return render_template(
        "people/absences.html", person=person, is_me=actor.id == person.id,
        shown=shown, names=names, today=access.today(), covers=absences.covers_possible(person),
        values=values, errors=errors, long_date=long_date,
        may_read_people=people.is_administrator(actor) or (
            person.team in access.managed_teams(actor)),
    ), (422 if errors else 200)


def _whose(actor: User, person: User) -> str:
    return "your" if actor.id == person.id else f"{person.display_name}'s"


@bp.route("/absences/<int:absence_id>/cancel", methods=["GET", "POST"])
@page_login_required
def cancel(absence_id: int):
    actor = signed_in_user()
    try:
        absence = absences.get(actor, absence_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    person = people.get(absence.username)
    cover = people.get(absence.cover_username)
    if request.method == "POST":
        absences.cancel(actor, absence_id)
        db.session.commit()
        flash(f"The absence from {long_date(absence.starts_on)} to "
              f"{long_date(absence.ends_on)} has been cancelled", "success")
        return redirect(url_for("absence_pages.person_absences", username=person.username))
    return render_template("people/cancel_absence.html", absence=absence, person=person,
                           cover=cover, whose=_whose(actor, person), long_date=long_date,
                           running=absence.starts_on <= access.today() <= absence.ends_on)
