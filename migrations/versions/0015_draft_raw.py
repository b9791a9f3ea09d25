"""A draft keeps what was typed into fields that could not be read yet

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('human_tasks', sa.Column(
        'draft_raw', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
        nullable=True))


def downgrade():
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_column('draft_raw')
