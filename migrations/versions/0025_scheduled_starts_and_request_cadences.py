"""Pathways the service begins on a diagram's timer start event, and per-request-type cadences

Numbered 0051 on the ctmp branch; it follows 0022 here and is renumbered at merge.

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# CTMP procedure 1a: "The CDMF is submitted to the next available Case Tracking Management
# Panel held on alternate Friday mornings", while the panel itself sits every Friday. Which
# Fridays is not said: the first meeting (27 November 2026) is assumed, and is editable.
CTMP_CADENCES = {"placement_request": {"every_weeks": 2, "anchor": "2026-11-27"}}


def upgrade():
    json_type = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
    op.create_table(
        'scheduled_starts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('process_key', sa.String(120), nullable=False),
        sa.Column('occurs_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('instance_id', sa.String(32), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('process_key', 'occurs_at'),
    )
    # In place, not in batch: panels is referenced by meetings.
    op.add_column('panels', sa.Column('request_cadences', json_type, nullable=True))
    panels = sa.table('panels', sa.column('key', sa.String), sa.column('request_cadences', json_type))
    op.execute(panels.update().where(panels.c.key == 'ctmp')
               .values(request_cadences=CTMP_CADENCES))


def downgrade():
    with op.batch_alter_table('panels') as batch:
        batch.drop_column('request_cadences')
    op.drop_table('scheduled_starts')
