"""Audit of every staff list and detail view.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_view_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.String(length=64), nullable=False),
    sa.Column('staff_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('query', sa.Text(), nullable=True),
    sa.Column('result_count', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_staff_view_audit_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_view_audit'))
    )
    with op.batch_alter_table('staff_view_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_view_audit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_view_audit_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_view_audit_staff_id'), ['staff_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_view_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_view_audit_staff_id'))
        batch_op.drop_index(batch_op.f('ix_staff_view_audit_case_id'))
        batch_op.drop_index(batch_op.f('ix_staff_view_audit_at'))

    op.drop_table('staff_view_audit')
