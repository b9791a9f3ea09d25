"""Each person chooses new-work emails at once or in one daily digest; unsent notices are
found by a partial index (the notifications table is the email queue), and one that could
never be delivered says why

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

UNSENT = sa.text('emailed_at IS NULL')


def upgrade():
    # Plain ALTER TABLE, never a batch copy of users on SQLite: with foreign keys on,
    # dropping the old table would empty user_roles, team_managers and service_leads.
    op.add_column('users', sa.Column('email_frequency', sa.String(16), nullable=False,
                                     server_default='immediate'))
    op.add_column('notifications', sa.Column('email_error', sa.String(255), nullable=True))
    op.create_index('ix_notifications_unsent', 'notifications', ['id'],
                    postgresql_where=UNSENT, sqlite_where=UNSENT)


def downgrade():
    op.drop_index('ix_notifications_unsent', table_name='notifications')
    op.drop_column('notifications', 'email_error')
    op.drop_column('users', 'email_frequency')
