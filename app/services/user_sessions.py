"""Browser sessions kept on the server.

The session cookie carries one random id (and the form CSRF token); the `user_sessions` row
behind it says who it is and whether it still counts. A request is refused once the row has
ended (signed out, deactivated), has gone SESSION_IDLE_MINUTES without a request, or is
older than SESSION_LIFETIME_HOURS, so a copied cookie is worth nothing after any of them.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ApiToken, User, UserSession, utcnow

# last_seen_at is written at most this often: one small UPDATE a minute per active person,
# so the idle timeout is exact to within a minute.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start(user: User) -> str:
    """A new session for `user`; returns the raw id for the cookie (only its hash is kept)."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(session_hash=_digest(raw), user_id=user.id, created_at=now,
                               last_seen_at=now))
    return raw


def _close(row: UserSession, reason: str) -> None:
    row.ended_at = utcnow()
    row.end_reason = reason


def resolve(raw: str) -> tuple[User | None, str | None]:
    """The user a session id belongs to, or None and why not ("ended", "idle", "lifetime",
    "deactivated", "unknown"). Commits when it ends a session or records it as seen, so call
    it before a request changes anything."""
    row = db.session.scalars(
        db.select(UserSession).where(UserSession.session_hash == _digest(raw))
        .options(joinedload(UserSession.user).joinedload(User.roles))).unique().first()
    if row is None:
        return None, "unknown"
    if row.ended_at is not None:
        return None, "ended"
    now = utcnow()
    config = current_app.config
    reason = None
    if not row.user.active:
        reason = "deactivated"
    elif now - row.last_seen_at > timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        reason = "idle"
    elif now - row.created_at > timedelta(hours=config["SESSION_LIFETIME_HOURS"]):
        reason = "lifetime"
    if reason is not None:
        _close(row, reason)
        db.session.commit()
        return None, reason
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row.user, None


def end(raw: str, reason: str = "signed_out") -> None:
    """End one session (signing out). Commits."""
    row = db.session.scalar(db.select(UserSession).where(UserSession.session_hash == _digest(raw)))
    if row is not None and row.ended_at is None:
        _close(row, reason)
        db.session.commit()


def end_all_sessions(user: User, reason: str = "deactivated") -> int:
    """End every browser session of `user` and revoke every API token they hold, e.g. when
    they are deactivated. Part of the caller's transaction: the caller commits. Returns how
    many sessions and tokens it ended."""
    now = utcnow()
    sessions = db.session.execute(
        db.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)).rowcount
    tokens = db.session.execute(
        db.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)).rowcount
    return sessions + tokens
