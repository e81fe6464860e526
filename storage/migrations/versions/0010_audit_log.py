"""audit log (who logged in, downloaded, published, imported, exported, erased); answers.text_erased_at

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Hand-written; runs on SQLite and PostgreSQL. Append-only by construction: the repository
(storage/audit.py) only inserts, lists and removes rows past the retention time.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

JSONValue = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=True),
    sa.Column('detail', JSONValue, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_events_at', 'audit_events', ['at'])
    with op.batch_alter_table('answers') as batch:  # retention: the words of a free text were erased
        batch.add_column(sa.Column('text_erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('answers') as batch:
        batch.drop_column('text_erased_at')
    op.drop_index('ix_audit_events_at', table_name='audit_events')
    op.drop_table('audit_events')
