"""one sender: outbox rows that update a message (chat.update), build on an earlier
message (``after_key``: the update's target, a thread, a link), and an index for a
pilot's undelivered messages

Revision ID: 0007a
Revises: 0006e
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007a'
down_revision: str | None = '0006e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='post'))
        batch_op.add_column(sa.Column('after_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('target_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_index('ix_outbox_pilot_status', ['pilot_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_pilot_status')
        batch_op.drop_column('target_ts')
        batch_op.drop_column('after_key')
        batch_op.drop_column('method')
