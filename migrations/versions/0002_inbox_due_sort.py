"""Inbox: a non-null due sort key and one index per queue

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

NO_DUE_DATE = "9999-12-31 00:00:00"


def upgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_sort', sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.text(f"'{NO_DUE_DATE}'")))
    op.execute("UPDATE human_tasks SET due_sort = due_at WHERE due_at IS NOT NULL")
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_status_role')
        batch_op.drop_index('ix_human_tasks_status_assignee')
        batch_op.create_index('ix_human_tasks_inbox_assignee',
                              ['status', 'assignee', 'due_sort', 'id'], unique=False)
    # Partial: PostgreSQL will not treat "assignee IS NULL" as an equality, so a full index
    # could not return the claimable rows in due order.
    claimable = sa.text("status = 'ready' AND assignee IS NULL")
    op.create_index('ix_human_tasks_inbox_claimable', 'human_tasks', ['role', 'due_sort', 'id'],
                    postgresql_where=claimable, sqlite_where=claimable)


def downgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_inbox_claimable')
        batch_op.drop_index('ix_human_tasks_inbox_assignee')
        batch_op.create_index('ix_human_tasks_status_assignee', ['status', 'assignee'])
        batch_op.create_index('ix_human_tasks_status_role', ['status', 'role'])
        batch_op.drop_column('due_sort')
