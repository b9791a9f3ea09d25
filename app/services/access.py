"""Who may see and do what: the one rule for pages, API, registers, CSV, reminders and agendas.

Role keys come from lane names (see engine.parsing.role_key). The rule (issue 15), written
before the code and asserted by tests/test_access_rule.py and the authorisation matrix:

Seeing a case (and everything on it: its tasks, history, documents, diagram):
  - oversight roles (manager, process_owner) see every case;
  - anyone sees a case they started, or whose step they hold or have done;
  - the child's allocated social worker sees the case (issue 19 item 3), even before any of
    its steps reach them;
  - a team manager sees the cases of the teams they manage; a service manager or head of
    service sees the cases of the service they lead;
  - the panels' own roles (chair, administrator) see a case while it is, or was, listed for a
    meeting (panel roles are council-wide);
  - anyone sees a case with an open step in their reach (below): offered to them, or held by
    a colleague in the same role and team (who is working on it is shown; a claim is 409).
  Having done a step in some role long ago, or holding a role some case once needed, is not
  enough: that was the leak.

Being offered (and allowed to claim and do) an open step: its role is yours and, for a
team-bound role (TEAM_BOUND_ROLES: social worker and team manager unless configured), the
case belongs to one of your teams (the team you are in, or one you manage). A step assigned
to someone is theirs alone. A step marked `separateFrom` in its diagram is never offered to,
assigned to or done by the person it names (the initiator, or whoever did a named step).

Moving a case to another team, and changing its allocated social worker: managers of its
current team or service (and the manager role, which oversees every case). The allocated
worker must be a social worker in the case's team.

Where a person's teams and services come from is in three functions below (`member_teams`,
`managed_teams`, `led_services`): the people-and-teams data feeds this rule through them.

Absence cover (issue 18, part 5): while someone's absence runs, the person recorded as their
cover sees, opens, claims and does the steps assigned to the absent person, as if they were
theirs (`covering_for`), except a step they could not be assigned themselves.
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    Absence,
    HumanTask,
    MeetingItem,
    ProcessInstance,
    TaskStatus,
    User,
    utcnow,
)

# Roles that oversee every instance, whatever its team.
OVERSIGHT_ROLES = frozenset({"manager", "process_owner"})
# A team manager sees their team's cases; a service manager and a head of service see every
# case of the teams in their service.
TEAM_SCOPE_ROLES = frozenset({"team_manager"})
SERVICE_SCOPE_ROLES = frozenset({"service_manager", "head_of_service"})
# "team_manager or above" in the API contract.
ASSIGNER_ROLES = frozenset({"team_manager", "service_manager", "head_of_service", "manager"})
INSTANCE_CONTROL_ROLES = frozenset({"manager", "process_owner"})
# Work in these roles is offered only within the case's team (configurable).
DEFAULT_TEAM_BOUND_ROLES = ("social_worker", "team_manager")

# Changes diagrams and forms: the process library, the modeler, deploying.
PROCESS_OWNER_ROLE = "process_owner"

# The chair and administrator read every case listed for their panels' meetings.
PANEL_ROLES = frozenset({"panel_chair", "panel_administrator"})


def team_bound_roles() -> frozenset[str]:
    configured = (current_app.config.get("TEAM_BOUND_ROLES") if has_app_context() else None)
    return frozenset(configured if configured is not None else DEFAULT_TEAM_BOUND_ROLES)


# --- where a person's teams and services come from -------------------------------------

def member_teams(user: User) -> set[str]:
    """The teams whose team-bound work the user is offered: their own and those they manage."""
    return ({user.team} if user.team else set()) | managed_teams(user)


def managed_teams(user: User) -> set[str]:
    """Teams whose every case the user sees as their manager (the team_managers table)."""
    if not user.role_keys & TEAM_SCOPE_ROLES:
        return set()
    return {team.key for team in user.managed_teams}


def led_services(user: User) -> set[str]:
    """Services whose every case the user sees as a service manager or head of service (the
    service_leads table)."""
    if not user.role_keys & SERVICE_SCOPE_ROLES:
        return set()
    return {service.key for service in user.led_services}


def today() -> date:
    """Absences are kept in the council's dates (England), not UTC's."""
    return utcnow().astimezone(ZoneInfo("Europe/London")).date()


def covering_for(user: User) -> set[str]:
    """The people whose absence the user covers today (app/services/absences.py)."""
    on = today()
    return set(db.session.scalars(db.select(Absence.username).where(
        Absence.cover_username == user.username, Absence.starts_on <= on,
        Absence.ends_on >= on)))


def covers(user: User, task: HumanTask) -> str | None:
    """Whom the user stands in for on this step: its holder, while their absence runs and if
    the user could be handed the step themselves. None if they are not covering it."""
    if task.assignee is None or task.assignee == user.username:
        return None
    if task.assignee not in covering_for(user) or may_be_assigned(user, task) is not None:
        return None
    return task.assignee


# --- roles ------------------------------------------------------------------------------

def owns_processes(user: User | None) -> bool:
    return user is not None and PROCESS_OWNER_ROLE in user.role_keys


def oversees(user: User) -> bool:
    return bool(user.role_keys & OVERSIGHT_ROLES)


def sits_on_panels(user: User) -> bool:
    return bool(user.role_keys & PANEL_ROLES)


def sees_whole_agenda(user: User) -> bool:
    return oversees(user) or sits_on_panels(user)


def can_assign(user: User) -> bool:
    return bool(user.role_keys & ASSIGNER_ROLES)


def can_control_instances(user: User) -> bool:
    return bool(user.role_keys & INSTANCE_CONTROL_ROLES)


# A case system's service account (Mosaic, Liquidlogic, Eclipse middleware): it may send
# messages a case waits for, to any open case, and reads nothing of a child's record.
MESSAGE_SENDER_ROLES = frozenset({"case_system"})


def can_send_messages(user: User) -> bool:
    return bool(user.role_keys & MESSAGE_SENDER_ROLES)


WEBHOOK_ADMIN_ROLES = frozenset({"administrator"})


def can_manage_webhooks(user: User) -> bool:
    """Connections to case systems are configuration, like people and teams."""
    return bool(user.role_keys & WEBHOOK_ADMIN_ROLES)


def can_repair(user: User) -> bool:
    """Send a case back, skip a step, correct an answer: the same people as control."""
    return bool(user.role_keys & INSTANCE_CONTROL_ROLES)


# --- the rule as SQL --------------------------------------------------------------------

def open_steps_in_reach(user: User, task=HumanTask) -> ColumnElement[bool]:
    """A WHERE clause on HumanTask (or an alias of it): open steps in the user's roles (within
    the case's team for team-bound roles). Unassigned, they are offered to the user; held by a
    colleague, the user sees who is working on them (and a claim is told so: 409)."""
    bound = team_bound_roles()
    roles = user.role_keys
    free = [r for r in roles if r not in bound]
    teams = member_teams(user)
    clauses = []
    if free:
        clauses.append(task.role.in_(sorted(free)))
    tied = sorted(roles & bound)
    if tied and teams:
        clauses.append(and_(task.role.in_(tied), task.team.in_(sorted(teams))))
    if not clauses:
        return false()
    return and_(task.status == TaskStatus.READY, or_(*clauses))


def visible_instances(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ProcessInstance: the cases the user may see (the rule above)."""
    if oversees(user):
        return true()
    # An alias, so that the clause also works inside a query that itself reads HumanTask.
    step = aliased(HumanTask)
    reasons = [step.assignee == user.username, step.completed_by == user.username,
               open_steps_in_reach(user, step)]
    absent = covering_for(user)
    if absent:  # the open steps of colleagues whose absence they cover
        reasons.append(and_(step.status == TaskStatus.READY, step.assignee.in_(sorted(absent))))
    involved = exists().where(step.instance_id == ProcessInstance.id, or_(*reasons))
    clauses = [ProcessInstance.started_by == user.username,
               ProcessInstance.allocated_worker == user.username, involved]
    teams, services = managed_teams(user), led_services(user)
    if teams:
        clauses.append(ProcessInstance.team.in_(sorted(teams)))
    if services:
        clauses.append(ProcessInstance.service.in_(sorted(services)))
    if sits_on_panels(user):
        clauses.append(exists().where(MeetingItem.instance_id == ProcessInstance.id))
    return or_(*clauses)


