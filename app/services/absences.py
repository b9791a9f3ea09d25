"""Absence cover (issue 18, part 5): a person, their team manager or an administrator
records that someone is away from one date to another and who covers their work.

While an absence runs, the cover's inbox holds the absent person's open steps and the cover
may open, claim and do them (app/services/access.py `covers`); what the cover does is
recorded in the case's history with {"for": the absent person}, and reminders for the
absent person's steps go to the cover (app/services/reminders.py).
"""
from __future__ import annotations

from datetime import date

from app import audit
from app.extensions import db
from app.models import Absence, HumanTask, User
from app.services import access, people
from app.services.errors import Forbidden, Invalid, NotFound

# Roles that are not work handed out in steps: a cover need not hold them.
NOT_WORK_ROLES = frozenset({people.ADMINISTRATOR_ROLE, "auditor"})


def may_manage(actor: User, user: User) -> bool:
    """The person themselves, a manager of their team, or an administrator."""
    return (actor.id == user.id or people.is_administrator(actor)
            or bool(user.team and user.team in access.managed_teams(actor)))


def _person(actor: User, username: str) -> User:
    user = people.get(username)
    if user is None:
        raise NotFound("No such person")
    if not may_manage(actor, user):
        raise Forbidden("Only the person, their team manager or an administrator may record "
                        "or cancel their absence")
    return user


def list_for(actor: User, username: str) -> list[Absence]:
    """The person's absences, the latest first."""
    user = _person(actor, username)
    return list(db.session.scalars(db.select(Absence).where(Absence.username == user.username)
                                   .order_by(Absence.starts_on.desc(), Absence.id.desc())))


def covers_possible(user: User) -> list[User]:
    """Who may cover the person: active, in the same team, holding every role they work in."""
    query = db.select(User).where(User.active, User.id != user.id, User.team == user.team)
    return [c for c in db.session.scalars(query.order_by(User.display_name))
            if not _why_not_cover(user, c)]


def _why_not_cover(user: User, cover: User) -> str | None:
    if not cover.active:
        return f"{cover.display_name} no longer works here"
    if cover.id == user.id:
        return "Choose someone else to cover the work"
    if cover.team != user.team:
        return f"Choose someone in the same team as {user.display_name}"
    missing = (user.role_keys - NOT_WORK_ROLES) - cover.role_keys
    if missing:
        return f"{cover.display_name} does not do the same work as {user.display_name}"
    return None


def _overlapping(username: str, starts_on: date, ends_on: date) -> Absence | None:
    return db.session.scalar(db.select(Absence).where(
        Absence.username == username, Absence.starts_on <= ends_on,
        Absence.ends_on >= starts_on).limit(1))


def record(actor: User, username: str, starts_on: date | None, ends_on: date | None,
           cover: str | None) -> Absence:
    """Record an absence; the errors name the fields at fault (GOV.UK wording)."""
    user = _person(actor, username)
    errors: dict[str, list[str]] = {}
    if starts_on is None:
        errors["starts_on"] = ["Enter the date the absence starts"]
    if ends_on is None:
        errors["ends_on"] = ["Enter the date the absence ends"]
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = ["The date the absence ends must be the same as or after the "
                             "date it starts"]
    elif ends_on < access.today():
        errors["ends_on"] = ["The date the absence ends must be today or in the future"]
    covering = people.get(cover) if cover else None
    if not cover:
        errors["cover"] = ["Choose who covers the work"]
    elif covering is None:
        errors["cover"] = [f"There is no person {cover!r}"]
    elif why := _why_not_cover(user, covering):
        errors["cover"] = [why]
    if not errors and starts_on and ends_on:
        if clash := _overlapping(user.username, starts_on, ends_on):
            errors["starts_on"] = [f"{user.display_name} is already away from "
                                   f"{clash.starts_on:%-d %B %Y} to {clash.ends_on:%-d %B %Y}"]
        elif covering is not None and (away := _overlapping(covering.username, starts_on,
                                                             ends_on)):
            errors["cover"] = [f"{covering.display_name} is away themselves from "
                               f"{away.starts_on:%-d %B %Y} to {away.ends_on:%-d %B %Y}"]
    if errors:
        raise Invalid("The absence has errors", errors)
    absence = Absence(username=user.username, cover_username=covering.username,
                      starts_on=starts_on, ends_on=ends_on, recorded_by=actor.username)
    db.session.add(absence)
    db.session.flush()
    audit.note("absence", str(absence.id), None, detail={"recorded": {
        "username": user.username, "cover": covering.username,
        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}})
    return absence


def get(actor: User, absence_id: int) -> Absence:
    absence = db.session.get(Absence, absence_id)
    if absence is None:
        raise NotFound("No such absence")
    _person(actor, absence.username)
    return absence


def cancel(actor: User, absence_id: int) -> Absence:
    """Remove an absence: the cover stops seeing the person's work at once."""
    absence = get(actor, absence_id)
    db.session.delete(absence)
    db.session.flush()
    audit.note("absence", str(absence_id), None, detail={"cancelled": {
        "username": absence.username, "cover": absence.cover_username,
        "starts_on": absence.starts_on.isoformat(), "ends_on": absence.ends_on.isoformat()}})
    return absence


def cover_of(username: str) -> str | None:
    """Who covers the person today (an active cover), or None."""
    on = access.today()
    return db.session.scalar(db.select(Absence.cover_username)
                             .join(User, User.username == Absence.cover_username)
                             .where(Absence.username == username, Absence.starts_on <= on,
                                    Absence.ends_on >= on, User.active).limit(1))


def cover_for_task(task: HumanTask) -> str | None:
    """Who stands in for the step's holder today (their cover, if the cover may be handed
    the step), or None: whom reminders for the step reach instead of the holder."""
    if task.assignee is None:
        return None
    cover = people.get(cover_of(task.assignee) or "")
    if cover is None or access.may_be_assigned(cover, task) is not None:
        return None
    return cover.username
