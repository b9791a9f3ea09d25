"""Who a single sign-on is: the person behind an identity provider's verified claims.

The provider is the source of truth for people who sign in through it: at every sign-in their
roles become exactly those their groups map to (PANELFLOW_OIDC_GROUP_MAP), and their name and
email are taken from the claims. Verifying the ID token is done before this (app/web/sso.py);
everything here trusts the claims it is given.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app

from app.extensions import db
from app.models import Role, Team, User
from app.services import people
from app.services.auth import hash_password


@dataclass(frozen=True)
class GroupRule:
    roles: tuple[str, ...]
    team: str | None


class SsoRefused(Exception):
    """The provider vouched for someone who may not use Panelflow (yet)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason  # "deactivated", "no_role", "no_username", "taken"
        self.message = message


def parse_group_map(raw: str | Mapping) -> dict[str, GroupRule]:
    """PANELFLOW_OIDC_GROUP_MAP as rules; ValueError naming what is wrong, so a typo stops
    the app at start-up rather than locking people out later."""
    data = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(data, Mapping):
        raise ValueError("PANELFLOW_OIDC_GROUP_MAP must be a JSON object of group: rule")
    rules = {}
    for group, rule in data.items():
        if not isinstance(rule, Mapping) or set(rule) - {"roles", "team"}:
            raise ValueError(f"group {group!r}: a rule is {{\"roles\": [...], \"team\": \"...\"}}")
        roles = rule.get("roles", [])
        team = rule.get("team")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise ValueError(f"group {group!r}: roles must be a list of role keys")
        if team is not None and not isinstance(team, str):
            raise ValueError(f"group {group!r}: team must be a team key")
        rules[str(group)] = GroupRule(tuple(roles), team or None)
    return rules


def _groups(claims: Mapping, claim: str) -> list[str]:
    value = claims.get(claim)
    if isinstance(value, str):  # some providers send a single group as a string
        return [value]
    if isinstance(value, list):
        return [str(g) for g in value]
    return []


def mapped_access(claims: Mapping, groups_claim: str,
                  rules: Mapping[str, GroupRule]) -> tuple[set[str], str | None]:
    """Roles from every mapped group the person is in; the team of the first of those
    groups, in the map's order, that names one (None if none does)."""
    member_of = set(_groups(claims, groups_claim))
    roles: set[str] = set()
    team = None
    for group, rule in rules.items():
        if group in member_of:
            roles.update(rule.roles)
            team = team or rule.team
    return roles, team


def _username(claims: Mapping, username_claim: str) -> str:
    for claim in (username_claim, "email"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    raise SsoRefused("no_username", "Your account did not say who you are (no username or "
                                    "email). Ask your administrator to check the sign-in set-up.")


def _find(subject: str, username: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.sso_subject == subject))
    if user is not None:
        return user
    # A person an administrator added before their first single sign-on is linked by
    # username; one already linked to another identity is never taken over.
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is not None and user.sso_subject is not None:
        raise SsoRefused("taken", "Another account already uses your username. Ask your "
                                  "administrator to sort this out.")
    return user


def user_from_claims(claims: Mapping, *, username_claim: str, groups_claim: str,
                     rules: Mapping[str, GroupRule]) -> User:
    """The person the claims describe, created or brought up to date; part of the caller's
    transaction (the caller commits, also when SsoRefused says why they cannot come in)."""
    subject = str(claims["sub"])
    username = _username(claims, username_claim)
    if len(username) > User.username.type.length:
        raise SsoRefused("no_username", "Your username is too long for Panelflow. Ask your "
                                        "administrator to check the sign-in set-up.")
    user = _find(subject, username)
    if user is not None and not user.active:
        raise SsoRefused("deactivated", "Your Panelflow account has been deactivated. Ask your "
                                        "administrator if you think it should not be.")
    role_keys, team = mapped_access(claims, groups_claim, rules)
    known = db.session.scalars(db.select(Role).where(Role.key.in_(role_keys))).all()
    if unknown := role_keys - {r.key for r in known}:
        current_app.logger.warning("single sign-on: the group map names unknown roles %s",
                                   sorted(unknown))
    if user is None:
        if not known:
            raise SsoRefused("no_role", _NO_ROLE)  # nobody is created without a way in
        user = User(username=username, display_name=username,
                    # A random password nobody knows: this person signs in through the provider.
                    password_hash=hash_password(secrets.token_urlsafe(32)))
        db.session.add(user)
    user.sso_subject = subject
    user.display_name = _text(claims.get("name"), 120) or user.display_name
    user.email = _text(claims.get("email"), 254) or user.email
    user.roles = list(known)
    if team is not None:  # a person whose groups name no team keeps the one they have
        if db.session.get(Team, team) is None:
            current_app.logger.warning("single sign-on: the group map names unknown team %r",
                                       team)
        else:
            user.team = team
    # A team manager manages their team, a head of service leads its service (access.py).
    people.scope_by_role(user, db.session.get(Team, user.team) if user.team else None)
    db.session.flush()
    if not known:
        raise SsoRefused("no_role", _NO_ROLE)
    return user


_NO_ROLE = ("Your account is not set up to use Panelflow yet: none of your groups gives you a "
            "role. Ask your administrator to add you to the right group.")


def _text(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip()[:limit] or None
