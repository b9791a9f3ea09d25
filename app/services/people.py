"""A council's own people and teams: administrators add, change, deactivate and reactivate
people and make teams; a team manager reads their own team and hands a leaver's work over.

Every change is in the audit trail with what changed for whom. Who sees which case follows
from these rows through app/services/access.py.
"""
from __future__ import annotations

import re
from typing import Any

from flask import current_app

from app import audit
from app.extensions import db
from app.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    Role,
    Service,
    TaskStatus,
    Team,
    User,
)
from app.services import access, allocation, history, user_sessions
from app.services.auth import hash_password
from app.services.errors import Conflict, Forbidden, Invalid, NotFound

ADMINISTRATOR_ROLE = "administrator"
MIN_PASSWORD = 12
# A password hash no password matches: a person who signs in by single sign-on, or who has
# not yet set a password.
NO_PASSWORD = "!"  # noqa: S105 - not a password: a hash nothing matches


# Usernames appear in page addresses and the audit trail: letters, digits and . _ @ - only.
USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,80}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def password_sign_in() -> bool:
    """Whether people may sign in with a password (PANELFLOW_PASSWORD_LOGIN=0 turns it off
    where single sign-on is the only way in): only then may an administrator set one."""
    return bool(current_app.config.get("PASSWORD_LOGIN", True))


def is_administrator(user: User) -> bool:
    return ADMINISTRATOR_ROLE in user.role_keys


def _require_admin(actor: User) -> None:
    if not is_administrator(actor):
        raise Forbidden("Only an administrator may manage people and teams")


def _changed(actor: User, username: str, detail: dict[str, Any]) -> None:
    audit.note("user", username, None, detail=detail)


# --- teams ------------------------------------------------------------------------------

def list_teams() -> list[Team]:
    return list(db.session.scalars(db.select(Team).order_by(Team.name, Team.key)))


def list_services() -> list[Service]:
    return list(db.session.scalars(db.select(Service).order_by(Service.name, Service.key)))


def team_key(name: str) -> str:
    """A key made from a team's name: "Fostering North" → "fostering-north"."""
    return re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")[:80]


def create_team(actor: User, key: str, name: str, service: str | None) -> Team:
    _require_admin(actor)
    key, name = (key or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not key:
        errors["key"] = ["Enter a key for the team, such as fostering-north"]
    elif len(key) > 80:
        errors["key"] = ["The team's key must be 80 characters or fewer"]
    if not name:
        errors["name"] = ["Enter the team's name"]
    elif len(name) > 200:
        errors["name"] = ["The team's name must be 200 characters or fewer"]
    if service and len(service.strip()) > 120:
        errors["service"] = ["The service's name must be 120 characters or fewer"]
    if errors:
        raise Invalid("The team has errors", errors)
    if db.session.get(Team, key) is not None:
        raise Conflict(f"There is already a team {key!r}")
    service_key = (service or "").strip() or None
    if service_key and db.session.get(Service, service_key) is None:
        db.session.add(Service(key=service_key, name=service_key))
    team = Team(key=key, name=name, service_key=service_key)
    db.session.add(team)
    db.session.flush()
    audit.note("team", key, None, detail={"created": {"name": name, "service": service_key}})
    return team


# --- people -----------------------------------------------------------------------------

def get(username: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.username == username))


def display_names(usernames: set[str]) -> dict[str, str]:
    """Username → the name people know them by, for the pages."""
    if not usernames:
        return {}
    return dict(db.session.execute(db.select(User.username, User.display_name)
                                   .where(User.username.in_(sorted(usernames)))).all())


def may_read_people(actor: User) -> bool:
    return is_administrator(actor) or bool(access.managed_teams(actor))


def list_users(actor: User, team: str | None = None, role: str | None = None,
               active: bool | None = None, search: str | None = None) -> list[User]:
    """Administrators read everyone; a team manager reads the teams they manage."""
    query = db.select(User).order_by(User.display_name, User.username)
    if not is_administrator(actor):
        teams = access.managed_teams(actor)
        if not teams:
            raise Forbidden("Only an administrator or a team manager may list people")
        query = query.where(User.team.in_(sorted(teams)))
    if team:
        query = query.where(User.team == team)
    if role:
        query = query.where(User.roles.any(Role.key == role))
    if active is not None:
        query = query.where(User.active.is_(active))
    if search and search.strip():
        term = f"%{search.strip()}%"
        query = query.where(db.or_(User.display_name.ilike(term), User.username.ilike(term),
                                   User.email.ilike(term)))
    return list(db.session.scalars(query))


