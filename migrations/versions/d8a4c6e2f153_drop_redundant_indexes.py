"""claims, classifications, cited references: drop indexes no query needs (an import's writes)

Revision ID: d8a4c6e2f153
Revises: c5e7a3f19d42
Create Date: 2026-12-07 07:30:00

claims.document_id and classifications.document_id each had an index of their own beside the
unique constraint that starts with the same column (and serves a look-up by document as well);
cited_references.category was indexed although no query filters by it. Every imported row paid
for those indexes: about 57 index entries a grant (20 claims, 10 classes, 27 citations).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd8a4c6e2f153'
down_revision = 'c5e7a3f19d42'
branch_labels = None
depends_on = None

DROPPED = (("claims", "ix_claims_document_id", "document_id"),
           ("classifications", "ix_classifications_document_id", "document_id"),
           ("cited_references", "ix_cited_references_category", "category"))


def upgrade():
    for table, name, _column in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade():
    for table, name, column in DROPPED:
        op.create_index(name, table, [column], unique=False)
