"""team members' own organisation (Slack Connect members of another one)

Revision ID: 0007d
Revises: 0007c
Create Date: 2026-12-01 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007d'
down_revision: str | None = '0007c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_column('user_team_id')
