"""Panels as recurring meetings: generating meetings from each panel's cadence, and listing
cases on the next meeting whose submission cut-off has not passed."""
from __future__ import annotations

import contextvars
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError

from app.engine import clock
from app.engine.working_days import LONDON, cutoff_day, meeting_day
from app.extensions import db
from app.models import (
    HumanTask,
    Meeting,
    MeetingItem,
    MeetingStatus,
    Panel,
    ProcessInstance,
    TaskStatus,
)
from app.services import access
from app.services.access import PANEL_ROLES
from app.services.errors import NotFound

GENERATE_AHEAD = timedelta(days=92)  # "the next three months"
# The instance whose step is running, so that a diagram's list_on_panel() knows what to list.
current_instance: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_instance", default=None)


def local_moment(day: date, clock_time: str) -> datetime:
    """A London wall-clock time on `day`, as UTC."""
    return datetime.combine(day, time.fromisoformat(clock_time), LONDON).astimezone(UTC)


def get_panel(key: str) -> Panel:
    panel = db.session.get(Panel, key)
    if panel is None:
        raise NotFound(f"No panel {key!r}")
    return panel


def _new_meeting(panel: Panel, scheduled: date, index: int) -> Meeting:
    held = meeting_day(scheduled, panel.on_holiday)
    day = held or scheduled
    meeting = Meeting(
        panel_key=panel.key, scheduled_on=scheduled, starts_at=local_moment(day, panel.starts_at),
        ends_at=local_moment(day, panel.ends_at),
        submission_deadline=local_moment(cutoff_day(day, panel.cutoff_working_days),
                                   panel.cutoff_time),
        status=MeetingStatus.SCHEDULED if held else MeetingStatus.CANCELLED,
        focus=(panel.focus_cycle[index % len(panel.focus_cycle)] if panel.focus_cycle else None))
    if held is None:
        meeting.note = f"Cancelled: {scheduled.isoformat()} is a bank holiday or closure day"
    elif held != scheduled:
        meeting.note = (f"Moved from {scheduled.isoformat()}, a bank holiday or closure day, "
                        "to the next working day")
    return meeting


def ensure_meetings(panel: Panel, until: date, existing: set[date] | None = None) -> None:
    """Create the panel's meetings up to `until` that do not exist yet (safe to repeat).
    `existing`: the days it has meetings for, when the caller has read them already."""
    if existing is None:
        existing = set(db.session.scalars(db.select(Meeting.scheduled_on).where(
            Meeting.panel_key == panel.key)))
    missing: list[tuple[date, int]] = []
    scheduled, index = panel.first_meeting, 0
    while scheduled <= until:
        if scheduled not in existing:
            missing.append((scheduled, index))
        scheduled += timedelta(days=panel.every_days)
        index += 1
    if not missing:
        return
    try:  # all in one flush (a new database, or months ahead, is hundreds of meetings) ...
        with db.session.begin_nested():
            db.session.add_all([_new_meeting(panel, day, i) for day, i in missing])
    except IntegrityError:  # ... unless another worker made some just now: then one by one
        for day, i in missing:
            try:
                with db.session.begin_nested():
                    db.session.add(_new_meeting(panel, day, i))
            except IntegrityError:
                pass


def ensure_all_meetings(today: date | None = None) -> None:
    until = (today or clock.now().astimezone(LONDON).date()) + GENERATE_AHEAD
    # Every panel's meeting days in one query: this runs on each pass of the scheduler.
    existing: dict[str, set[date]] = {}
    for key, day in db.session.execute(db.select(Meeting.panel_key, Meeting.scheduled_on)):
        existing.setdefault(key, set()).add(day)
    for panel in db.session.scalars(db.select(Panel)):
        ensure_meetings(panel, until, existing.get(panel.key, set()))
    mark_past_meetings_held(clock.now())


def meetings_between(panel: Panel, start: date, end: date) -> list[Meeting]:
    ensure_meetings(panel, end)
    return list(db.session.scalars(
        db.select(Meeting).where(Meeting.panel_key == panel.key,
                                 Meeting.starts_at >= local_moment(start, "00:00"),
                                 Meeting.starts_at < local_moment(end + timedelta(days=1), "00:00"))
        .order_by(Meeting.starts_at)))


