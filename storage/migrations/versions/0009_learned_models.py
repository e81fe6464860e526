"""learned theme models: the supervised model fitted on the analysts' reviewed texts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09

Hand-written; runs on SQLite and PostgreSQL. One row per ``scenari nlp train``: the model is a
gzip-compressed JSON document (vocabulary, per-theme coefficients, thresholds) in ``payload``,
never a pickle, so loading a row cannot run code. ``taxonomy_version`` says which taxonomy the
model was trained for: taggers use only the newest row of their own taxonomy version.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

JSONValue = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('learned_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taxonomy_version', sa.String(length=40), nullable=False),
    sa.Column('rules_method', sa.String(length=120), nullable=False),
    sa.Column('trained_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('texts', sa.Integer(), nullable=False),
    sa.Column('themes', JSONValue, nullable=False),
    sa.Column('metrics', JSONValue, nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learned_models'))
    )
    with op.batch_alter_table('learned_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learned_models_taxonomy_version'), ['taxonomy_version'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('learned_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learned_models_taxonomy_version'))
    op.drop_table('learned_models')
