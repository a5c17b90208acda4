"""documents: the countries of the parties' addresses (for the ranker's same-country feature)

Revision ID: 7e1a9c2b5d40
Revises: a7c3e1f95b20
Create Date: 2026-12-06 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e1a9c2b5d40'
down_revision = 'a7c3e1f95b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        # Existing documents get an empty list (unknown until re-imported).
        batch_op.add_column(sa.Column('countries', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('countries', server_default=None)


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('countries')
