"""themes of free-text answers: machine tags, keywords, human review

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

Hand-written; runs on SQLite and PostgreSQL. Every table cascades from ``answers`` so that
erasing a respondent (which deletes their answers) removes their tags and reviews too.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

JSONValue = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('tagged_answers',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('keywords', JSONValue, nullable=False),
    sa.Column('method', sa.String(length=120), nullable=False),
    sa.Column('taxonomy_version', sa.String(length=40), nullable=False),
    sa.Column('tagged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_tagged_answers_answer_id_answers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('answer_id', name=op.f('pk_tagged_answers'))
    )
    op.create_table('tag_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('coder', sa.String(length=64), nullable=False),
    sa.Column('accept', sa.Boolean(), nullable=True),
    sa.Column('suggested', JSONValue, nullable=False),
    sa.Column('themes', JSONValue, nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('sheet_row', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_tag_reviews_answer_id_answers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_reviews'))
    )
    with op.batch_alter_table('tag_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_reviews_answer_id'), ['answer_id'], unique=False)

    op.create_table('answer_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('evidence', JSONValue, nullable=False),
    sa.Column('negated_evidence', JSONValue, nullable=False),
    sa.Column('negated', sa.Boolean(), nullable=False),
    sa.Column('method', sa.String(length=120), nullable=False),
    sa.Column('taxonomy_version', sa.String(length=40), nullable=False),
    sa.Column('tagged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('coder', sa.String(length=64), nullable=True),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_answer_tags_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['tag_reviews.id'], name=op.f('fk_answer_tags_review_id_tag_reviews'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_tags')),
    sa.UniqueConstraint('answer_id', 'theme_id', 'source', name='uq_answer_tags_answer_theme_source')
    )
    with op.batch_alter_table('answer_tags', schema=None) as batch_op:
        batch_op.create_index('ix_answer_tags_theme_source', ['theme_id', 'source'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_tags_review_id'), ['review_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('answer_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_tags_review_id'))
        batch_op.drop_index('ix_answer_tags_theme_source')
    op.drop_table('answer_tags')
    with op.batch_alter_table('tag_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tag_reviews_answer_id'))
    op.drop_table('tag_reviews')
    op.drop_table('tagged_answers')
