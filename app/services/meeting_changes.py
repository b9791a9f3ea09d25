"""Changing a meeting after cases are listed: cancel it, move it, or take a late case early.

Every listed case follows: its item moves, the variable the diagram keeps the meeting date in
(`list_on_panel(..., field=...)`) is updated together with any timer waiting on it, the
history records it, and the people working on the case are told in their inbox.
"""
from __future__ import annotations

from datetime import date

from app.engine import workflows
from app.engine.working_days import LONDON, cutoff_day
from app.extensions import db
from app.models import (
    InstanceStatus,
    Meeting,
    MeetingItem,
    MeetingStatus,
    Notification,
    NotificationKind,
    TaskStatus,
    User,
    utcnow,
)
from app.services import access, history, panels, progress, reminders
from app.services.errors import Conflict, Forbidden, Invalid

CHANGERS = access.PANEL_ROLES | access.OVERSIGHT_ROLES


def _day(meeting: Meeting) -> str:
    return meeting.starts_at.astimezone(LONDON).date().isoformat()


def _require(user: User, roles: frozenset[str], doing: str) -> None:
    if not user.role_keys & roles:
        raise Forbidden(f"Only the panel's chair or administrator may {doing}")


def _require_scheduled(meeting: Meeting) -> Meeting:
    """The meeting, locked until commit and reloaded, if it is still scheduled.

    Two changes at once (a cancel and a move) queue here, and the later sees what the earlier
    did. NO KEY UPDATE, as a plain UPDATE takes: listing a case on the meeting (a row that
    refers to it) is not held up, so this never deadlocks with a step that lists one.
    """
    meeting = db.session.scalar(
        db.select(Meeting).where(Meeting.id == meeting.id)
        .with_for_update(of=Meeting, key_share=True).execution_options(populate_existing=True))
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict(f"This meeting is {meeting.status}; only a scheduled meeting can change")
    return meeting


def _follow(item: MeetingItem, actor: str, why: str) -> None:
    """The case follows its item to the item's meeting, and its people are told."""
    meeting = db.session.get(Meeting, item.meeting_id)
    instance = progress.lock(item.instance_id, for_step=True)
    if instance is None:
        return
    if item.date_field and instance.status in InstanceStatus.OPEN:
        workflow, model = progress.load(instance)
        workflows.update_waiting(workflow, {item.date_field: _day(meeting)})
        workflows.fire_timers(workflow)  # work the timer out again now (or fire, if past)
        progress.save(instance, workflow, model, actor)
    history.record(instance.id, "relisted", actor, detail={
        "meeting_id": meeting.id, "starts_at": meeting.starts_at.isoformat(), "reason": why})
    people = {instance.started_by} | {t.assignee for t in instance.tasks
                                       if t.status == TaskStatus.READY and t.assignee}
    name = (instance.subject or {}).get("name") or instance.child_ref or "a case"
    message = (f"{meeting.panel.name}: {name} is now listed for "
               f"{meeting.starts_at.astimezone(LONDON):%-d %B %Y at %H:%M}. {why}")
    for username in sorted(people):
        db.session.add(Notification(username=username, task_id=None, instance_id=instance.id,
                                    kind=NotificationKind.MEETING_CHANGED, message=message))


def _move_item(item: MeetingItem, target: Meeting) -> MeetingItem:
    existing = db.session.scalar(db.select(MeetingItem).where(
        MeetingItem.meeting_id == target.id, MeetingItem.instance_id == item.instance_id))
    if existing is not None:  # already listed there as well: keep that one
        db.session.delete(item)
        return existing
    item.meeting_id, item.meeting = target.id, target
    return item


def cancel(user: User, meeting: Meeting, reason: str) -> Meeting:
    _require(user, CHANGERS, "cancel a meeting")
    meeting = _require_scheduled(meeting)
    meeting.status = MeetingStatus.CANCELLED
    meeting.note = f"Cancelled by {user.display_name}: {reason}"
    meeting.changed_by = user.username
    db.session.flush()
    for item in [i for i in meeting.items if i.decision is None]:
        target = panels.next_meeting(meeting.panel, utcnow(), retrospective=True,
                                     focus=meeting.focus)
        moved = _move_item(item, target)
        db.session.flush()
        _follow(moved, user.username, f"The meeting of {_day(meeting)} was cancelled: {reason}")
    return meeting


