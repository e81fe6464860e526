"""scheduled jobs (schedule, last run, lease), report snapshots, report subscriptions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Hand-written; runs on SQLite and PostgreSQL. A subscription cascades from its analyst's
``respondents`` row, so erasure removes it; snapshots and schedules hold no personal data.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

JSONValue = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('job_schedules',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('trigger', sa.String(length=120), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_holder', sa.String(length=120), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=12), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_holder', sa.String(length=120), nullable=True),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_schedules'))
    )
    op.create_table('report_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('counts', JSONValue, nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('package_path', sa.String(length=500), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('tagged', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshots'))
    )
    with op.batch_alter_table('report_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_report_snapshots_kind_computed', ['kind', 'computed_at'], unique=False)

    op.create_table('report_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('subscribed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_report_subscriptions_respondent_id_respondents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_subscriptions')),
    sa.UniqueConstraint('respondent_id', name=op.f('uq_report_subscriptions_respondent_id'))
    )


def downgrade() -> None:
    op.drop_table('report_subscriptions')
    with op.batch_alter_table('report_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_report_snapshots_kind_computed')
    op.drop_table('report_snapshots')
    op.drop_table('job_schedules')
