"""page: the title a customer chose before creating (job.title); stored calendar titles lose the year the cover
already prints under them ("Природа 2027" → "Природа"); what the time estimate measures and needs (how long each
variant's synthesis took, whether a job started without a trained model)

Revision ID: 0010_page
Revises: 0009_scoring
Create Date: 2026-12-04 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010_page'
down_revision: str | None = '0009_scoring'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.add_column(sa.Column('needs_training', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('generated_calendar_variant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('synthesis_seconds', sa.Float(), nullable=True))
    # The old default was "<theme name> <year>"; the cover prints the year under the title, so it went twice.
    op.execute("UPDATE user_calendar SET title = substr(title, 1, length(title) - 5) "
               "WHERE title LIKE '% ' || CAST(year AS VARCHAR(4)) AND length(title) > 5")


def downgrade() -> None:
    with op.batch_alter_table('generated_calendar_variant', schema=None) as batch_op:
        batch_op.drop_column('synthesis_seconds')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('needs_training')
        batch_op.drop_column('title')
