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


# Never a batch (copy-and-move) of users: on SQLite, with foreign keys on, dropping the old
# table cascades to user_roles, team_managers, sessions and tokens and loses them all
# (tests/test_migrations.py). A column is added in place and uniqueness is a unique index.


def upgrade():
    op.add_column('users', sa.Column('sso_subject', sa.String(255)))
    op.create_index('uq_users_sso_subject', 'users', ['sso_subject'], unique=True)


def downgrade():
    op.drop_index('uq_users_sso_subject', 'users')
    op.drop_column('users', 'sso_subject')
