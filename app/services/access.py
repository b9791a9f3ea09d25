"""Who may see and do what. Role keys come from lane names (see engine.parsing.role_key)."""
from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, true

from app.models import HumanTask, ProcessInstance, User

# Roles that oversee every instance, whatever its team.
OVERSIGHT_ROLES = frozenset({"manager", "process_owner"})
# A team manager sees their team's cases; a service manager and a head of service see every
# case of the teams in their service.
TEAM_SCOPE_ROLES = frozenset({"team_manager"})
SERVICE_SCOPE_ROLES = frozenset({"service_manager", "head_of_service"})
# "team_manager or above" in the API contract.
ASSIGNER_ROLES = frozenset({"team_manager", "service_manager", "head_of_service", "manager"})
INSTANCE_CONTROL_ROLES = frozenset({"manager", "process_owner"})


# Changes diagrams and forms: the process library, the modeler, deploying.
PROCESS_OWNER_ROLE = "process_owner"


def owns_processes(user: User | None) -> bool:
    return user is not None and PROCESS_OWNER_ROLE in user.role_keys


def oversees(user: User) -> bool:
    return bool(user.role_keys & OVERSIGHT_ROLES)


# The chair and administrator read every case listed for their panel's meetings.
PANEL_ROLES = frozenset({"panel_chair", "panel_administrator"})


def sees_whole_agenda(user: User) -> bool:
    return oversees(user) or bool(user.role_keys & PANEL_ROLES)


def can_assign(user: User) -> bool:
    return bool(user.role_keys & ASSIGNER_ROLES)


def can_control_instances(user: User) -> bool:
    return bool(user.role_keys & INSTANCE_CONTROL_ROLES)


def _scope(user: User) -> tuple[str | None, str | None]:
    """The team and the service whose every case the user may see (None: not by team)."""
    team = user.team if user.role_keys & TEAM_SCOPE_ROLES else None
    service = user.service if user.role_keys & SERVICE_SCOPE_ROLES else None
    return team, service


def visible_instances(user: User) -> ColumnElement[bool]:
    """A WHERE clause: instances the user started, or with a task in their roles or hands,
    or belonging to the team or service they manage."""
    if oversees(user):
        return true()
    involved = exists().where(
        HumanTask.instance_id == ProcessInstance.id,
        or_(HumanTask.role.in_(user.role_keys), HumanTask.assignee == user.username,
            HumanTask.completed_by == user.username),
    )
    clauses = [ProcessInstance.started_by == user.username, involved]
    team, service = _scope(user)
    if team:
        clauses.append(ProcessInstance.team == team)
    if service:
        clauses.append(ProcessInstance.service == service)
    return or_(*clauses)


def manages(user: User, instance: ProcessInstance) -> bool:
    """The case belongs to the team or service the user manages."""
    team, service = _scope(user)
    return bool((team and instance.team == team) or (service and instance.service == service))


def can_view_task(user: User, task: HumanTask) -> bool:
    # The case (a lazy load per task) is read only for someone who manages a team or service.
    return (
        oversees(user) or task.role in user.role_keys
        or user.username in (task.assignee, task.completed_by)
        or (_scope(user) != (None, None) and manages(user, task.instance))
    )


def can_work_on(user: User, task: HumanTask) -> bool:
    """Holds the task's role or is its named assignee (whether it is free is checked apart)."""
    return task.assignee == user.username or task.role in user.role_keys
