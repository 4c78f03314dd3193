"""flags: the issue log (F-1, F-2, ... per pilot, numbered from pilot.flag_count)

Revision ID: 0005f
Revises: 0004c
Create Date: 2026-11-26 13:41:34.316231
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0005f'
down_revision: str | None = '0004c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('enterprise_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('raised_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('raised_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('thread_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('announcement_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('acknowledged_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('acknowledged_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('resolved_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pilot_id', 'number', name='uq_flag_number'),
    sa.UniqueConstraint('team_id', 'channel_id', 'message_ts', name='uq_flag_message')
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index('ix_flag_pilot_raised', ['pilot_id', 'raised_at'], unique=False)
        batch_op.create_index('ix_flag_pilot_state', ['pilot_id', 'state'], unique=False)

    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag_count', sa.Integer(), nullable=False, server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_column('flag_count')

    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index('ix_flag_pilot_state')
        batch_op.drop_index('ix_flag_pilot_raised')

    op.drop_table('flag')