# A 24-hour London time of day as panels store it ("09:30"): the settings page and the API
# check meeting hours and cut-offs against the same pattern.
CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
# What a request type's entry in `request_cadences` holds besides its cadence: its own cut-off.
CUTOFF_KEYS = ("cutoff_time", "cutoff_rule")
CUTOFF_RULE_LIMIT = 500


def own_cadence(panel: Panel, kind: str | None) -> dict | None:
    """The kind's own cadence ({"every_weeks", "anchor"}), None when it is heard every meeting.
    A kind's entry in `request_cadences` may hold only a cut-off of its own."""
    entry = (panel.request_cadences or {}).get(kind or "")
    return entry if entry and entry.get("every_weeks") else None


def own_cutoff(panel: Panel, kind: str | None) -> dict | None:
    """The kind's own cut-off ({"cutoff_time", "cutoff_rule"}), None when the panel's holds
    (CTMP 1a: "THURSDAY MORNING" while other papers are due Thursday 12 noon)."""
    entry = (panel.request_cadences or {}).get(kind or "")
    return entry if entry and entry.get("cutoff_time") else None


def submission_deadline(meeting: Meeting, kind: str | None = None) -> datetime:
    """When papers of `kind` are due for the meeting: the meeting's deadline, or the same
    working days before the day it is held at the kind's own time of day."""
    cutoff = own_cutoff(meeting.panel, kind)
    if cutoff is None:
        return meeting.submission_deadline
    day = meeting.starts_at.astimezone(LONDON).date()
    return local_moment(cutoff_day(day, meeting.panel.cutoff_working_days),
                        cutoff["cutoff_time"])


def hears(panel: Panel, kind: str | None, scheduled_on: date) -> bool:
    """Whether a meeting scheduled on that day hears requests of `kind`: every meeting,
    unless the panel gives the kind a cadence of its own (CTMP 1a: alternate Fridays)."""
    cadence = own_cadence(panel, kind)
    if not cadence:
        return True
    every = 7 * int(cadence["every_weeks"])
    return (scheduled_on - date.fromisoformat(cadence["anchor"])).days % every == 0


def next_meeting(panel: Panel, moment: datetime, retrospective: bool = False,
                 focus: str | None = None, not_before: date | None = None,
                 after: date | None = None, kind: str | None = None) -> Meeting:
    """The first meeting still open to a submission made at `moment` (and on or after
    `not_before`, a return date a forum set) that hears requests of `kind`. A retrospective
    (emergency) item goes on the next meeting regardless of its cut-off and cadence, and so
    does a standing item that follows on from the meeting held on `after` (it is on the first
    one after that day)."""
    horizon = max(moment.astimezone(LONDON).date(), not_before or date.min,
                  after or date.min) + GENERATE_AHEAD
    ensure_meetings(panel, horizon)
    query = db.select(Meeting).where(
        Meeting.panel_key == panel.key, Meeting.status == MeetingStatus.SCHEDULED,
        Meeting.starts_at > moment)
    if after:
        query = query.where(Meeting.starts_at >= local_moment(after + timedelta(days=1), "00:00"))
    # A kind with its own cut-off is checked below against that, not the panel's.
    own_deadline = not after and not retrospective and own_cutoff(panel, kind) is not None
    if not after and not retrospective and not own_deadline:
        query = query.where(Meeting.submission_deadline >= moment)
    if focus:
        query = query.where(Meeting.focus == focus)
    if not_before:
        query = query.where(Meeting.starts_at >= local_moment(not_before, "00:00"))
    by_cadence = not retrospective and own_cadence(panel, kind) is not None
    if not by_cadence and not own_deadline:
        meeting = db.session.scalars(query.order_by(Meeting.starts_at).limit(1)).first()
    else:
        meeting = next((each for each in db.session.scalars(query.order_by(Meeting.starts_at))
                        if (not by_cadence or hears(panel, kind, each.scheduled_on))
                        and (not own_deadline or submission_deadline(each, kind) >= moment)),
                       None)
    if meeting is None:
        raise ValueError(f"no {panel.key} meeting is scheduled within three months")
    return meeting


