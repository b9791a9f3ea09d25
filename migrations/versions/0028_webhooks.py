"""Outgoing webhooks: subscriptions and their delivery log

Revision ID: 0028
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), 'postgresql')


def upgrade():
    op.create_table(
        'webhook_subscriptions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(120), nullable=False),
        sa.Column('url', sa.String(2000), nullable=False),
        sa.Column('events', JSON, nullable=False),
        sa.Column('secret', sa.String(200), nullable=False),
        sa.Column('personal_data', sa.String(16), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.String(80), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('subscription_id', sa.Integer(),
                  sa.ForeignKey('webhook_subscriptions.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('event', sa.String(40), nullable=False),
        sa.Column('instance_id', sa.String(32), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('response_code', sa.Integer(), nullable=True),
        sa.Column('response_excerpt', sa.String(500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_webhook_deliveries_subscription_id', 'webhook_deliveries',
                    ['subscription_id'])
    op.create_index('ix_webhook_deliveries_instance_id', 'webhook_deliveries', ['instance_id'])
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries',
                    ['status', 'next_attempt_at'])


def downgrade():
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_subscriptions')
