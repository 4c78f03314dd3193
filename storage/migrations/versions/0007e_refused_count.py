"""a pilot's count of messages Slack refused for good (read with the pilot by /pilot status)

Revision ID: 0007e
Revises: 0007d
Create Date: 2026-12-01 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007e'
down_revision: str | None = '0007d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused_count', sa.Integer(), nullable=False, server_default='0'))
    op.execute(
        "UPDATE pilot SET refused_count = (SELECT COUNT(*) FROM outbox_message"
        " WHERE outbox_message.pilot_id = pilot.id AND outbox_message.status = 'failed')"
    )


def downgrade() -> None:
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_column('refused_count')
