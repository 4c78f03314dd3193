"""escalation: the timer's settings per pilot (delays per severity, business hours,
whether an acknowledgement pauses it), each flag's timer (the frozen policy, the last
step, the next due time, indexed), the steps taken and the snoozes

Revision ID: 0006e
Revises: 0005f
Create Date: 2026-11-26 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0006e'
down_revision: str | None = '0005f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalation_critical', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False, server_default='4h 24h 48h'))
        batch_op.add_column(sa.Column('escalation_major', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False, server_default='4h 24h 48h'))
        batch_op.add_column(sa.Column('escalation_minor', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False, server_default='4h 24h 48h'))
        batch_op.add_column(sa.Column('business_hours', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('ack_pauses_escalation', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table('escalation_snooze',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flag_id'], ['flag.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('escalation_snooze', schema=None) as batch_op:
        batch_op.create_index('ix_escalation_snooze_flag', ['flag_id'], unique=False)

    op.create_table('escalation_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('goes_to', sa.Integer(), nullable=True),
    sa.Column('users', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('unassigned', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('taken_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flag_id'], ['flag.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('flag_id', 'step', name='uq_escalation_step')
    )
    op.create_table('flag_escalation',
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('policy', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('last_step', sa.Integer(), nullable=True),
    sa.Column('snoozed_minutes', sa.Integer(), nullable=False),
    sa.Column('next_escalation_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stopped', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['flag_id'], ['flag.id'], ),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.PrimaryKeyConstraint('flag_id')
    )
    with op.batch_alter_table('flag_escalation', schema=None) as batch_op:
        batch_op.create_index('ix_flag_escalation_next', ['next_escalation_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('flag_escalation', schema=None) as batch_op:
        batch_op.drop_index('ix_flag_escalation_next')

    op.drop_table('flag_escalation')
    op.drop_table('escalation_step')
    with op.batch_alter_table('escalation_snooze', schema=None) as batch_op:
        batch_op.drop_index('ix_escalation_snooze_flag')

    op.drop_table('escalation_snooze')

    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_column('ack_pauses_escalation')
        batch_op.drop_column('business_hours')
        batch_op.drop_column('escalation_minor')
        batch_op.drop_column('escalation_major')
        batch_op.drop_column('escalation_critical')