# --- the rule for one record ------------------------------------------------------------

def can_see(user: User, instance_id: str) -> bool:
    if oversees(user):
        return True
    return bool(db.session.scalar(select(exists().where(
        ProcessInstance.id == instance_id, visible_instances(user)))))


def manages(user: User, instance: ProcessInstance) -> bool:
    """The case belongs to a team the user manages or a service they lead."""
    return bool((instance.team and instance.team in managed_teams(user))
                or (instance.service and instance.service in led_services(user)))


def can_move_team(user: User, instance: ProcessInstance) -> bool:
    return "manager" in user.role_keys or manages(user, instance)


def can_view_task(user: User, task: HumanTask) -> bool:
    """A step is seen by whoever may see its case."""
    if oversees(user) or user.username in (task.assignee, task.completed_by):
        return True
    return can_see(user, task.instance_id)


def excluded_from(task: HumanTask) -> set[str]:
    """People the step's `separateFrom` keeps away from it (worked out when it became ready)."""
    return set(task.not_for or ())


def holds_role_for(user: User, task: HumanTask) -> bool:
    """The step's role is the user's and, if team-bound, the case is one of their teams'."""
    if task.role not in user.role_keys:
        return False
    return task.role not in team_bound_roles() or task.team in member_teams(user)


def can_work_on(user: User, task: HumanTask) -> bool:
    """May claim and do the step (whether someone else holds it is checked apart)."""
    if user.username in excluded_from(task):
        return False
    return (task.assignee == user.username or holds_role_for(user, task)
            or covers(user, task) is not None)  # standing in for an absent colleague


def may_be_assigned(user: User, task: HumanTask) -> str | None:
    """Why the user may not be handed the step, or None if they may."""
    if not user.active:
        return f"{user.display_name} no longer works here"
    if user.username in excluded_from(task):
        return (f"{user.display_name} made the request or did an earlier step this one must be "
                "kept apart from; choose someone else")
    if not holds_role_for(user, task):
        return f"{user.display_name} does not do this step for this case's team"
    return None
