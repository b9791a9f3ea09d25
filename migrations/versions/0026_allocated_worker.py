"""The case's allocated social worker (issue 19 item 3): who "the child's social worker" steps
go to, set at start and changed by the team manager.

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    # In place, no batch: rebuilding process_instances on SQLite would cascade its tasks away.
    op.add_column('process_instances', sa.Column('allocated_worker', sa.String(80)))
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot add a constraint in place
        op.create_foreign_key('fk_process_instances_allocated_worker', 'process_instances',
                              'users', ['allocated_worker'], ['username'])
    op.create_index('ix_process_instances_allocated_worker', 'process_instances',
                    ['allocated_worker'])
    # Until now the starter was taken for the allocated worker: keep that for a social worker.
    op.execute(
        "UPDATE process_instances SET allocated_worker = started_by WHERE EXISTS ("
        "SELECT 1 FROM users JOIN user_roles ON user_roles.user_id = users.id "
        "WHERE users.username = process_instances.started_by "
        "AND user_roles.role_key = 'social_worker')")


def downgrade():
    op.drop_index('ix_process_instances_allocated_worker', 'process_instances')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_process_instances_allocated_worker', 'process_instances',
                           type_='foreignkey')
    op.drop_column('process_instances', 'allocated_worker')
