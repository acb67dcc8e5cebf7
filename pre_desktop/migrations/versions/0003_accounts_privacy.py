"""accounts and privacy: password hashes, shared files, private notes, archive, retention settings, the convention's funder

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 14:00:00

Issue 9 (protection of the children's data): local accounts log in with an Argon2 hash and
a growing delay after failures; a coordinator shares a file with a référent outside their
caseload; private notes are read by their author only; files move to a read-only archive
and are anonymised at the end of its period; the structure sets the idle lock and the
retention periods. Issue 10: the annual report sums sessions and amounts by funder, a
convention field.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _versioned() -> list[sa.Column]:
    return [
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_failed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('archived_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_children_archived_on'), ['archived_on'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_children_archived_by_id_users'), 'users', ['archived_by_id'], ['id'])
    with op.batch_alter_table('structure_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_minutes', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('retention_years', sa.Integer(), server_default='2', nullable=False))
        batch_op.add_column(sa.Column('archive_years', sa.Integer(), server_default='3', nullable=False))
    with op.batch_alter_table('conventions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('funder', sa.String(length=120), nullable=True))
    op.create_table('child_shares',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('shared_by_id', sa.Integer(), nullable=True),
        sa.Column('shared_on', sa.Date(), nullable=False),
        *_versioned(),
        sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_child_shares_child_id_children'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shared_by_id'], ['users.id'], name=op.f('fk_child_shares_shared_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_child_shares_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_child_shares')),
        sa.UniqueConstraint('child_id', 'user_id', name=op.f('uq_child_shares_child_id')),
    )
    op.create_index(op.f('ix_child_shares_child_id'), 'child_shares', ['child_id'], unique=False)
    op.create_index(op.f('ix_child_shares_user_id'), 'child_shares', ['user_id'], unique=False)
    op.create_table('private_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('written_at', sa.DateTime(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        *_versioned(),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_private_notes_author_id_users')),
        sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_private_notes_child_id_children'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_private_notes')),
    )
    op.create_index(op.f('ix_private_notes_author_id'), 'private_notes', ['author_id'], unique=False)
    op.create_index(op.f('ix_private_notes_child_id'), 'private_notes', ['child_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_private_notes_child_id'), table_name='private_notes')
    op.drop_index(op.f('ix_private_notes_author_id'), table_name='private_notes')
    op.drop_table('private_notes')
    op.drop_index(op.f('ix_child_shares_user_id'), table_name='child_shares')
    op.drop_index(op.f('ix_child_shares_child_id'), table_name='child_shares')
    op.drop_table('child_shares')
    with op.batch_alter_table('conventions', schema=None) as batch_op:
        batch_op.drop_column('funder')
    with op.batch_alter_table('structure_settings', schema=None) as batch_op:
        batch_op.drop_column('archive_years')
        batch_op.drop_column('retention_years')
        batch_op.drop_column('lock_minutes')
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_children_archived_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_children_archived_on'))
        batch_op.drop_column('anonymised_on')
        batch_op.drop_column('archived_by_id')
        batch_op.drop_column('archived_on')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('last_failed_at')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('password_hash')
