"""Uploaded documents (field, step, store, versions), meeting packs and read marks

Numbered 0030 on the papers branch (0019-0029 are taken by other branches); it follows 0018
here and is renumbered at merge.

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    # Batch mode: SQLite cannot make a column nullable in place.
    with op.batch_alter_table('documents') as batch:
        batch.alter_column('content', existing_type=sa.LargeBinary(), nullable=True)
        batch.add_column(sa.Column('field', sa.String(120)))
        batch.add_column(sa.Column('task_id', sa.String(32)))
        batch.add_column(sa.Column('uploaded_by', sa.String(80)))
        batch.add_column(sa.Column('storage_key', sa.String(300)))
        batch.add_column(sa.Column('size', sa.Integer()))
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch.add_column(sa.Column('replaces_id', sa.String(32)))
        batch.add_column(sa.Column('superseded_at', sa.DateTime(timezone=True)))
        batch.create_index('ix_documents_task_id', ['task_id'])
    op.create_table(
        'meeting_packs',
        sa.Column('id', sa.String(32), primary_key=True),
        sa.Column('meeting_id', sa.String(32), sa.ForeignKey('meetings.id'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('storage_key', sa.String(300), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('instance_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                  nullable=False),
        sa.Column('published_by', sa.String(80), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_meeting_packs_meeting_id', 'meeting_packs', ['meeting_id'])
    op.create_table(
        'paper_reads',
        sa.Column('id', sa.String(32), primary_key=True),
        sa.Column('meeting_id', sa.String(32), sa.ForeignKey('meetings.id'), nullable=False),
        sa.Column('instance_id', sa.String(32), sa.ForeignKey('process_instances.id'),
                  nullable=False),
        sa.Column('username', sa.String(80), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('meeting_id', 'instance_id', 'username'),
    )
    op.create_index('ix_paper_reads_meeting_id', 'paper_reads', ['meeting_id'])


def downgrade():
    op.drop_table('paper_reads')
    op.drop_table('meeting_packs')
    # Uploaded files have no content in the row; they cannot survive the old shape.
    op.execute("DELETE FROM documents WHERE content IS NULL")
    with op.batch_alter_table('documents') as batch:
        batch.drop_index('ix_documents_task_id')
        for name in ('superseded_at', 'replaces_id', 'version', 'size', 'storage_key',
                     'uploaded_by', 'task_id', 'field'):
            batch.drop_column(name)
        batch.alter_column('content', existing_type=sa.LargeBinary(), nullable=False)
