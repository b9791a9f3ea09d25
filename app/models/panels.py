"""Forums as recurring meetings: each panel's configuration, its meetings, and listed items."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.instances import new_id
from app.models.types import JSONType, UTCDateTime, utcnow


class MeetingStatus:
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"
    MINUTED = "minuted"
    ALL = (SCHEDULED, CANCELLED, HELD, MINUTED)


class Panel(db.Model):
    """A forum's configuration, seeded from the council's terms of reference and editable."""

    __tablename__ = "panels"

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    process_key: Mapped[str | None] = mapped_column(sa.String(120))
    cadence: Mapped[str] = mapped_column(sa.String(16))  # weekly | fortnightly
    weekday: Mapped[int] = mapped_column()  # Monday is 0
    starts_at: Mapped[str] = mapped_column(sa.String(5))  # local time "09:00"
    ends_at: Mapped[str] = mapped_column(sa.String(5))
    first_meeting: Mapped[date] = mapped_column(sa.Date)  # anchors the fortnightly cycle
    cutoff_working_days: Mapped[int] = mapped_column(default=0)
    cutoff_time: Mapped[str] = mapped_column(sa.String(5), default="23:59")
    cutoff_rule: Mapped[str] = mapped_column(sa.Text)  # the rule in words, as users read it
    # Where the rule comes from and what was assumed: for administrators, not on the agenda.
    notes: Mapped[str | None] = mapped_column(sa.Text)
    on_holiday: Mapped[str] = mapped_column(sa.String(8), default="move")  # move | cancel
    slot_minutes: Mapped[int] = mapped_column(default=15)
    minutes_due_working_days: Mapped[int] = mapped_column(default=3)
    chair: Mapped[str] = mapped_column(sa.String(200))
    vice_chair: Mapped[str | None] = mapped_column(sa.String(200))
    administrator: Mapped[str] = mapped_column(sa.String(200))
    members: Mapped[list] = mapped_column(JSONType, default=list)  # by role, never by name
    # Meetings that take turns at different business, e.g. PCT's pre-proceedings and court
    # tracking: the nth meeting of the cycle has focus_cycle[n % len].
    focus_cycle: Mapped[list | None] = mapped_column(JSONType)
    # Request types heard less often than the panel sits (CTMP 1a: alternate Fridays), by the
    # type a diagram lists with: {"placement_request": {"every_weeks": 2, "anchor": "2026-11-27"}}.
    request_cadences: Mapped[dict | None] = mapped_column(JSONType)

    @property
    def every_days(self) -> int:
        return 14 if self.cadence == "fortnightly" else 7


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (sa.UniqueConstraint("panel_key", "scheduled_on"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    panel_key: Mapped[str] = mapped_column(sa.ForeignKey("panels.key"), index=True)
    scheduled_on: Mapped[date] = mapped_column(sa.Date)  # the date the cadence gives
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submission_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), default=MeetingStatus.SCHEDULED)
    focus: Mapped[str | None] = mapped_column(sa.String(40))
    note: Mapped[str | None] = mapped_column(sa.Text)  # why it moved or was cancelled
    changed_by: Mapped[str | None] = mapped_column(sa.String(80))  # moved or cancelled by hand
    minutes_instance_id: Mapped[str | None] = mapped_column(sa.String(32))  # its minutes
    weekly_return_instance_id: Mapped[str | None] = mapped_column(sa.String(32))

    panel: Mapped[Panel] = relationship(lazy="joined")
    items: Mapped[list[MeetingItem]] = relationship(
        back_populates="meeting", order_by="MeetingItem.listed_at", lazy="selectin")


class MeetingItem(db.Model):
    """A case listed for a meeting, and in time the decision made on it."""

    __tablename__ = "meeting_items"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "instance_id"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    meeting_id: Mapped[str] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    instance_id: Mapped[str] = mapped_column(sa.ForeignKey("process_instances.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40), default="request")
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)
    retrospective: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[dict | None] = mapped_column(JSONType)
    # The case's variable holding the meeting date, updated if the meeting moves.
    date_field: Mapped[str | None] = mapped_column(sa.String(120))
    # The case's variable holding the slot time ("HH:MM") the administrator gave it, if any.
    slot_field: Mapped[str | None] = mapped_column(sa.String(120))

    meeting: Mapped[Meeting] = relationship(back_populates="items", lazy="joined")