def _roles(keys: list[str] | None, errors: dict[str, list[str]]) -> list[Role]:
    roles = []
    for key in keys or []:
        role = db.session.get(Role, key)
        if role is None:
            errors.setdefault("roles", []).append(f"There is no role {key!r}")
        else:
            roles.append(role)
    return roles


def _team(key: str | None, errors: dict[str, list[str]]) -> Team | None:
    if not key:
        return None
    team = db.session.get(Team, key)
    if team is None:
        errors.setdefault("team", []).append(f"There is no team {key!r}")
    return team


def scope_by_role(user: User, team: Team | None) -> None:
    """A team manager manages their own team and a service manager or head of service leads
    their team's service, unless an administrator has said otherwise."""
    keys = user.role_keys
    if "team_manager" in keys and team is not None and not user.managed_teams:
        user.managed_teams = [team]
    if "team_manager" not in keys:
        user.managed_teams = []
    if keys & access.SERVICE_SCOPE_ROLES:
        if not user.led_services and team is not None and team.service is not None:
            user.led_services = [team.service]
    else:
        user.led_services = []


def _name(name: str | None, errors: dict[str, list[str]]) -> str:
    name = (name or "").strip()
    if not name:
        errors["display_name"] = ["Enter the person's full name"]
    elif len(name) > 120:
        errors["display_name"] = ["The person's name must be 120 characters or fewer"]
    return name


def _email(email: str | None, errors: dict[str, list[str]]) -> str | None:
    email = (email or "").strip() or None
    if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
        errors["email"] = ["Enter an email address in the correct format, like "
                           "name@example.com"]
    return email


def _password(password: str | None, errors: dict[str, list[str]]) -> str:
    if password is None:
        return NO_PASSWORD
    if len(password) < MIN_PASSWORD:
        errors["password"] = [f"Use a password of at least {MIN_PASSWORD} characters"]
    return hash_password(password)


def create_user(actor: User | None, body: dict) -> User:
    """Add a person (actor None: the command line creating the first administrator)."""
    if actor is not None:
        _require_admin(actor)
    username = (body.get("username") or "").strip()
    errors: dict[str, list[str]] = {}
    name = _name(body.get("display_name"), errors)
    if not username:
        errors["username"] = ["Enter a username"]
    elif not USERNAME.fullmatch(username):
        errors["username"] = ["Username must be 80 characters or fewer and use only letters, "
                              "numbers, full stops, hyphens, underscores and @"]
    elif get(username) is not None:
        raise Conflict(f"There is already a person with the username {username!r}")
    email = _email(body.get("email"), errors)
    roles = _roles(body.get("roles"), errors)
    team = _team(body.get("team"), errors)
    password_hash = _password(body.get("password"), errors)
    if errors:
        raise Invalid("The person's details have errors", errors)
    user = User(username=username, display_name=name, email=email,
                team=team.key if team else None,
                password_hash=password_hash, roles=roles, active=True)
    scope_by_role(user, team)
    db.session.add(user)
    db.session.flush()
    _changed(actor, username, {"created": {"roles": sorted(r.key for r in roles),
                                           "team": user.team, "email": user.email}})
    return user


def _release_open_tasks(actor: User | None, user: User) -> int:
    """A leaver's open tasks go back to their role's queue, each noted in its case."""
    held = list(db.session.scalars(db.select(HumanTask).where(
        HumanTask.assignee == user.username, HumanTask.status == TaskStatus.READY)))
    for task in held:
        task.assignee = None
        history.record(task.instance_id, "released", actor.username if actor else None, task,
                       {"reason": f"{user.display_name} was deactivated"})
    return len(held)


def end_access(user: User) -> None:
    """Every session and token refused from the next request (app/services/user_sessions.py
    also refuses an inactive person's session on every request)."""
    user_sessions.end_all_sessions(user, "deactivated")


