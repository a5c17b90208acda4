"""imports: import runs, number keys of documents and cited references, source hashes

Revision ID: a7c3e1f95b20
Revises: 9e51c0a7d3b2
Create Date: 2026-12-06 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e1f95b20'
down_revision = '9e51c0a7d3b2'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total_bytes', sa.BigInteger(), nullable=False),
    sa.Column('bytes_done', sa.BigInteger(), nullable=False),
    sa.Column('documents_done', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=1024), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_runs_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_runs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_runs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_runs_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_key', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('source_hash', sa.String(length=64), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_documents_number_key'), ['number_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_source_hash'), ['source_hash'], unique=False)

    with op.batch_alter_table('cited_references', schema=None) as batch_op:
        batch_op.add_column(sa.Column('normalised_number', sa.String(length=32), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_cited_references_normalised_number'), ['normalised_number'], unique=False)

    fill_keys()


def fill_keys():
    """Key the documents and references already stored, with the rule imports use."""
    from reviewapp.models.document import number_key
    from reviewapp.priorart.identifiers import reference_key

    bind = op.get_bind()
    documents = sa.table('documents', sa.column('id', sa.Integer), sa.column('publication_number', sa.String),
                         sa.column('kind', sa.String), sa.column('number_key', sa.String))
    references = sa.table('cited_references', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                          sa.column('country', sa.String), sa.column('number', sa.String),
                          sa.column('kind_code', sa.String), sa.column('normalised_number', sa.String))
    last = 0
    while rows := bind.execute(sa.select(documents.c.id, documents.c.publication_number, documents.c.kind)
                               .where(documents.c.id > last).order_by(documents.c.id).limit(BATCH)).all():
        bind.execute(documents.update().where(documents.c.id == sa.bindparam('b_id')),
                     [{'b_id': row.id, 'number_key': number_key(row.publication_number, row.kind)} for row in rows])
        last = rows[-1].id
    last = 0
    while rows := bind.execute(sa.select(references.c.id, references.c.country, references.c.number,
                                         references.c.kind_code)
                               .where(references.c.id > last, references.c.kind == 'patent')
                               .order_by(references.c.id).limit(BATCH)).all():
        bind.execute(references.update().where(references.c.id == sa.bindparam('b_id')),
                     [{'b_id': row.id, 'normalised_number': reference_key(row.country, row.number, row.kind_code)}
                      for row in rows])
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('cited_references', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cited_references_normalised_number'))
        batch_op.drop_column('normalised_number')

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_source_hash'))
        batch_op.drop_index(batch_op.f('ix_documents_number_key'))
        batch_op.drop_column('source_hash')
        batch_op.drop_column('number_key')

    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_runs_user_id'))
        batch_op.drop_index(batch_op.f('ix_import_runs_status'))
        batch_op.drop_index(batch_op.f('ix_import_runs_created_at'))

    op.drop_table('import_runs')
