"""per-pilot counters (R-n, C-n, CH-n, D-n handed out under a row lock, filled from the
numbers already used) and one live pilot per channel as a partial unique index

Revision ID: 0007b
Revises: 0007a
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007b'
down_revision: str | None = '0007a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBERED = ('pilot_risk', 'success_criterion', 'deferred_request', 'change_request')


def upgrade() -> None:
    op.create_table('pilot_counter',
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.PrimaryKeyConstraint('pilot_id', 'name')
    )
    for table in NUMBERED:  # a fixed list of our own tables, not input
        sql = "INSERT INTO pilot_counter (pilot_id, name, last) SELECT pilot_id, '%s', MAX(number) FROM %s GROUP BY pilot_id"
        op.execute(sql % (table, table))
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.create_index(
            'uq_pilot_live_channel', ['team_id', 'channel_id'], unique=True,
            sqlite_where=sa.text("state != 'ended'"),
            postgresql_where=sa.text("state != 'ended'"),
        )


def downgrade() -> None:
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_index('uq_pilot_live_channel')
    op.drop_table('pilot_counter')
