"""Answers posted after a session ended wait for their author to sign in again

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pending_drafts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('task_id', sa.String(32), sa.ForeignKey('human_tasks.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('typed', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                  'postgresql'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('user_id', 'task_id'),
    )
    op.create_index('ix_pending_drafts_task_id', 'pending_drafts', ['task_id'])
    op.create_index('ix_pending_drafts_expires_at', 'pending_drafts', ['expires_at'])


def downgrade():
    op.drop_index('ix_pending_drafts_expires_at', 'pending_drafts')
    op.drop_index('ix_pending_drafts_task_id', 'pending_drafts')
    op.drop_table('pending_drafts')
