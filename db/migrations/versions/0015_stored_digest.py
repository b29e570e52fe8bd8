"""stored digest: each file row records its stored bytes' SHA-256, so an account's erasure names the provider's
copies without reading every stored photo again (rows stored before keep NULL and are read once, at erasure)

Revision ID: 0015_stored_digest
Revises: 0014_email_verification
Create Date: 2026-12-05 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015_stored_digest'
down_revision: str | None = '0014_email_verification'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('uploaded_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stored_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    # A variant is stored as made: its row's own digest is already of the stored bytes. Photos (normalized at upload)
    # stay NULL and are read once, at erasure.
    op.execute("UPDATE uploaded_file SET stored_sha256 = sha256 WHERE kind = 'variant'")


def downgrade() -> None:
    with op.batch_alter_table('uploaded_file', schema=None) as batch_op:
        batch_op.drop_column('stored_sha256')
