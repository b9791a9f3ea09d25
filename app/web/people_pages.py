"""The administrator's people and teams pages (issue 18, part 1): find, add and change people,
deactivate and reactivate them, hand their work over; list and add teams. A team manager
reads their own team's people and hands a leaver's work over. Every change goes through
app/services/people.py, which audits it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.models import Team, User
from app.security import signed_in_user
from app.services import access, people
from app.services.errors import Conflict, Invalid, NotFound, ServiceError
from app.web.sessions import page_login_required

bp = Blueprint("people_pages", __name__)
teams_bp = Blueprint("team_pages", __name__)
ACTIVE_FILTERS = {"": "Everyone", "yes": "Active", "no": "Deactivated"}


def people_menu(user: User) -> list[tuple[str, str]]:
    """The header's links to these pages: People for administrators and team managers (their
    own team), Teams for administrators."""
    items = [("people_pages.index", "People")] if people.may_read_people(user) else []
    if people.is_administrator(user):
        items.append(("team_pages.teams", "Teams"))
    return items


def _admin() -> User:
    user = signed_in_user()
    if not people.is_administrator(user):
        abort(403)
    return user


def _reader() -> User:
    user = signed_in_user()
    if not people.may_read_people(user):
        abort(403)
    return user


def _person(reader: User, username: str) -> User:
    """The person, if the reader may see them (a team manager: their own teams); else 404."""
    person = people.get(username)
    if person is None or not (people.is_administrator(reader)
                              or (person.team and person.team in access.managed_teams(reader))):
        abort(404)
    return person


def _form_choices() -> dict:
    teams = [(t.key, f"{t.name} ({t.service.name})" if t.service else t.name)
             for t in people.list_teams()]
    return {"team_options": teams, "roles": people.list_roles(),
            "password_sign_in": people.password_sign_in()}


@bp.get("/admin/people")
@page_login_required
def index():
    reader = _reader()
    filters = {"q": (request.args.get("q") or "").strip()[:100],
               "team": request.args.get("team") or "",
               "role": request.args.get("role") or "",
               "active": request.args.get("active") if request.args.get("active")
               in ACTIVE_FILTERS else ""}
    found = people.list_users(reader, filters["team"] or None, filters["role"] or None,
                              {"yes": True, "no": False}.get(filters["active"]),
                              filters["q"] or None)
    teams = {t.key: t for t in people.list_teams()}
    if not people.is_administrator(reader):
        teams = {k: t for k, t in teams.items() if k in access.managed_teams(reader)}
    return render_template("people/index.html", found=found, filters=filters, teams=teams,
                           roles=people.list_roles(), active_filters=ACTIVE_FILTERS,
                           may_change=people.is_administrator(reader))


@bp.route("/admin/people/new", methods=["GET", "POST"])
@page_login_required
def new():
    actor = _admin()
    values = {"display_name": "", "username": "", "email": "", "team": "", "roles": []}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in values}
        values["roles"] = request.form.getlist("roles")
        body = {**values, "team": values["team"] or None,
                "password": request.form.get("password") or None}
        if not people.password_sign_in():
            body["password"] = None
        try:
            person = people.create_user(actor, body)
        except Conflict as exc:
            errors = {"username": [exc.message]}
        except Invalid as exc:
            errors = exc.errors or {}
        if errors:
            db.session.rollback()
        else:
            db.session.commit()
            flash(f"{person.display_name} has been added", "success")
            return redirect(url_for("people_pages.person", username=person.username))
    return render_template("people/new.html", values=values, errors=errors,
                           **_form_choices()), (422 if errors else 200)


@bp.get("/admin/people/<username>")
@page_login_required
def person(username: str):
    reader = _reader()
    shown = _person(reader, username)
    team = db.session.get(Team, shown.team) if shown.team else None
    return render_template("people/person.html", person=shown, team=team,
                           roles=sorted(r.name for r in shown.roles),
                           open_tasks=people.open_task_count(shown.username),
                           may_change=people.is_administrator(reader),
                           is_me=reader.id == shown.id)


@bp.route("/admin/people/<username>/change", methods=["GET", "POST"])
@page_login_required
def change(username: str):
    actor = _admin()
    shown = _person(actor, username)
    values = {"display_name": shown.display_name, "email": shown.email or "",
              "team": shown.team or "", "roles": sorted(shown.role_keys)}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in values}
        values["roles"] = request.form.getlist("roles")
        try:
            people.update_user(actor, username, {**values, "team": values["team"] or None})
        except Invalid as exc:
            errors = exc.errors or {}
            db.session.rollback()
        else:
            db.session.commit()
            flash(f"{values['display_name']}'s details have been changed", "success")
            return redirect(url_for("people_pages.person", username=username))
    return render_template("people/change.html", person=shown, values=values, errors=errors,
                           **_form_choices()), (422 if errors else 200)


@bp.route("/admin/people/<username>/deactivate", methods=["GET", "POST"])
@page_login_required
def deactivate(username: str):
    actor = _admin()
    shown = _person(actor, username)
    if request.method == "POST":
        try:
            people.update_user(actor, username, {"active": False})
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("people_pages.person", username=username))
        db.session.commit()
        flash(f"{shown.display_name} has been deactivated and signed out", "success")
        return redirect(url_for("people_pages.person", username=username))
    return render_template("people/deactivate.html", person=shown,
                           open_tasks=people.open_task_count(username),
                           is_me=actor.id == shown.id)


@bp.post("/admin/people/<username>/reactivate")
@page_login_required
def reactivate(username: str):
    actor = _admin()
    shown = _person(actor, username)
    people.update_user(actor, username, {"active": True})
    db.session.commit()
    flash(f"{shown.display_name} has been reactivated and can sign in again", "success")
    return redirect(url_for("people_pages.person", username=username))


@bp.route("/admin/people/<username>/handover", methods=["GET", "POST"])
@page_login_required
def handover(username: str):
    reader = _reader()
    shown = _person(reader, username)
    candidates = [u for u in people.list_users(reader, active=True) if u.id != shown.id]
    errors: dict[str, list[str]] = {}
    chosen = request.form.get("to", "")
    if request.method == "POST":
        if not chosen:
            errors = {"to": ["Choose who should get their work"]}
        else:
            try:
                moved = people.handover(reader, username, chosen)
            except (Invalid, NotFound) as exc:
                errors = getattr(exc, "errors", None) or {"to": [exc.message]}
        if errors:
            db.session.rollback()
        else:
            db.session.commit()
            receiver = people.get(chosen)
            flash(f"{moved} task{'' if moved == 1 else 's'} handed over to "
                  f"{receiver.display_name}", "success")
            return redirect(url_for("people_pages.person", username=username))
    return render_template("people/handover.html", person=shown, candidates=candidates,
                           chosen=chosen, errors=errors,
                           open_tasks=people.open_task_count(username)), (422 if errors else 200)


# --- teams -------------------------------------------------------------------------------

@teams_bp.get("/admin/teams")
@page_login_required
def teams():
    _admin()
    counts = dict(db.session.execute(db.select(User.team, db.func.count()).where(
        User.active, User.team.is_not(None)).group_by(User.team)).all())
    return render_template("people/teams.html", teams=people.list_teams(), counts=counts)


@teams_bp.route("/admin/teams/new", methods=["GET", "POST"])
@page_login_required
def new_team():
    actor = _admin()
    values = {"name": "", "key": "", "service": "", "new_service": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in values}
        key = values["key"] or people.team_key(values["name"])
        try:
            team = people.create_team(actor, key, values["name"],
                                      values["new_service"] or values["service"] or None)
        except Conflict as exc:
            errors = {"key" if values["key"] else "name": [exc.message]}
        except Invalid as exc:
            errors = exc.errors or {}
            if not values["key"] and "name" in errors:
                errors.pop("key", None)  # the key is made from the name: name it first
        if errors:
            db.session.rollback()
        else:
            db.session.commit()
            flash(f"{team.name} has been added", "success")
            return redirect(url_for("team_pages.teams"))
    return render_template("people/new_team.html", values=values, errors=errors,
                           services=people.list_services()), (422 if errors else 200)