def list_instance(instance_id: str, panel_key: str, retrospective: bool = False,
                  kind: str = "request", focus: str | None = None,
                  not_before: date | None = None, field: str | None = None,
                  slot_field: str | None = None, after: date | None = None) -> MeetingItem:
    """List the case on the next open meeting (once per meeting)."""
    moment = clock.now()
    meeting = next_meeting(get_panel(panel_key), moment, retrospective, focus, not_before,
                           after, kind)
    item = db.session.scalar(db.select(MeetingItem).where(
        MeetingItem.meeting_id == meeting.id, MeetingItem.instance_id == instance_id))
    if item is None:
        item = MeetingItem(meeting_id=meeting.id, meeting=meeting, instance_id=instance_id,
                           kind=kind, listed_at=moment, late=False,
                           retrospective=retrospective, date_field=field,
                           slot_field=slot_field)
        db.session.add(item)
    return item


def list_current_instance(panel_key: str, retrospective: bool = False, kind: str = "request",
                          focus: str | None = None, not_before: str | None = None,
                          field: str | None = None, slot_field: str | None = None,
                          after: str | None = None) -> str:
    """What a diagram's `list_on_panel(...)` runs: lists the case whose step is running and
    returns the meeting's date (London) as an ISO string."""
    instance_id = current_instance.get()
    if instance_id is None:
        raise RuntimeError("list_on_panel() can only run within a case's step")
    item = list_instance(instance_id, panel_key, bool(retrospective), kind, focus,
                         date.fromisoformat(not_before[:10]) if not_before else None, field,
                         slot_field, date.fromisoformat(str(after)[:10]) if after else None)
    return item.meeting.starts_at.astimezone(LONDON).date().isoformat()


def current_listings(instance_ids: list[str]) -> dict[str, MeetingItem]:
    """`current_listing` for many cases in one query (a page of the case list)."""
    found: dict[str, MeetingItem] = {}
    for item in db.session.scalars(
            db.select(MeetingItem).join(Meeting)
            .where(MeetingItem.instance_id.in_(instance_ids), MeetingItem.decision.is_(None),
                   Meeting.status == MeetingStatus.SCHEDULED)
            .order_by(Meeting.starts_at)):
        found[item.instance_id] = item  # the latest meeting wins, as in current_listing
    return found


def current_listing(instance_id: str) -> MeetingItem | None:
    """The meeting a case is waiting for: listed, not yet decided, meeting not yet held."""
    return db.session.scalar(
        db.select(MeetingItem).join(Meeting)
        .where(MeetingItem.instance_id == instance_id, MeetingItem.decision.is_(None),
               Meeting.status == MeetingStatus.SCHEDULED)
        .order_by(Meeting.starts_at.desc()).limit(1))


def record_decision(instance_id: str, fields: dict[str, str], data: dict,
                    inherited: dict | None = None) -> MeetingItem | None:
    """Copy a panel's decision from the submitted form onto the case's agenda item, and mark
    the meeting held. The item is the one whose meeting date the step inherited (its
    `field`): a case listed weekly is already on next week's meeting when this week's
    decision is recorded. Otherwise it is the latest meeting the case waits for."""
    items = list(db.session.scalars(
        db.select(MeetingItem).join(Meeting)
        .where(MeetingItem.instance_id == instance_id, MeetingItem.decision.is_(None),
               Meeting.status.in_((MeetingStatus.SCHEDULED, MeetingStatus.HELD)))
        .order_by(Meeting.starts_at.desc())))
    if not items:
        return None
    inherited = inherited or {}
    item = next((candidate for candidate in items if candidate.date_field and
                 str(inherited.get(candidate.date_field, ""))[:10] ==
                 candidate.meeting.starts_at.astimezone(LONDON).date().isoformat()), items[0])
    item.decision = {key: data.get(field) for key, field in fields.items()}
    item.decision.setdefault("actions", [])
    if item.meeting.status == MeetingStatus.SCHEDULED:
        item.meeting.status = MeetingStatus.HELD
    return item


def mark_past_meetings_held(moment: datetime) -> None:
    # One UPDATE, not a Meeting (its panel and agenda) loaded for each of weeks of meetings;
    # "fetch" keeps any already loaded in this session up to date.
    db.session.execute(
        db.update(Meeting).where(Meeting.status == MeetingStatus.SCHEDULED,
                                 Meeting.ends_at < moment)
        .values(status=MeetingStatus.HELD).execution_options(synchronize_session="fetch"))


SIGNATURE_PREFIX = "sign_"  # a diagram's signature steps are named sign_<who>


