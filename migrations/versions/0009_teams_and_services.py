"""Teams and services: a user's service, and the team and service a case belongs to; the
timer steps a case waits at

A case belongs to the team (and service) of whoever started it, kept on the case so that it
stays with that team when people move; cases begun by the service take their parent's.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('service', sa.String(120)))
    op.add_column('process_instances', sa.Column('team', sa.String(80)))
    op.add_column('process_instances', sa.Column('service', sa.String(120)))
    op.add_column('process_instances', sa.Column(
        'timer_waits', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')))
    op.create_index('ix_process_instances_team', 'process_instances', ['team'])
    op.create_index('ix_process_instances_service', 'process_instances', ['service'])
    op.execute(
        "UPDATE process_instances SET team = (SELECT users.team FROM users "
        "WHERE users.username = process_instances.started_by)")


def downgrade():
    op.drop_index('ix_process_instances_service', 'process_instances')
    op.drop_index('ix_process_instances_team', 'process_instances')
    with op.batch_alter_table('process_instances') as batch:
        batch.drop_column('timer_waits')
        batch.drop_column('service')
        batch.drop_column('team')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('service')
