"""outside the channel: a pilot's calendar feed and its events' sequences, the token
monitoring pushes metrics with (a hash), where a metric value came from and its idempotency
key, and each person's Home tab as owed to Slack

Revision ID: 0017o
Revises: 0016docs
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0017o'
down_revision: str | None = '0016docs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('home_tab',
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('enterprise_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('owed', sa.Integer(), nullable=False),
    sa.Column('published', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('claimed_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('team_id', 'user_id')
    )
    with op.batch_alter_table('home_tab', schema=None) as batch_op:
        batch_op.create_index('ix_home_tab_next_attempt', ['next_attempt_at'], unique=False)

    op.create_table('calendar_feed',
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.PrimaryKeyConstraint('pilot_id'),
    sa.UniqueConstraint('token_hash', name='uq_calendar_feed_token_hash')
    )
    op.create_table('calendar_sequence',
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('changed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.PrimaryKeyConstraint('pilot_id', 'uid')
    )
    op.create_table('metrics_intake_token',
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.PrimaryKeyConstraint('pilot_id'),
    sa.UniqueConstraint('token_hash', name='uq_metrics_intake_token_hash')
    )
    with op.batch_alter_table('metric_value', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=240), nullable=True))
        batch_op.create_unique_constraint('uq_metric_value_idempotency', ['pilot_id', 'idempotency_key'])

    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index('ix_team_member_user', ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_index('ix_team_member_user')

    with op.batch_alter_table('metric_value', schema=None) as batch_op:
        batch_op.drop_constraint('uq_metric_value_idempotency', type_='unique')
        batch_op.drop_column('idempotency_key')
        batch_op.drop_column('source')

    op.drop_table('metrics_intake_token')
    op.drop_table('calendar_sequence')
    op.drop_table('calendar_feed')
    with op.batch_alter_table('home_tab', schema=None) as batch_op:
        batch_op.drop_index('ix_home_tab_next_attempt')

    op.drop_table('home_tab')
