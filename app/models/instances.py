"""Running pathways, the human tasks they produce, and their history."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.processes import ProcessModelVersion
from app.models.types import JSONType, UTCDateTime, utcnow

NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class InstanceStatus:
    RUNNING = "running"
    WAITING = "waiting"
    COMPLETED = "completed"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    ERROR = "error"
    ALL = (RUNNING, WAITING, COMPLETED, SUSPENDED, TERMINATED, ERROR)
    OPEN = (RUNNING, WAITING)


class TaskStatus:
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ProcessInstance(db.Model):
    __tablename__ = "process_instances"
    # The scheduler's query (services/instances.due_before): open cases whose next timer is
    # due, read as one range per open status. On next_timer_at or status alone, SQLite chose
    # the status index and read every waiting case on each pass (bench/scheduler_pass.py).
    __table_args__ = (sa.Index("ix_process_instances_due", "status", "next_timer_at"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    model_version_id: Mapped[int] = mapped_column(sa.ForeignKey("process_model_versions.id"))
    process_key: Mapped[str] = mapped_column(sa.String(120), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    child_ref: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    subject: Mapped[dict] = mapped_column(JSONType, default=dict)
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    workflow_json: Mapped[str] = mapped_column(sa.Text, deferred=True)
    lock_version: Mapped[int] = mapped_column(default=0)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Timer events the case waits at, each with when it began to wait (ISO), for the heatmap.
    timer_waits: Mapped[dict | None] = mapped_column(JSONType, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_by: Mapped[str] = mapped_column(sa.String(80))
    # The team and service the case belongs to: its starter's, kept when people move on.
    team: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    service: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    # The child's allocated social worker (a username): the diagrams' "child's social worker"
    # steps go to them (assignTo="case_allocated_worker"). None until someone is allocated.
    allocated_worker: Mapped[str | None] = mapped_column(
        sa.ForeignKey("users.username"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_message: Mapped[str | None] = mapped_column(sa.Text)

    # Loaded by id from the identity map: many instances share a handful of versions.
    model_version: Mapped[ProcessModelVersion] = relationship(lazy="select")
    tasks: Mapped[list[HumanTask]] = relationship(
        back_populates="instance", order_by="HumanTask.created_at", lazy="selectin"
    )

    # Optimistic concurrency: an UPDATE that finds a different lock_version fails with
    # StaleDataError, so two writers can never both save a step.
    __mapper_args__ = {"version_id_col": lock_version}


class HumanTask(db.Model):
    """A user task as the inbox sees it: one row per ready or finished user task."""

    __tablename__ = "human_tasks"
    # The inbox reads one index range per queue (a person's own tasks; a role's unassigned
    # tasks), already in due order, so a page costs the same with 10 or 100,000 open tasks.
    __table_args__ = (
        sa.Index("ix_human_tasks_inbox_assignee", "status", "assignee", "due_sort", "id"),
        # Partial: PostgreSQL will not treat "assignee IS NULL" as an equality, so a full
        # index could not hand back the claimable rows already in due order.
        sa.Index("ix_human_tasks_inbox_claimable", "role", "due_sort", "id",
                 postgresql_where=sa.text("status = 'ready' AND assignee IS NULL"),
                 sqlite_where=sa.text("status = 'ready' AND assignee IS NULL")),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    engine_task_id: Mapped[str] = mapped_column(sa.String(36))
    name: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str | None] = mapped_column(sa.String(64))
    assignee: Mapped[str | None] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # due_at, with "no due date" as the far future: one non-null sort key that both
    # databases order the same way and an index can serve.
    due_sort: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: NO_DUE_DATE)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(sa.String(80))
    submitted_data: Mapped[dict | None] = mapped_column(JSONType)
    draft_data: Mapped[dict | None] = mapped_column(JSONType)  # saved, not yet submitted
    # What was typed into a draft's fields, [[input name, text], ...], kept when some of it
    # could not be read ("fourteen" for a number, 31/2 for a date) so it comes back as typed.
    draft_raw: Mapped[list | None] = mapped_column(JSONType)
    due_rule: Mapped[str | None] = mapped_column(sa.Text)  # why due_at is so, and its source
    form_schema_file: Mapped[str | None] = mapped_column(sa.String(255))
    form_ui_schema_file: Mapped[str | None] = mapped_column(sa.String(255))
    instructions: Mapped[str | None] = mapped_column(sa.Text)
    # Denormalised from the instance so the inbox is one indexed table scan, no joins.
    process_key: Mapped[str] = mapped_column(sa.String(120))
    subject: Mapped[dict] = mapped_column(JSONType, default=dict)
    # The case's team (kept in step when the case moves), so that team-bound work is offered
    # within the team from the inbox's own index.
    team: Mapped[str | None] = mapped_column(sa.String(80))
    # People the step's separateFrom keeps away from it, worked out when it became ready.
    not_for: Mapped[list | None] = mapped_column(JSONType)

    instance: Mapped[ProcessInstance] = relationship(back_populates="tasks")


class HistoryEvent(db.Model):
    """Append-only record of what happened to an instance and who did it."""

    __tablename__ = "history_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str | None] = mapped_column(sa.String(80))
    event: Mapped[str] = mapped_column(sa.String(32))
    task_id: Mapped[str | None] = mapped_column(sa.String(32))
    task_name: Mapped[str | None] = mapped_column(sa.String(255))
    detail: Mapped[dict | None] = mapped_column(JSONType)


@sa.event.listens_for(HumanTask, "before_insert")
@sa.event.listens_for(HumanTask, "before_update")
def _keep_due_sort(_mapper, _connection, task: HumanTask) -> None:
    task.due_sort = task.due_at or NO_DUE_DATE
