"""import runs: one queued or running at a time (a unique partial index); queued runs are outbox jobs

Revision ID: c9d2e4f6a8b1
Revises: 0a6c2e4b8d13
Create Date: 2026-12-08 10:00:00

"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c9d2e4f6a8b1'
down_revision = '0a6c2e4b8d13'
branch_labels = None
depends_on = None

ACTIVE = "status IN ('queued', 'running')"

runs = sa.table('import_runs', sa.column('id', sa.Integer), sa.column('status', sa.String),
                sa.column('message', sa.String), sa.column('finished_at', sa.DateTime(timezone=True)))
jobs = sa.table('jobs', sa.column('kind', sa.String), sa.column('args', sa.JSON),
                sa.column('attempts', sa.Integer), sa.column('run_after', sa.DateTime(timezone=True)),
                sa.column('last_error', sa.Text))


def upgrade():
    connection = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    active = connection.execute(sa.select(runs.c.id, runs.c.status).where(sa.text(ACTIVE))
                                .order_by(runs.c.id.desc())).all()
    # Runs started beside a later one (a double-click, before this rule) cannot all stay active:
    # the latest does. A queued one never started; a running one's worker is stopped by now.
    for row in active[1:]:
        connection.execute(runs.update().where(runs.c.id == row.id).values(
            status='failed' if row.status == 'queued' else 'interrupted', finished_at=now,
            message='ended by the upgrade that allows one import at a time: start it again'))
    # A queued run's Huey message names a task that no longer exists: the outbox starts it.
    if active and active[0].status == 'queued':
        connection.execute(jobs.insert().values(kind='import', args=[active[0].id], attempts=0,
                                                run_after=now, last_error=''))
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lane', sa.String(length=16), server_default='imports',
                                      nullable=False))
    op.create_index('uq_import_runs_one_active', 'import_runs', ['lane'], unique=True,
                    sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))


def downgrade():
    op.drop_index('uq_import_runs_one_active', table_name='import_runs')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_column('lane')
    # The older version has no import job in its outbox (it would retry one for ever).
    op.execute(jobs.delete().where(jobs.c.kind == 'import'))
