"""job outbox; verdict counters recounted from the feedback rows

Revision ID: 9e51c0a7d3b2
Revises: 5e1c0a7d9b21
Create Date: 2026-12-06 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e51c0a7d3b2'
down_revision = '5e1c0a7d9b21'
branch_labels = None
depends_on = None

# Counters raced by concurrent verdicts before this revision: recount them from the truth.
RECOUNT = """
UPDATE users SET
  verdicts_total = (SELECT count(*) FROM feedback JOIN submissions ON submissions.id = feedback.submission_id
                    WHERE submissions.submitter_id = users.id),
  verdicts_positive = (SELECT count(*) FROM feedback JOIN submissions ON submissions.id = feedback.submission_id
                       WHERE submissions.submitter_id = users.id AND feedback.verdict IN ('used', 'relevant'))
"""
REPUTATION = """
UPDATE users SET reputation = CASE WHEN verdicts_total > 0
  THEN CAST(verdicts_positive + 1 AS FLOAT) / (verdicts_total + 2) ELSE 0 END
"""


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_run_after'), ['run_after'], unique=False)
    op.execute(RECOUNT)
    op.execute(REPUTATION)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_run_after'))
    op.drop_table('jobs')
