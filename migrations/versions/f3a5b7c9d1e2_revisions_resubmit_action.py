"""submission revisions: a resubmission is "resubmit", no longer "restore" as a moderator's restore

Revision ID: f3a5b7c9d1e2
Revises: e2f4a6c8b091
Create Date: 2026-12-07 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a5b7c9d1e2'
down_revision = 'e2f4a6c8b091'
branch_labels = None
depends_on = None

revisions = sa.table('submission_revisions', sa.column('id', sa.Integer),
                     sa.column('action', sa.String(16)), sa.column('data', sa.JSON))


def _rename(old, new, resubmissions):
    """Rename the action of the resubmissions (or of the moderators' restores)."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(revisions.c.id, revisions.c.data)
                              .where(revisions.c.action == old)).all()
    # A resubmission keeps the whole submission as it was; a moderator's restore only its status.
    ids = [row.id for row in rows if ("identifier" in (row.data or {})) == resubmissions]
    for start in range(0, len(ids), 500):
        connection.execute(revisions.update().where(revisions.c.id.in_(ids[start:start + 500]))
                           .values(action=new))


def upgrade():
    _rename('restore', 'resubmit', resubmissions=True)


def downgrade():
    _rename('resubmit', 'restore', resubmissions=True)