def update_user(actor: User, username: str, changes: dict) -> User:
    _require_admin(actor)
    user = get(username)
    if user is None:
        raise NotFound("No such person")
    errors: dict[str, list[str]] = {}
    detail: dict[str, Any] = {}
    if "display_name" in changes:
        name = _name(changes["display_name"], errors)
        if name and "display_name" not in errors and name != user.display_name:
            detail["display_name"] = [user.display_name, name]
            user.display_name = name
    if "email" in changes:
        email = _email(changes["email"], errors)
        if "email" not in errors and email != user.email:
            detail["email"] = [user.email, email]
            user.email = email
    team = db.session.get(Team, user.team) if user.team else None
    if "team" in changes:
        new_team = _team(changes["team"], errors)
        new_key = new_team.key if new_team else None
        if new_key != user.team:
            detail["team"] = [user.team, new_key]
            user.team, team = new_key, new_team
            if "team_manager" in user.role_keys:  # they manage the team they move to
                user.managed_teams = [new_team] if new_team else []
    if "roles" in changes:
        roles = _roles(changes["roles"], errors)
        before, after = sorted(user.role_keys), sorted(r.key for r in roles)
        if before != after:
            detail["roles"] = [before, after]
            user.roles = roles
    if errors:
        raise Invalid("The person's details have errors", errors)
    scope_by_role(user, team)
    if "active" in changes and bool(changes["active"]) != user.active:
        if actor.id == user.id and not changes["active"]:
            raise Conflict("You cannot deactivate yourself")
        user.active = bool(changes["active"])
        detail["active"] = [not user.active, user.active]
        if not user.active:
            end_access(user)
            detail["tasks_released"] = _release_open_tasks(actor, user)
    if detail:
        _changed(actor, username, detail)
    return user


def handover(actor: User, username: str, to: str) -> int:
    """Every open task held by `username` goes to `to` (their team manager or an
    administrator), each noted in its case; a step `to` may not do is refused."""
    user, receiver = get(username), get(to)
    if user is None:
        raise NotFound("No such person")
    if not (is_administrator(actor) or (user.team and user.team in access.managed_teams(actor))):
        raise Forbidden("Only their team manager or an administrator may hand over their work")
    if receiver is None or not receiver.active:
        raise Invalid("Unknown person", {"to": [f"There is no active person {to!r}"]})
    held = list(db.session.scalars(db.select(HumanTask).where(
        HumanTask.assignee == user.username, HumanTask.status == TaskStatus.READY)))
    refused = {task.title: access.may_be_assigned(receiver, task) for task in held}
    refused = {title: why for title, why in refused.items() if why}
    if refused:
        raise Invalid("Some work cannot go to this person",
                      {"to": [f"{title}: {why}" for title, why in refused.items()]})
    for task in held:
        task.assignee = receiver.username
        history.record(task.instance_id, "assigned", actor.username, task,
                       {"assignee": receiver.username, "handed_over_from": user.username})
    allocated = _hand_over_allocations(actor, user, receiver)
    _changed(actor, username, {"handover": {"to": receiver.username, "moved": len(held),
                                            "cases_allocated": allocated}})
    return len(held)


def _hand_over_allocations(actor: User, user: User, receiver: User) -> int:
    """The open cases the person is the allocated social worker of go to the receiver too,
    where the receiver may be (a social worker of the case's team)."""
    cases = db.session.scalars(db.select(ProcessInstance).where(
        ProcessInstance.allocated_worker == user.username,
        ProcessInstance.status.in_(InstanceStatus.OPEN + (InstanceStatus.SUSPENDED,
                                                          InstanceStatus.ERROR))))
    moved = 0
    for case in cases:
        if allocation.why_not(receiver, case.team) is None:
            case.allocated_worker = receiver.username
            history.record(case.id, "allocated_worker_changed", actor.username,
                           detail={"from": user.username, "to": receiver.username,
                                   "handed_over": True})
            moved += 1
    return moved


def open_task_count(username: str) -> int:
    """How many open tasks the person holds: what deactivating or handing over moves."""
    return db.session.scalar(db.select(db.func.count()).select_from(HumanTask).where(
        HumanTask.assignee == username, HumanTask.status == TaskStatus.READY)) or 0


def list_roles() -> list[Role]:
    """Roles a person may be given (not "system", which marks pathways the service begins)."""
    return list(db.session.scalars(db.select(Role).where(Role.key != "system")
                                   .order_by(Role.name)))
