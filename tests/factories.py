"""Factories for test data. Users, teams and services made here are removed after each test
(tests/conftest.py)."""
from __future__ import annotations

from app.extensions import db
from app.models import Role, Service, Team, User
from app.services.auth import hash_password

_HASH: dict[str, str] = {}
LEAD_ROLES = ("service_manager", "head_of_service")


def make_team(key: str, service: str | None = None) -> Team:
    """The team (made if missing), in `service` (made if missing)."""
    if service and db.session.get(Service, service) is None:
        db.session.add(Service(key=service, name=service))
    team = db.session.get(Team, key)
    if team is None:
        team = Team(key=key, name=key, service_key=service)
        db.session.add(team)
        db.session.flush()
    return team


def make_user(username: str, roles: list[str], password: str = "pw", team: str = "test",
              service: str | None = None) -> User:
    """A person in `team` (in `service`); a team manager manages their team and a service
    manager or head of service leads the team's service, as in the demo data."""
    if password not in _HASH:
        _HASH[password] = hash_password(password)
    for key in roles:
        if db.session.get(Role, key) is None:
            db.session.add(Role(key=key, name=key))
    team_row = make_team(team, service)
    user = User(username=username, display_name=username, password_hash=_HASH[password],
                team=team_row.key,
                roles=[db.session.get(Role, k) or Role(key=k, name=k) for k in roles])
    if "team_manager" in roles:
        user.managed_teams = [team_row]
    if set(roles) & set(LEAD_ROLES) and team_row.service_key:
        user.led_services = [db.session.get(Service, team_row.service_key)]
    db.session.add(user)
    db.session.commit()
    return user
