"""render: a calendar's edit version and the version its stored render shows (edits render in the worker)

Revision ID: 0013_render
Revises: 0012_quality_print_copy
Create Date: 2026-12-05 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_render'
down_revision: str | None = '0012_quality_print_copy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_calendar', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('rendered_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('render_error', sa.String(), nullable=True))
    # A calendar rendered before versions existed shows its one and only version.
    op.execute("UPDATE user_calendar SET rendered_version = 1 WHERE pdf_key IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('user_calendar', schema=None) as batch_op:
        batch_op.drop_column('render_error')
        batch_op.drop_column('rendered_version')
        batch_op.drop_column('version')
