"""The scheduler finds due timers in one index range per open status (status, next_timer_at),
so a pass reads the due cases, not every waiting one

Numbered 0099 on the perf branch; it follows 0022 here and is renumbered at merge.

Revision ID: 0027
Revises: 0026
"""
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_process_instances_due', 'process_instances',
                    ['status', 'next_timer_at'], unique=False)


def downgrade():
    op.drop_index('ix_process_instances_due', table_name='process_instances')
