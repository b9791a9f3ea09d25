"""Passwords and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ApiToken, User, utcnow

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


# Tests only (FAST_PASSWORD_HASHES, set by tests/conftest.py): the suite signs in thousands of
# times and argon2's defaults cost ~60 ms each. A hash carries its own parameters, so
# verifying needs no switch; production never sets it.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def hash_password(password: str) -> str:
    fast = has_app_context() and current_app.config.get("FAST_PASSWORD_HASHES") \
        and current_app.config.get("PANELFLOW_ENV") == "testing"
    return (_test_hasher if fast else _hasher).hash(password)


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.active else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if user is not None and user.active else None


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, datetime]:
    raw = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(raw), expires_at=expires_at))
    return raw, expires_at


def user_for_token(raw: str) -> User | None:
    token = db.session.scalars(
        db.select(ApiToken).where(ApiToken.token_hash == _digest(raw))
        .options(joinedload(ApiToken.user).joinedload(User.roles))).unique().first()
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    return token.user if token.user.active else None
