"""Absences: who is away, when, and who covers their work

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'absences',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('username', sa.String(80),
                  sa.ForeignKey('users.username', ondelete='CASCADE'), nullable=False),
        sa.Column('cover_username', sa.String(80),
                  sa.ForeignKey('users.username', ondelete='CASCADE'), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('recorded_by', sa.String(80), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_absences_username', 'absences', ['username'])
    op.create_index('ix_absences_cover_username', 'absences', ['cover_username'])


def downgrade():
    op.drop_index('ix_absences_cover_username', 'absences')
    op.drop_index('ix_absences_username', 'absences')
    op.drop_table('absences')