def move(user: User, meeting: Meeting, new_day: date, reason: str) -> Meeting:
    _require(user, CHANGERS, "move a meeting")
    meeting = _require_scheduled(meeting)
    if new_day < utcnow().astimezone(LONDON).date():
        raise Invalid("The new date is in the past", {"starts_on": ["Enter a date from today"]})
    panel, old = meeting.panel, _day(meeting)
    meeting.starts_at = panels.local_moment(new_day, panel.starts_at)
    meeting.ends_at = panels.local_moment(new_day, panel.ends_at)
    meeting.submission_deadline = panels.local_moment(
        cutoff_day(new_day, panel.cutoff_working_days), panel.cutoff_time)
    meeting.note = f"Moved from {old} to {new_day.isoformat()} by {user.display_name}: {reason}"
    meeting.changed_by = user.username
    db.session.flush()
    for item in [i for i in meeting.items if i.decision is None]:
        _follow(item, user.username, f"The meeting moved from {old}: {reason}")
    return meeting


def take_as_urgent(user: User, meeting: Meeting, instance_id: str, reason: str) -> MeetingItem:
    """The chair accepts a late case onto an earlier meeting than its cut-off allowed."""
    _require(user, frozenset({"panel_chair"}), "take a late case as urgent")
    meeting = _require_scheduled(meeting)
    item = panels.current_listing(instance_id)
    if item is None or item.meeting.panel_key != meeting.panel_key:
        raise Invalid("That case is not waiting for this panel",
                      {"instance_id": ["Choose a case listed for a later meeting of this panel"]})
    if item.meeting_id == meeting.id:
        raise Conflict("That case is already listed for this meeting")
    if item.meeting.starts_at < meeting.starts_at:
        raise Invalid("That case is already listed for an earlier meeting",
                      {"instance_id": ["Only a later listing can be brought forward"]})
    moved = _move_item(item, meeting)
    moved.late = True
    db.session.flush()
    _follow(moved, user.username, f"Accepted as urgent by the chair: {reason}")
    return moved


def chase(user: User, meeting: Meeting) -> int:
    """Ask everyone who still owes a step for a case on this agenda to do it (once per step
    and person); returns how many were asked."""
    _require(user, CHANGERS, "chase missing papers")
    when = meeting.starts_at.astimezone(LONDON)
    asked = 0
    for row in panels.agenda(user, meeting):
        if row["paperwork"] != "missing":
            continue
        name = row["subject"].get("name") or row["instance"].child_ref or "a case"
        for task in row["instance"].tasks:
            if task.status != TaskStatus.READY or task.role in access.PANEL_ROLES:
                continue
            people = reminders.offered_to(task)
            message = (f"Papers needed: “{task.title}” for {name} must be done before "
                       f"{meeting.panel.name} on {when:%-d %B %Y}.")
            for username in people:
                if reminders.notify(task, username, NotificationKind.CHASE, message):
                    asked += 1
    return asked


def follow_date_change(user: User, instance_id: str, data: dict) -> None:
    """A form that changes the meeting date a case is listed under (an administrator listing
    it elsewhere) moves its agenda item to the panel's meeting on that day, marked late if
    that meeting's cut-off has passed. A day with no open meeting is refused, so the agenda
    and the case's own timer can never disagree."""
    item = panels.current_listing(instance_id)
    if item is None or not item.date_field or item.date_field not in data:
        return
    wanted = str(data[item.date_field])[:10]
    if wanted == _day(item.meeting):
        return
    target = next((m for m in db.session.scalars(db.select(Meeting).where(
        Meeting.panel_key == item.meeting.panel_key, Meeting.status == MeetingStatus.SCHEDULED,
        Meeting.starts_at > utcnow())) if _day(m) == wanted), None)
    if target is None:
        raise Invalid("There is no open meeting of this panel on that day", {item.date_field: [
            f"Choose the date of a scheduled {item.meeting.panel.name} meeting from today: "
            f"the case is listed for {_day(item.meeting)}"]})
    moved = _move_item(item, target)
    moved.late = moved.late or utcnow() > target.submission_deadline
    history.record(instance_id, "relisted", user.username, detail={
        "meeting_id": target.id, "starts_at": target.starts_at.isoformat(),
        "reason": "listed for another meeting by the administrator"})
