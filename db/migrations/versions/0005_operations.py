"""operations: when a job's variants were all ready (the seed's "time to 24 variants" figure, backfilled from
expires_at); each user's e-mail language and opt-out; calendar ratings

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                      server_default='uk'))
        batch_op.add_column(sa.Column('email_notifications', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    op.create_table('calendar_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['user_calendar.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('calendar_id')
    )
    with op.batch_alter_table('calendar_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_rating_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ready_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # expires_at was set on entering ready_for_selection, 7 days (the default window) after it.
    op.execute("UPDATE job SET ready_at = expires_at - INTERVAL '7 days' WHERE expires_at IS NOT NULL"
               if op.get_bind().dialect.name == 'postgresql' else
               "UPDATE job SET ready_at = datetime(expires_at, '-7 days') WHERE expires_at IS NOT NULL")


def downgrade() -> None:
    op.drop_table('calendar_rating')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email_notifications')
        batch_op.drop_column('language')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('ready_at')
