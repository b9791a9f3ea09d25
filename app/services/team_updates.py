"""One update per team per meeting: the steps a diagram marks `onePerTeamPerMeeting` (PCT's
team manager's update) are done together for every case of a team listed on the same meeting.

Each case keeps its own step (its history records its own update, its own data drives its own
risk check), so no case's engine touches another's; they are only presented, saved and
submitted together. A submission completes every family's step in one transaction: if any
answer is refused, none is completed.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import HumanTask, Meeting, MeetingItem, TaskStatus, User
from app.services import access, deployment, forms, progress, tasks
from app.services.errors import Forbidden, Invalid, NotFound


@dataclass
class TeamUpdate:
    meeting: Meeting
    team: str
    tasks: list[HumanTask]


def gathered(task: HumanTask) -> bool:
    """The step is done once per team per meeting (its diagram says so)."""
    spec = progress.model_for(task.instance).user_tasks.get(task.name)
    return bool(spec and spec.one_per_team_per_meeting)


def gathered_roles() -> set[str]:
    """The roles whose steps are gathered per team, in the pathways deployed now."""
    roles = set()
    for version in deployment.all_latest():
        model = progress.model_for_version(version)
        roles |= {spec.role for spec in model.user_tasks.values()
                  if spec.one_per_team_per_meeting and spec.role}
    return roles


def meeting_of(task: HumanTask) -> Meeting | None:
    """The meeting the step's case is listed on now: its latest listing."""
    return db.session.scalar(
        db.select(Meeting).join(MeetingItem, MeetingItem.meeting_id == Meeting.id)
        .where(MeetingItem.instance_id == task.instance_id)
        .order_by(Meeting.starts_at.desc()).limit(1))


def _open_for(user: User, task: HumanTask) -> bool:
    return (task.status == TaskStatus.READY and access.can_work_on(user, task)
            and (task.assignee in (None, user.username) or access.covers(user, task)))


def group_key(user: User, task: HumanTask) -> tuple[str, str] | None:
    """(meeting id, team) when the inbox shows this step in its team's one update."""
    if not task.team or not gathered(task):
        return None
    meeting = meeting_of(task)
    return (meeting.id, task.team) if meeting is not None else None


def team_update(user: User, meeting_id: str, team: str | None = None) -> TeamUpdate:
    """The user's team's open gathered steps for the meeting, each family's view audited.

    403 for a role that does no such step or a team the user neither belongs to nor manages;
    404 when the meeting does not exist or has nothing for them to update.
    """
    if not user.role_keys & gathered_roles():
        raise Forbidden("Only the role that gives the team's update may see it")
    teams = access.member_teams(user)
    team = team or (user.team if user.team in teams else min(teams, default=None))
    if team is None or team not in teams:
        raise Forbidden("This is another team's update")
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("No such meeting")
    listed = db.select(MeetingItem.instance_id).where(MeetingItem.meeting_id == meeting_id)
    candidates = db.session.scalars(
        db.select(HumanTask).where(HumanTask.status == TaskStatus.READY,
                                   HumanTask.team == team,
                                   HumanTask.instance_id.in_(listed))
        .order_by(HumanTask.created_at, HumanTask.id))
    found = [task for task in candidates if gathered(task) and _open_for(user, task)
             and (m := meeting_of(task)) is not None and m.id == meeting_id]
    if not found:
        raise NotFound("Nothing for your team to update for this meeting")
    # Each family's record is viewed: noted one by one, as opening each task would be.
    found = [tasks.get_visible(user, task.id) for task in found]
    found.sort(key=lambda t: ((t.subject or {}).get("name") or "", t.id))
    return TeamUpdate(meeting, team, found)


def save_drafts(user: User, update: TeamUpdate, drafts: dict[str, tuple[dict, list | None]]
                ) -> None:
    """Keep each family's answers as its own step's draft ({task id: (data, typed)})."""
    for task in update.tasks:
        if task.id in drafts:
            data, typed = drafts[task.id]
            tasks.save_draft(user, task.id, data, typed)


def submit(user: User, update: TeamUpdate, answers: dict[str, dict]) -> list[HumanTask]:
    """Complete every family's step with its answers ({task id: data}), all or nothing.

    Every family's answers are checked first; errors come back under "<task id>.<field>", so
    a page can show each beside its family. The caller commits, or rolls back on an error.
    """
    unknown = set(answers) - {task.id for task in update.tasks}
    if unknown:
        raise Invalid("Not one of this team's updates for the meeting",
                      {key: ["This is not one of your team's updates for this meeting"]
                       for key in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    checked = []
    for task in update.tasks:
        data = answers.get(task.id)
        if data is None:
            errors[task.id] = ["Give this family's update"]
            continue
        schema, known = forms.task_form(task), task.instance.data
        for path, messages in forms.validate(schema, data, context=known).items():
            errors[f"{task.id}.{path}"] = messages
        checked.append((task, data, schema, known))
    if errors:
        raise Invalid("Some families' updates have errors", errors)
    for task, data, schema, known in checked:
        tasks.complete_checked(user, task, data, schema, known)
    return update.tasks
