"""outbox files: the bytes of the files an owed upload shares, with Slack's file id once
the upload's first step gave it

Revision ID: 0015u
Revises: 0008oauth
Create Date: 2026-12-01 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015u'
down_revision: str | None = '0008oauth'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('alt_txt', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('file_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id', 'position', name='uq_outbox_file_position')
    )


def downgrade() -> None:
    op.drop_table('outbox_file')
