"""analyst accounts of the web dashboard, login throttles, tables published on /risultati

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

Hand-written; runs on SQLite and PostgreSQL. Passwords are stored only as argon2 hashes and API
tokens only as SHA-256 digests; throttles hold an account name or a client address and counts.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analyst_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('session_epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analyst_accounts')),
    sa.UniqueConstraint('username', name=op.f('uq_analyst_accounts_username')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_analyst_accounts_token_hash'))
    )
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )
    op.create_table('published_tables',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['published_by'], ['analyst_accounts.id'], name=op.f('fk_published_tables_published_by_analyst_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_published_tables'))
    )


def downgrade() -> None:
    op.drop_table('published_tables')
    op.drop_table('login_throttles')
    op.drop_table('analyst_accounts')
