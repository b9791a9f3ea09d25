"""Documents kept with a case (generated letters)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'documents',
        sa.Column('id', sa.String(32), primary_key=True),
        sa.Column('instance_id', sa.String(32), sa.ForeignKey('process_instances.id'),
                  nullable=False),
        sa.Column('kind', sa.String(80), nullable=False),
        sa.Column('title', sa.String(200), nullable=False),
        sa.Column('filename', sa.String(200), nullable=False),
        sa.Column('media_type', sa.String(80), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_documents_instance_id', 'documents', ['instance_id'])


def downgrade():
    op.drop_table('documents')
