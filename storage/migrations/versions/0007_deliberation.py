"""deliberation: statements, rounds, participants, votes and their history

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

Hand-written; runs on SQLite and PostgreSQL. Votes, their history and participations cascade
from the ``respondents`` row (erasure removes them); a statement keeps no link to an erased
author (``SET NULL``).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

JSONValue = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=140), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('source_answer_id', sa.Integer(), nullable=True),
    sa.Column('author_respondent_id', sa.Integer(), nullable=True),
    sa.Column('original_text', sa.Text(), nullable=True),
    sa.Column('lemmas', sa.Text(), nullable=False),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('similarity', sa.Float(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['source_answer_id'], ['answers.id'], name=op.f('fk_statements_source_answer_id_answers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_respondent_id'], ['respondents.id'], name=op.f('fk_statements_author_respondent_id_respondents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['statements.id'], name=op.f('fk_statements_duplicate_of_id_statements'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['statements.id'], name=op.f('fk_statements_merged_into_id_statements'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements')),
    sa.UniqueConstraint('source_answer_id', name=op.f('uq_statements_source_answer_id'))
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_author_respondent_id'), ['author_respondent_id'], unique=False)

    op.create_table('deliberation_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('segment', JSONValue, nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('min_votes', sa.Integer(), nullable=False),
    sa.Column('min_category_votes', sa.Integer(), nullable=False),
    sa.Column('invited', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliberation_rounds')),
    sa.UniqueConstraint('name', name=op.f('uq_deliberation_rounds_name'))
    )
    op.create_table('deliberation_participants',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('current_statement_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['deliberation_rounds.id'], name=op.f('fk_deliberation_participants_round_id_deliberation_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_deliberation_participants_respondent_id_respondents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['current_statement_id'], ['statements.id'], name=op.f('fk_deliberation_participants_current_statement_id_statements'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('round_id', 'respondent_id', name=op.f('pk_deliberation_participants'))
    )
    with op.batch_alter_table('deliberation_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliberation_participants_respondent_id'), ['respondent_id'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['deliberation_rounds.id'], name=op.f('fk_votes_round_id_deliberation_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_votes_statement_id_statements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_votes_respondent_id_respondents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('round_id', 'statement_id', 'respondent_id', name='uq_votes_round_statement_respondent')
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_votes_respondent_id'), ['respondent_id'], unique=False)

    op.create_table('vote_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['deliberation_rounds.id'], name=op.f('fk_vote_events_round_id_deliberation_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_vote_events_statement_id_statements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_vote_events_respondent_id_respondents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_events'))
    )
    with op.batch_alter_table('vote_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_events_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_events_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_events_respondent_id'), ['respondent_id'], unique=False)


def downgrade() -> None:
    op.drop_table('vote_events')
    op.drop_table('votes')
    op.drop_table('deliberation_participants')
    op.drop_table('deliberation_rounds')
    op.drop_table('statements')
