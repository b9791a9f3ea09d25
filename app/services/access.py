"""Who may see and do what. Role keys come from lane names (see engine.parsing.role_key)."""
from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, true

from app.models import HumanTask, ProcessInstance, User

# Roles that oversee every instance. Team and service scoping comes with the managers' views.
OVERSIGHT_ROLES = frozenset({"manager", "process_owner"})
# "team_manager or above" in the API contract.
ASSIGNER_ROLES = frozenset({"team_manager", "service_manager", "head_of_service", "manager"})
INSTANCE_CONTROL_ROLES = frozenset({"manager", "process_owner"})


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


def visible_instances(user: User) -> ColumnElement[bool]:
    """A WHERE clause: instances the user started, or with a task in their roles or hands."""
    if oversees(user):
        return true()
    involved = exists().where(
        HumanTask.instance_id == ProcessInstance.id,
        or_(HumanTask.role.in_(user.role_keys), HumanTask.assignee == user.username,
            HumanTask.completed_by == user.username),
    )
    return or_(ProcessInstance.started_by == user.username, involved)


def can_view_task(user: User, task: HumanTask) -> bool:
    return (
        oversees(user) or task.role in user.role_keys
        or user.username in (task.assignee, task.completed_by)
    )


def can_work_on(user: User, task: HumanTask) -> bool:
    """Holds the task's role or is its named assignee (whether it is free is checked apart)."""
    return task.assignee == user.username or task.role in user.role_keys
