"""security: each user's token version (logout and password reset revoke every token issued before); webhook
events indexed by age (pruned after the retention)

Revision ID: 0008_security
Revises: 0007_finish_webp
Create Date: 2026-12-04 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_security'
down_revision: str | None = '0007_finish_webp'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('webhook_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_event_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webhook_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_event_received_at'))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('token_version')
