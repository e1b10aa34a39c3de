"""Initial schema: cases, items, events, staff tokens, audits, rate-limit hits.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 02:26:16.470200
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=32), nullable=False),
    sa.Column('bundle_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.Enum('web', 'wechat', 'hotline', name='channel', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status', sa.Enum('pending', 'in_progress', 'completed', 'returned', name='case_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('applicant_name_masked', sa.String(length=64), nullable=False),
    sa.Column('personal_data_enc', sa.Text(), nullable=False),
    sa.Column('form_data_enc', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('phone_last4_hash', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('create_response', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_number', name=op.f('uq_cases_case_number')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_cases_idempotency_key'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_id_number_hash'), ['id_number_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('lookup_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('client_key', sa.String(length=128), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('result_count', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lookup_audit'))
    )
    with op.batch_alter_table('lookup_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lookup_audit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lookup_audit_id_number_hash'), ['id_number_hash'], unique=False)

    op.create_table('rate_limit_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hits'))
    )
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_hits_at'), ['at'], unique=False)
        batch_op.create_index('ix_rate_limit_hits_key_at', ['key', 'at'], unique=False)

    op.create_table('staff_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.Enum('worker', 'agent', name='staff_role', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_tokens_token_hash'))
    )
    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.Enum('created', 'transition', 'resubmitted', name='event_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('actor_type', sa.Enum('applicant', 'system', 'worker', 'agent', name='actor_type', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_status', sa.Enum('pending', 'in_progress', 'completed', 'returned', name='event_from_status', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('to_status', sa.Enum('pending', 'in_progress', 'completed', 'returned', name='event_to_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('resubmit', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_case_id_id', ['case_id', 'id'], unique=False)

    op.create_table('case_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('pending', 'in_progress', 'completed', 'returned', name='case_item_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('expected_completion', sa.Date(), nullable=True),
    sa.Column('expected_estimated', sa.Boolean(), nullable=False),
    sa.Column('deadline_text', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=True),
    sa.Column('added_reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_items_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_items')),
    sa.UniqueConstraint('case_id', 'item_id', name='uq_case_items_case_item')
    )
    with op.batch_alter_table('case_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_items_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_items_item_id'), ['item_id'], unique=False)

    op.create_table('reveal_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.String(length=64), nullable=False),
    sa.Column('staff_name', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reveal_audit_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reveal_audit'))
    )
    with op.batch_alter_table('reveal_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reveal_audit_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reveal_audit_staff_id'), ['staff_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reveal_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reveal_audit_staff_id'))
        batch_op.drop_index(batch_op.f('ix_reveal_audit_case_id'))

    op.drop_table('reveal_audit')
    with op.batch_alter_table('case_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_items_item_id'))
        batch_op.drop_index(batch_op.f('ix_case_items_case_id'))

    op.drop_table('case_items')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_case_id_id')

    op.drop_table('case_events')
    op.drop_table('staff_tokens')
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_limit_hits_key_at')
        batch_op.drop_index(batch_op.f('ix_rate_limit_hits_at'))

    op.drop_table('rate_limit_hits')
    with op.batch_alter_table('lookup_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lookup_audit_id_number_hash'))
        batch_op.drop_index(batch_op.f('ix_lookup_audit_at'))

    op.drop_table('lookup_audit')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_id_number_hash'))
        batch_op.drop_index(batch_op.f('ix_cases_bundle_id'))

    op.drop_table('cases')