def paperwork_status(instance_ids: list[str]) -> dict[str, str]:
    """Per case: "missing" while someone other than the panel's own roles still owes a step
    (the request, an update, a pro-forma); "unsigned" when only signatures are outstanding
    (CTMP may discuss a CDMF its service leader has not signed); else "complete"."""
    owing: dict[str, set[bool]] = {}
    for instance_id, name in db.session.execute(db.select(HumanTask.instance_id, HumanTask.name)
                                                .where(HumanTask.instance_id.in_(instance_ids),
                                                       HumanTask.status == TaskStatus.READY,
                                                       HumanTask.role.not_in(PANEL_ROLES))):
        owing.setdefault(instance_id, set()).add(name.startswith(SIGNATURE_PREFIX))
    status = {}
    for i in instance_ids:
        kinds = owing.get(i, set())
        status[i] = "missing" if False in kinds else "unsigned" if kinds else "complete"
    return status


def _given_slot(meeting: Meeting, item: MeetingItem, instance: ProcessInstance
                ) -> datetime | None:
    """The slot time the case was given ("HH:MM" in the variable the diagram named), on the
    meeting's day, London time; None when none was given or it cannot be read."""
    value = (instance.data or {}).get(item.slot_field) if item.slot_field else None
    if not isinstance(value, str):
        return None
    try:
        hours, minutes = (int(part) for part in value.strip()[:5].split(":"))
        return local_moment(meeting.starts_at.astimezone(LONDON).date(),
                            f"{hours:02d}:{minutes:02d}")
    except (ValueError, TypeError):
        return None


def agenda(user, meeting: Meeting) -> list[dict]:
    """The meeting's items the user may see, in slot order, each with its paperwork status,
    the case's subject and the task waiting on the panel (if the user may open it)."""
    ids = [item.instance_id for item in meeting.items]
    query = db.select(ProcessInstance).where(ProcessInstance.id.in_(ids))
    if not access.sees_whole_agenda(user):
        query = query.where(access.visible_instances(user))
    cases = {instance.id: instance for instance in db.session.scalars(query)}
    paperwork = paperwork_status(list(cases))
    rows = []
    for item in meeting.items:
        instance = cases.get(item.instance_id)
        if instance is None:
            continue  # a case the user may not know about is not shown at all
        ready = [t for t in instance.tasks if t.status == TaskStatus.READY
                 and access.can_view_task(user, t)]
        rows.append({"item": item, "instance": instance, "subject": instance.subject or {},
                     "paperwork": paperwork[instance.id], "ready": ready,
                     "slot": _given_slot(meeting, item, instance) or meeting.starts_at
                     + timedelta(minutes=meeting.panel.slot_minutes * len(rows))})
    # In the order of their slots: one the administrator gave is kept as given.
    rows.sort(key=lambda row: row["slot"])
    return rows


EDITABLE = ("starts_at", "ends_at", "cutoff_working_days", "cutoff_time", "cutoff_rule", "notes",
            "on_holiday", "slot_minutes", "minutes_due_working_days", "chair", "vice_chair",
            "administrator", "members", "request_cadences")


def update_panel(panel: Panel, changes: dict) -> Panel:
    """Change a panel's configuration. Future meetings follow: those with no cases (and not
    moved or cancelled by hand) are made again from the new settings; scheduled ones with
    cases keep their day and take the new hours and deadline."""
    for name in EDITABLE:
        if name in changes:
            setattr(panel, name, changes[name])
    now = clock.now()
    future = list(db.session.scalars(db.select(Meeting).where(
        Meeting.panel_key == panel.key, Meeting.starts_at > now)))
    for meeting in future:
        if not meeting.items and meeting.changed_by is None:
            db.session.delete(meeting)  # made again below from the new settings
            continue
        if meeting.status != MeetingStatus.SCHEDULED:
            continue
        day = meeting.starts_at.astimezone(LONDON).date()
        meeting.starts_at = local_moment(day, panel.starts_at)
        meeting.ends_at = local_moment(day, panel.ends_at)
        meeting.submission_deadline = local_moment(
            cutoff_day(day, panel.cutoff_working_days), panel.cutoff_time)
    db.session.flush()
    ensure_meetings(panel, now.astimezone(LONDON).date() + GENERATE_AHEAD)
    return panel
