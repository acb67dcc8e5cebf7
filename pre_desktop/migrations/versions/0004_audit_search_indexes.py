"""audit search indexes: the Journal des accès filtered by action or by user, newest first

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 15:00:00

Issue 9: the coordinator searches a trail of hundreds of thousands of events by kind of
action and by user, newest first. Without these, a rare action (a deletion) scanned the
whole trail along its date index (2,4 s on 500,000 events; 0,1 ms with the index).
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_audit_events_action_at', 'audit_events', ['action', 'at'], unique=False)
    op.create_index('ix_audit_events_user_at', 'audit_events', ['user_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_events_user_at', table_name='audit_events')
    op.drop_index('ix_audit_events_action_at', table_name='audit_events')
