"""print copy: an image chosen for a calendar may carry an enlarged copy made for print by an AI upscaler, and the
method that made it (the render report names it)

Revision ID: 0012_quality_print_copy
Revises: 0011_ledger
Create Date: 2026-12-05 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012_quality_print_copy'
down_revision: str | None = '0011_ledger'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('uploaded_file', sa.Column('print_key', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True))
    op.add_column('uploaded_file', sa.Column('print_method', sqlmodel.sql.sqltypes.AutoString(length=64),
                                             nullable=True))


def downgrade() -> None:
    op.drop_column('uploaded_file', 'print_method')
    op.drop_column('uploaded_file', 'print_key')
