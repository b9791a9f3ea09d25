"""Form versions edited in the browser (the newest wins over the file in forms/)

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_versions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('path', sa.String(255), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('content_hash', sa.String(64), nullable=False),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('saved_by', sa.String(80), nullable=False),
        sa.Column('change_note', sa.Text(), nullable=True),
        sa.UniqueConstraint('path', 'version'),
    )
    op.create_index('ix_form_versions_path', 'form_versions', ['path'])


def downgrade():
    op.drop_index('ix_form_versions_path', 'form_versions')
    op.drop_table('form_versions')
