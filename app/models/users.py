"""People, their roles, and the API tokens they sign in with."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

user_roles = sa.Table(
    "user_roles",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role_key", sa.ForeignKey("roles.key", ondelete="CASCADE"), primary_key=True),
)


# Who manages which teams (a team manager may manage more than one) and who leads which
# services (a head of service or service manager): what app/services/access.py reads.
team_managers = sa.Table(
    "team_managers",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_key", sa.ForeignKey("teams.key", ondelete="CASCADE"), primary_key=True),
)
service_leads = sa.Table(
    "service_leads",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("service_key", sa.ForeignKey("services.key", ondelete="CASCADE"),
              primary_key=True),
)


class Service(db.Model):
    """A service of the council's children's social care (e.g. Locality Services)."""

    __tablename__ = "services"

    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))


class Team(db.Model):
    """A team, in one service. A case belongs to a team (ProcessInstance.team is its key)."""

    __tablename__ = "teams"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    service_key: Mapped[str | None] = mapped_column(sa.ForeignKey("services.key"))

    service: Mapped[Service | None] = relationship(lazy="joined")


class Role(db.Model):
    __tablename__ = "roles"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    team: Mapped[str | None] = mapped_column(sa.ForeignKey("teams.key"))  # the team they are in
    email: Mapped[str | None] = mapped_column(sa.String(254))  # for reminders, if any
    # New-work emails: "immediate" or "daily" (one digest a day); see services/notify.py.
    email_frequency: Mapped[str] = mapped_column(sa.String(16), default="immediate",
                                                 server_default="immediate")
    active: Mapped[bool] = mapped_column(default=True)
    # The identity provider's `sub` for this person, set at their first single sign-on: later
    # sign-ins find them by it, whatever the username claim says by then.
    sso_subject: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    team_row: Mapped[Team | None] = relationship(lazy="select", viewonly=True)
    managed_teams: Mapped[list[Team]] = relationship(secondary=team_managers, lazy="select")
    led_services: Mapped[list[Service]] = relationship(secondary=service_leads, lazy="select")

    @property
    def role_keys(self) -> set[str]:
        return {role.key for role in self.roles}

    @property
    def service(self) -> str | None:
        """The service of their team, or else the first service they lead."""
        if self.team_row is not None and self.team_row.service_key:
            return self.team_row.service_key
        return self.led_services[0].key if self.led_services else None


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is stored, so a leaked table grants nothing."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class UserSession(db.Model):
    """A browser sign-in. The cookie carries a random session id; only its SHA-256 is stored.

    Every request checks the row: signing out (or deactivation) ends it at once, and it ends
    after SESSION_IDLE_MINUTES without a request or SESSION_LIFETIME_HOURS after sign-in.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # signed_out, idle, lifetime or deactivated: why it ended, for the audit of a sign-in.
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))

    user: Mapped[User] = relationship(lazy="joined")
