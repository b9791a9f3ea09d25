"""After a meeting: its minutes pathway, begun by the service, and a note for each child's
record once the minutes are distributed."""
from __future__ import annotations

from datetime import datetime

from app.engine import clock
from app.engine.working_days import LONDON, add_working_days
from app.extensions import db
from app.models import (
    HistoryEvent,
    HumanTask,
    InstanceStatus,
    Meeting,
    MeetingStatus,
    ProcessInstance,
    TaskStatus,
)
from app.services import instances

MINUTES_PROCESS = "panel_minutes"
NOTE_PROCESS = "panel_note"


def _words(value) -> str:
    return str(value).replace("_", " ") if value not in (None, "") else ""


def summary(meeting: Meeting) -> str:
    """The decisions recorded in the meeting, case by case, as the minutes' first draft."""
    lines = []
    for number, item in enumerate(meeting.items, start=1):
        case = db.session.get(ProcessInstance, item.instance_id)
        subject = (case.subject if case else None) or {}
        who = " ".join(filter(None, [subject.get("name"), f"({subject.get('child_ref')})"
                                     if subject.get("child_ref") else None])) or "A case"
        decision = item.decision or {}
        lines.append(f"{number}. {who}: {_words(item.kind).capitalize()}.")
        lines.append(f"   Decision: {_words(decision.get('outcome')) or 'not recorded'}.")
        if decision.get("conditions"):
            lines.append(f"   Conditions: {decision['conditions']}")
        if decision.get("review_date"):
            lines.append(f"   Return or review: {decision['review_date']}")
        for action in decision.get("actions") or []:
            if isinstance(action, dict):
                parts = [action.get("action"), action.get("by_whom"), action.get("by_when")]
                lines.append("   Action: " + ", ".join(str(p) for p in parts if p))
    return "\n".join(lines)


def start_due_minutes(moment: datetime | None = None) -> list[str]:
    """Begin the minutes of every meeting with cases that has ended and has none yet."""
    moment = moment or clock.now()
    started = []
    meetings = db.session.scalars(db.select(Meeting).where(
        Meeting.status.in_((MeetingStatus.SCHEDULED, MeetingStatus.HELD)),
        Meeting.ends_at < moment, Meeting.minutes_instance_id.is_(None)))
    for meeting in meetings:
        if not meeting.items:
            continue
        day = meeting.starts_at.astimezone(LONDON).date()
        panel = meeting.panel
        minutes = instances.start_as_system(
            MINUTES_PROCESS,
            {"name": f"{panel.name}: minutes of {day:%-d %B %Y}"},
            {"meeting_id": meeting.id, "panel": panel.key, "panel_name": panel.name,
             "meeting_date": day.isoformat(), "minutes_text": summary(meeting),
             # The seed's governance rule says "within 3 days of the forum"; Placement Forum
             # Parts 2 and 3 say "3 working days". We read all as working days: a council's
             # business support does not work weekends or bank holidays, so 3 calendar days
             # after a Friday panel would fall due on a Monday with no working day to do it.
             "minutes_due_date": add_working_days(day, panel.minutes_due_working_days)})
        meeting.status = MeetingStatus.HELD
        meeting.minutes_instance_id = minutes.id
        started.append(minutes.id)
    return started


def minutes_distributed(meeting_id: str) -> int:
    """What the minutes diagram calls once they are sent: the meeting is minuted and each
    decided case's allocated social worker gets a task to put the note on the child's record."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise ValueError(f"no meeting {meeting_id}")
    meeting.status = MeetingStatus.MINUTED
    day = meeting.starts_at.astimezone(LONDON).date()
    asked = 0
    for item in meeting.items:
        case = db.session.get(ProcessInstance, item.instance_id)
        if case is None or item.decision is None:
            continue
        instances.start_as_system(NOTE_PROCESS, case.subject or {}, {
            "case_id": case.id, "panel_name": meeting.panel.name,
            "meeting_date": day.isoformat(),
            "panel_outcome": _words(item.decision.get("outcome")),
            "panel_conditions": item.decision.get("conditions") or ""},
            owner=(case.team, case.service), allocated_worker=case.allocated_worker)
        asked += 1
    return asked


def approved(meeting: Meeting) -> dict | None:
    """The meeting's minutes once approved and distributed (their pathway has finished): the
    text, attendees and apologies as last drafted, and when they went out; else None."""
    case = db.session.get(ProcessInstance, meeting.minutes_instance_id or "")
    if case is None or case.status != InstanceStatus.COMPLETED:
        return None
    drafted = {t.id: t for t in db.session.scalars(db.select(HumanTask).where(
        HumanTask.instance_id == case.id, HumanTask.status == TaskStatus.COMPLETED))
        if "minutes_text" in (t.submitted_data or {})}
    # The last draft, in the order the history recorded them (two may share a timestamp).
    last = db.session.scalar(db.select(HistoryEvent.task_id).where(
        HistoryEvent.instance_id == case.id, HistoryEvent.event == "completed",
        HistoryEvent.task_id.in_(list(drafted))).order_by(HistoryEvent.id.desc()).limit(1))
    if last is None:
        return None
    draft = drafted[last].submitted_data
    return {"text": draft.get("minutes_text", ""), "attendees": draft.get("attendees"),
            "apologies": draft.get("apologies"), "sent_at": case.completed_at}
