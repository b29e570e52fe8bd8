"""one contract per concept: drop the unused prompt theme and template model links; job ids never reused;
random provider tags for trained models

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 08:00:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('template', schema=None) as batch_op:
        batch_op.drop_column('flux_model_id')
        batch_op.drop_column('prompt_theme_id')
    op.drop_table('prompt_theme')

    with op.batch_alter_table('flux_model', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_tag', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    connection = op.get_bind()
    for (model_id,) in connection.execute(sa.text('SELECT id FROM flux_model')).all():
        connection.execute(sa.text('UPDATE flux_model SET provider_tag = :tag WHERE id = :id'),
                           {'tag': f'train-{uuid.uuid4().hex}', 'id': model_id})
    with op.batch_alter_table('flux_model', schema=None) as batch_op:
        batch_op.alter_column('provider_tag', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                              nullable=False)

    if connection.dialect.name == 'sqlite':  # PostgreSQL sequences never hand out an id twice anyway
        with op.batch_alter_table('job', recreate='always', table_kwargs={'sqlite_autoincrement': True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('job', recreate='always', table_kwargs={'sqlite_autoincrement': False}):
            pass
    with op.batch_alter_table('flux_model', schema=None) as batch_op:
        batch_op.drop_column('provider_tag')
    op.create_table('prompt_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('base_prompt', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('negative_prompt', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('style_strength', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('template', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prompt_theme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('flux_model_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_template_prompt_theme_id', 'prompt_theme', ['prompt_theme_id'], ['id'])
        batch_op.create_foreign_key('fk_template_flux_model_id', 'flux_model', ['flux_model_id'], ['id'])
