"""scoring: each photo's face embeddings; each variant's score components, perceptual hash, recommendation and
the likeness guard's note; the customer's own prompt on a job

Revision ID: 0009_scoring
Revises: 0008_security
Create Date: 2026-12-04 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009_scoring'
down_revision: str | None = '0008_security'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('uploaded_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('faces', sa.JSON(), nullable=True))
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('custom_prompt', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
    with op.batch_alter_table('generated_calendar_variant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score_details', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('image_hash', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('recommended', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('suggested_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('suggested_season', sqlmodel.sql.sqltypes.AutoString(length=8),
                                      nullable=True))
        batch_op.add_column(sa.Column('likeness_note', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('generated_calendar_variant', schema=None) as batch_op:
        for column in ('likeness_note', 'suggested_season', 'suggested_month', 'recommended', 'image_hash',
                       'score_details'):
            batch_op.drop_column(column)
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('custom_prompt')
    with op.batch_alter_table('uploaded_file', schema=None) as batch_op:
        batch_op.drop_column('faces')
