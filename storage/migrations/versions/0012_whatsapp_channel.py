"""WhatsApp channel: the outbox's Cloud API message id and delivery status, the 24-hour window

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

Hand-written; runs on SQLite (batch mode) and PostgreSQL. A WhatsApp row of the outbox
(``channel`` 'whatsapp', ``chat_id`` the respondent's phone number) keeps the id the Cloud API
gave the message ("wamid.…", a string, so not ``telegram_message_id``) and the latest status its
webhook reported; ``whatsapp_windows`` keeps when each WhatsApp respondent last wrote;
``whatsapp_early_statuses`` a status that came before the sender had recorded its message's id.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('provider_message_id', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('delivery_status', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('delivery_updated_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f('ix_outbox_messages_provider_message_id'), ['provider_message_id'], unique=False)
    op.create_table('whatsapp_windows',
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_whatsapp_windows_respondent_id_respondents'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('respondent_id', name=op.f('pk_whatsapp_windows')),
    )
    op.create_table('whatsapp_early_statuses',
    sa.Column('provider_message_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('provider_message_id', name=op.f('pk_whatsapp_early_statuses')),
    )


def downgrade() -> None:
    op.drop_table('whatsapp_early_statuses')
    op.drop_table('whatsapp_windows')
    op.execute("DELETE FROM outbox_messages WHERE channel = 'whatsapp'")
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_index(batch.f('ix_outbox_messages_provider_message_id'))
        batch.drop_column('delivery_updated_at')
        batch.drop_column('delivery_status')
        batch.drop_column('provider_message_id')
