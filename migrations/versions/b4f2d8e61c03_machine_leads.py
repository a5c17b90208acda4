"""machine leads: the library documents the rescoring job proposes for each application

Revision ID: b4f2d8e61c03
Revises: b3d9f1e07c21
Create Date: 2026-12-06 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4f2d8e61c03'
down_revision = 'b3d9f1e07c21'
branch_labels = None
depends_on = None


def upgrade():
    # Empty at first: each application's next rescoring job fills its leads.
    op.create_table('machine_leads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('claims', sa.JSON(), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_machine_leads_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_machine_leads_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_machine_leads')),
    sa.UniqueConstraint('application_id', 'document_id', name=op.f('uq_machine_leads_application_id'))
    )
    with op.batch_alter_table('machine_leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_machine_leads_application_id'), ['application_id'], unique=False)


def downgrade():
    with op.batch_alter_table('machine_leads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_machine_leads_application_id'))
    op.drop_table('machine_leads')
