"""Each deployed version keeps the forms it was deployed with, so running cases keep theirs

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Versions deployed before this read their forms from forms/ and the browser's versions.
    op.add_column('process_model_versions', sa.Column('forms', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('process_model_versions') as batch:
        batch.drop_column('forms')
