"""listening: stakeholder register, invitations, project cards, ratings and card scores

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

Hand-written; runs on SQLite and PostgreSQL. What comes from a respondent cascades from
``respondents``/``runs`` so that erasure removes it (an invitation only forgets who used it).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

JSONValue = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('contact_person', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actors')),
    sa.UniqueConstraint('code', name=op.f('uq_actors_code'))
    )
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('respondent_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_invitations_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_invitations_respondent_id_respondents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token', name=op.f('uq_invitations_token'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_respondent_id'), ['respondent_id'], unique=False)

    op.create_table('respondent_actors',
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_respondent_actors_respondent_id_respondents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_respondent_actors_actor_id_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_respondent_actors_invitation_id_invitations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('respondent_id', name=op.f('pk_respondent_actors'))
    )
    with op.batch_alter_table('respondent_actors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_respondent_actors_actor_id'), ['actor_id'], unique=False)

    op.create_table('cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_run_id', sa.Integer(), nullable=False),
    sa.Column('item_index', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=24), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('promoter', sa.String(length=300), nullable=True),
    sa.Column('theme', sa.String(length=40), nullable=True),
    sa.Column('stage', sa.String(length=24), nullable=True),
    sa.Column('cost', sa.Float(), nullable=True),
    sa.Column('fields', JSONValue, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_run_id'], ['runs.id'], name=op.f('fk_cards_source_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cards')),
    sa.UniqueConstraint('source_run_id', 'item_index', name='uq_cards_source_item')
    )
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('scores', JSONValue, nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_ratings_card_id_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['respondents.id'], name=op.f('fk_ratings_rater_id_respondents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_ratings_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('card_id', 'rater_id', name='uq_ratings_card_rater'),
    sa.UniqueConstraint('run_id', name=op.f('uq_ratings_run_id'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_card_id'), ['card_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_rater_id'), ['rater_id'], unique=False)

    op.create_table('card_scores',
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('raters', sa.Integer(), nullable=False),
    sa.Column('overall', sa.Float(), nullable=True),
    sa.Column('sd', sa.Float(), nullable=True),
    sa.Column('min', sa.Float(), nullable=True),
    sa.Column('max', sa.Float(), nullable=True),
    sa.Column('index_means', JSONValue, nullable=False),
    sa.Column('weights', JSONValue, nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_card_scores_card_id_cards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('card_id', name=op.f('pk_card_scores'))
    )


def downgrade() -> None:
    op.drop_table('card_scores')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_rater_id'))
        batch_op.drop_index(batch_op.f('ix_ratings_card_id'))
    op.drop_table('ratings')
    op.drop_table('cards')
    with op.batch_alter_table('respondent_actors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_respondent_actors_actor_id'))
    op.drop_table('respondent_actors')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_respondent_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_actor_id'))
    op.drop_table('invitations')
    op.drop_table('actors')
