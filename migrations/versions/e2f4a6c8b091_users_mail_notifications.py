"""users: since when an account's notifications are mailed (None: the site only)

Revision ID: e2f4a6c8b091
Revises: d8a4c6e2f153
Create Date: 2026-12-07 12:20:00

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2f4a6c8b091'
down_revision = 'd8a4c6e2f153'
branch_labels = None
depends_on = None

# Existing accounts keep getting every notification mailed, the ones still waiting included.
EVERYTHING = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_notifications_since', sa.DateTime(timezone=True),
                                      nullable=True))
    users = sa.table('users', sa.column('mail_notifications_since', sa.DateTime(timezone=True)))
    op.execute(users.update().values(mail_notifications_since=EVERYTHING))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('mail_notifications_since')
