"""e-mail invitations: the outbox's channel and actor, the register's e-mail and language, e-mail opt-outs

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

Hand-written; runs on SQLite (batch mode: the table is copied) and PostgreSQL. An e-mail row of
the outbox goes to an actor's contact, who is no respondent yet: ``respondent_id`` and
``chat_id`` become optional, ``actor_id`` names the actor, ``channel`` tells the Telegram
sender's rows ('telegram', every existing row) from the e-mail sender's ('email').
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=10), server_default='telegram', nullable=False))
        batch.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch.alter_column('respondent_id', existing_type=sa.Integer(), nullable=True)
        batch.alter_column('chat_id', existing_type=sa.BigInteger(), nullable=True)
        batch.create_foreign_key(batch.f('fk_outbox_messages_actor_id_actors'), 'actors', ['actor_id'], ['id'],
                                 ondelete='CASCADE')
        batch.create_index(batch.f('ix_outbox_messages_actor_id'), ['actor_id'], unique=False)
    with op.batch_alter_table('actors') as batch:
        batch.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))
        batch.add_column(sa.Column('language', sa.String(length=5), nullable=True))
    op.create_table('email_optouts',
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_email_optouts')),
    )


def downgrade() -> None:
    op.drop_table('email_optouts')
    with op.batch_alter_table('actors') as batch:
        batch.drop_column('language')
        batch.drop_column('contact_email')
    op.execute("DELETE FROM outbox_messages WHERE channel <> 'telegram'")
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_index(batch.f('ix_outbox_messages_actor_id'))
        batch.drop_constraint(batch.f('fk_outbox_messages_actor_id_actors'), type_='foreignkey')
        batch.alter_column('chat_id', existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column('respondent_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('actor_id')
        batch.drop_column('channel')
