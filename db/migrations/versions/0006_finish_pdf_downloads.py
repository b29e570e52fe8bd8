"""pdf downloads: how often each calendar's PDF was downloaded and when first (the seed's conversion ends at
"PDF downloaded")

Revision ID: 0006_finish_downloads
Revises: 0005
Create Date: 2026-12-04 23:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006_finish_downloads'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_calendar', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_downloads', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('pdf_first_downloaded_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_calendar', schema=None) as batch_op:
        batch_op.drop_column('pdf_first_downloaded_at')
        batch_op.drop_column('pdf_downloads')
