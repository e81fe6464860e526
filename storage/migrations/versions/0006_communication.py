"""the communication plan: segments, broadcasts, the delivery outbox, unreachable recipients, events

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Hand-written; runs on SQLite and PostgreSQL. Everything about a respondent (outbox rows,
unreachable marks, RSVPs) cascades from the ``respondents`` row, so erasure removes it.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

JSONValue = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('segments',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('definition', JSONValue, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_segments'))
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('segment', JSONValue, nullable=False),
    sa.Column('text_it', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=True),
    sa.Column('buttons', JSONValue, nullable=False),
    sa.Column('document_path', sa.String(length=500), nullable=True),
    sa.Column('document_file_id', sa.String(length=200), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_key', sa.String(length=80), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_broadcasts_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts')),
    sa.UniqueConstraint('source_key', name=op.f('uq_broadcasts_source_key'))
    )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcasts_event_id'), ['event_id'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=80), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=True),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('payload', JSONValue, nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_holder', sa.String(length=120), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('telegram_message_id', sa.BigInteger(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], name=op.f('fk_outbox_messages_broadcast_id_broadcasts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_outbox_messages_respondent_id_respondents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_outbox_messages_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_status_due', ['status', 'not_before'], unique=False)
        batch_op.create_index('ix_outbox_messages_broadcast_status', ['broadcast_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_respondent_id'), ['respondent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_run_id'), ['run_id'], unique=False)

    op.create_table('recipient_status',
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('unreachable_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_recipient_status_respondent_id_respondents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('respondent_id', name=op.f('pk_recipient_status'))
    )
    op.create_table('event_rsvps',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_rsvps_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_event_rsvps_respondent_id_respondents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'respondent_id', name=op.f('pk_event_rsvps'))
    )
    with op.batch_alter_table('event_rsvps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_rsvps_respondent_id'), ['respondent_id'], unique=False)


def downgrade() -> None:
    op.drop_table('event_rsvps')
    op.drop_table('recipient_status')
    op.drop_table('outbox_messages')
    op.drop_table('broadcasts')
    op.drop_table('events')
    op.drop_table('segments')
