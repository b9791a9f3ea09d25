"""Retention: each pathway's rule, cases due for deletion, anonymised traces of deleted cases

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade():
    # In place (no batch): a rule a diagram sets, none until the diagram is next deployed.
    op.add_column('process_model_versions', sa.Column('retention', sa.JSON(), nullable=True))
    op.create_table(
        'retention_due',
        sa.Column('instance_id', sa.String(32),
                  sa.ForeignKey('process_instances.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('rule', JSON, nullable=False),
        sa.Column('due_since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_retention_due_due_since', 'retention_due', ['due_since'])
    op.create_table(
        'retention_traces',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('process_key', sa.String(120), nullable=False),
        sa.Column('model_version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('outcome', sa.String(80), nullable=True),
        sa.Column('started_month', sa.String(7), nullable=False),
        sa.Column('closed_month', sa.String(7), nullable=True),
        sa.Column('days_open', sa.Integer(), nullable=True),
        sa.Column('steps_done', sa.Integer(), nullable=False),
        sa.Column('step_days', JSON, nullable=False),
        sa.Column('rule', JSON, nullable=True),
        sa.Column('deleted_month', sa.String(7), nullable=False),
    )
    op.create_index('ix_retention_traces_process_key', 'retention_traces', ['process_key'])


def downgrade():
    op.drop_index('ix_retention_traces_process_key', 'retention_traces')
    op.drop_table('retention_traces')
    op.drop_index('ix_retention_due_due_since', 'retention_due')
    op.drop_table('retention_due')
    with op.batch_alter_table('process_model_versions') as batch:
        batch.drop_column('retention')
