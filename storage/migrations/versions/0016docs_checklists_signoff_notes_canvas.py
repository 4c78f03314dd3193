"""documentation: scope document versions and their sign-off, meeting notes, the
pilot's channel canvas

Revision ID: 0016docs
Revises: 0015u
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0016docs'
down_revision: str | None = '0015u'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('scope_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('why', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signed_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('signer_role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('signed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pilot_id', 'version', name='uq_scope_document_version')
    )
    with op.batch_alter_table('scope_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scope_document_pilot_id'), ['pilot_id'], unique=False)

    op.create_table('meeting_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('review_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting_note', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_note_pilot_at', ['pilot_id', 'at'], unique=False)

    op.create_table('pilot_canvas',
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('canvas_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.PrimaryKeyConstraint('pilot_id')
    )


def downgrade() -> None:
    op.drop_table('pilot_canvas')
    with op.batch_alter_table('meeting_note', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_note_pilot_at')
    op.drop_table('meeting_note')
    with op.batch_alter_table('scope_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scope_document_pilot_id'))
    op.drop_table('scope_document')
