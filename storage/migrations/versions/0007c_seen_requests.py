"""seen requests: the signatures of recent commands and clicks (replays are refused),
an index to prune processed events by age, and the health probe's row

Revision ID: 0007c
Revises: 0007b
Create Date: 2026-12-01 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0007c'
down_revision: str | None = '0007b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('seen_request',
    sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('seen_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('signature')
    )
    with op.batch_alter_table('seen_request', schema=None) as batch_op:
        batch_op.create_index('ix_seen_request_seen_at', ['seen_at'], unique=False)
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.create_index('ix_processed_event_received_at', ['received_at'], unique=False)
    op.create_table('health_probe',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.drop_index('ix_processed_event_received_at')
    op.drop_table('health_probe')
    op.drop_table('seen_request')
