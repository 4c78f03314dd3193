"""escalation: the timer's settings per pilot (delays per severity, business hours,
whether an acknowledgement pauses it)

Revision ID: 0006e
Revises: 0004c
Create Date: 2026-11-26 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

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


def downgrade() -> None:
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_column('ack_pauses_escalation')
        batch_op.drop_column('business_hours')
        batch_op.drop_column('escalation_minor')
        batch_op.drop_column('escalation_major')
        batch_op.drop_column('escalation_critical')

