"""webp copies: the key of each thumbnail's, rendered page's and theme preview's WebP copy, stored next to the JPEGs
so links straight to the object store or a CDN can offer WebP (older rows have none and keep JPEG only)

Revision ID: 0007_finish_webp
Revises: 0006_finish_downloads
Create Date: 2026-12-04 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007_finish_webp'
down_revision: str | None = '0006_finish_downloads'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('uploaded_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thumbnail_webp_key', sqlmodel.sql.sqltypes.AutoString(length=512),
                                      nullable=True))
    with op.batch_alter_table('user_calendar', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_webp_keys', sa.JSON(), nullable=True))
    with op.batch_alter_table('template', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preview_webp_key', sqlmodel.sql.sqltypes.AutoString(length=512),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('template', schema=None) as batch_op:
        batch_op.drop_column('preview_webp_key')
    with op.batch_alter_table('user_calendar', schema=None) as batch_op:
        batch_op.drop_column('page_webp_keys')
    with op.batch_alter_table('uploaded_file', schema=None) as batch_op:
        batch_op.drop_column('thumbnail_webp_key')
