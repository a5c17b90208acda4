"""import runs: a heartbeat per batch, so a run whose worker died shows as interrupted

Revision ID: b3d9f1e07c21
Revises: 7e1a9c2b5d40
Create Date: 2026-12-06 19:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3d9f1e07c21'
down_revision = '7e1a9c2b5d40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
