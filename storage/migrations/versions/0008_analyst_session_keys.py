"""analyst accounts get a random session key, bound into every session cookie

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Hand-written; runs on SQLite and PostgreSQL. A session cookie named only ``<id>.<epoch>``, so
an account removed and a new one given the same id (SQLite reuses freed ids) inherited the old
cookies. Each account now has a random key the cookie must carry; existing accounts get one here
(their current sessions end, which is the safe side).
"""
from __future__ import annotations

import secrets

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('analyst_accounts') as batch:
        batch.add_column(sa.Column('session_key', sa.String(length=64), nullable=True))
    accounts = sa.table('analyst_accounts', sa.column('id', sa.Integer()), sa.column('session_key', sa.String()))
    connection = op.get_bind()
    for (ident,) in connection.execute(sa.select(accounts.c.id)).all():
        connection.execute(accounts.update().where(accounts.c.id == ident)
                           .values(session_key=secrets.token_urlsafe(32)))
    with op.batch_alter_table('analyst_accounts') as batch:
        batch.alter_column('session_key', existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('analyst_accounts') as batch:
        batch.drop_column('session_key')
