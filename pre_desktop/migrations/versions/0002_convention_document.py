"""convention document: signatories' titles, bank details, the structure's own Word template

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:00:00

The model convention prints each signatory's title under the signature ("Président",
"Directrice") and the account the payments go to: three convention columns. A
structure may give its own .docx for the convention: stored in the database
(document_templates) so that it moves with the data, its backups and the command line.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('document_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_templates')),
    sa.UniqueConstraint('kind', name=op.f('uq_document_templates_kind'))
    )
    with op.batch_alter_table('conventions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signatory_pre_title', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signatory_partner_title', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('bank_details', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conventions', schema=None) as batch_op:
        batch_op.drop_column('bank_details')
        batch_op.drop_column('signatory_partner_title')
        batch_op.drop_column('signatory_pre_title')
    op.drop_table('document_templates')
