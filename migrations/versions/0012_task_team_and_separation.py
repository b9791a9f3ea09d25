"""Tasks carry their case's team (team-bound work is offered within the team) and the people
their step must be kept apart from (segregation of duties)

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('human_tasks', sa.Column('team', sa.String(80)))
    op.add_column('human_tasks', sa.Column(
        'not_for', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')))
    op.execute(
        "UPDATE human_tasks SET team = (SELECT process_instances.team FROM process_instances "
        "WHERE process_instances.id = human_tasks.instance_id)")


def downgrade():
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_column('not_for')
        batch.drop_column('team')
