"""Task drafts, and the forum description from the diagram's documentation

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_data', json_type, nullable=True))
    with op.batch_alter_table('process_model_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('process_model_versions', schema=None) as batch_op:
        batch_op.drop_column('description')
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_column('draft_data')
