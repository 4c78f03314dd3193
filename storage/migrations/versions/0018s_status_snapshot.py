"""/pilot status snapshots: each pilot's answer as last built, with the revision of the
record it was built from and until when the clock alone leaves it right

Revision ID: 0018s
Revises: 0017o
Create Date: 2026-12-03 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0018s'
down_revision: str | None = '0017o'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('status_snapshot',
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('built_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('body', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.PrimaryKeyConstraint('pilot_id')
    )
    with op.batch_alter_table('status_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_status_snapshot_valid_until', ['valid_until'], unique=False)
    # The channel's pilot is found by team and channel (enterprise_id in between made
    # every lookup read all the workspace's pilots).
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_index('ix_pilot_workspace_channel')
        batch_op.create_index('ix_pilot_team_channel', ['team_id', 'channel_id'], unique=False)
    # Every existing pilot gets its row, to be built (the refresher builds them).
    op.execute("INSERT INTO status_snapshot (pilot_id, revision, body) SELECT id, 0, '' FROM pilot")


def downgrade() -> None:
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_index('ix_pilot_team_channel')
        batch_op.create_index(
            'ix_pilot_workspace_channel', ['team_id', 'enterprise_id', 'channel_id'], unique=False
        )
    with op.batch_alter_table('status_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_status_snapshot_valid_until')
    op.drop_table('status_snapshot')
