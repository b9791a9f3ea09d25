"""People signed in through the identity provider keep its subject identifier

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('sso_subject', sa.String(255)))
        batch.create_unique_constraint('uq_users_sso_subject', ['sso_subject'])


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint('uq_users_sso_subject', type_='unique')
        batch.drop_column('sso_subject')
