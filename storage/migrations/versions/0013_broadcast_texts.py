"""Broadcasts in every language of the plan: ``broadcasts.texts`` (language → Markdown text)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

Hand-written; runs on SQLite (batch mode) and PostgreSQL. ``text_it`` and ``text_en`` stay as they
were (every plan has Italian; English is optional); ``texts`` holds the plan's other languages
(Bozen/Bolzano's German), so a German subscriber reads a newsletter or an event invitation in German
instead of in Italian. NULL on the rows made before: they have only Italian and English.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

JSONValue = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('broadcasts') as batch:
        batch.add_column(sa.Column('texts', JSONValue, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('broadcasts') as batch:
        batch.drop_column('texts')
