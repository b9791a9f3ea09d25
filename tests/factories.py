"""Factories for test data. Users made here are removed after each test (tests/conftest.py)."""
from __future__ import annotations

from app.extensions import db
from app.models import Role, User
from app.services.auth import hash_password

_HASH: dict[str, str] = {}


def make_user(username: str, roles: list[str], password: str = "pw", team: str = "test",
              service: str | None = None) -> User:
    if password not in _HASH:
        _HASH[password] = hash_password(password)
    for key in roles:
        if db.session.get(Role, key) is None:
            db.session.add(Role(key=key, name=key))
    user = User(username=username, display_name=username, password_hash=_HASH[password],
                team=team, service=service,
                roles=[db.session.get(Role, k) or Role(key=k, name=k) for k in roles])
    db.session.add(user)
    db.session.commit()
    return user
