"""documents and claims: compress long texts with lz4 on PostgreSQL (an import's server CPU)

Revision ID: c5e7a3f19d42
Revises: b4f2d8e61c03
Create Date: 2026-12-07 05:00:00

PostgreSQL compresses a text over ~2 KB (a description: 30-70 KB) with pglz by default; on a
weekly import pglz_compress was a third of the server's CPU. lz4 compresses several times
faster and reads back faster, at a slightly larger size. It changes how new values are stored,
not the ones already there. SQLite and a server built without lz4 keep what they have.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e7a3f19d42'
down_revision = 'b4f2d8e61c03'
branch_labels = None
depends_on = None

LONG_TEXTS = {"documents": ("description", "abstract"), "claims": ("text",)}


def _lz4_available() -> bool:
    """Return whether this is a PostgreSQL server that can compress with lz4."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    values = bind.execute(sa.text(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()
    return bool(values) and "lz4" in values


def _set(method: str) -> None:
    for table, columns in LONG_TEXTS.items():
        changes = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade():
    if _lz4_available():
        _set("lz4")


def downgrade():
    if _lz4_available():
        _set("default")
