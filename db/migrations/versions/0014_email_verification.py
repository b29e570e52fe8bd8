"""email verification: when a user confirmed their e-mail (sign-up answers alike for new and taken e-mails, and only
a confirmed account signs in); accounts made before sign-up needed confirming count as confirmed

Revision ID: 0014_email_verification
Revises: 0013_render
Create Date: 2026-12-05 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014_email_verification'
down_revision: str | None = '0013_render'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Their owners signed up when registering signed in at once: they keep signing in as before.
    op.execute('UPDATE "user" SET email_verified_at = created_at')


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
