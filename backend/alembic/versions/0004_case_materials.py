"""Materials uploaded with an application: files, their audit events, upload tokens.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:45:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_material_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('material_id', sa.String(length=32), nullable=False),
    sa.Column('blob_name', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_material_files_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_material_files')),
    sa.UniqueConstraint('case_id', 'material_id', 'blob_name', name='uq_case_material_files_content')
    )
    with op.batch_alter_table('case_material_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_material_files_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_material_files_blob_name'), ['blob_name'], unique=False)

    op.create_table('case_material_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.String(length=64), nullable=True),
    sa.Column('material_id', sa.String(length=32), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('actor_type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_material_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_material_events'))
    )
    with op.batch_alter_table('case_material_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_material_events_case_id_id', ['case_id', 'id'], unique=False)

    op.create_table('material_upload_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_via', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_material_upload_tokens_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_upload_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_material_upload_tokens_token_hash'))
    )
    with op.batch_alter_table('material_upload_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_upload_tokens_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('material_upload_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_upload_tokens_case_id'))
    op.drop_table('material_upload_tokens')
    with op.batch_alter_table('case_material_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_material_events_case_id_id')
    op.drop_table('case_material_events')
    with op.batch_alter_table('case_material_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_material_files_blob_name'))
        batch_op.drop_index(batch_op.f('ix_case_material_files_case_id'))
    op.drop_table('case_material_files')
