"""The audit trail says what a change to a person or team changed

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('audit_events', sa.Column(
        'detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')))


def downgrade():
    op.drop_column('audit_events', 'detail')
