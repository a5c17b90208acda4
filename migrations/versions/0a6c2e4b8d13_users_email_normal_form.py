"""users: emails in their normal form (NFC, domain in Unicode, lower-cased); collisions logged

Revision ID: 0a6c2e4b8d13
Revises: f3a5b7c9d1e2
Create Date: 2026-12-08 10:00:00

"""
import logging
import unicodedata

from alembic import op
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email


# revision identifiers, used by Alembic.
revision = '0a6c2e4b8d13'
down_revision = 'f3a5b7c9d1e2'
branch_labels = None
depends_on = None

# Not a child of the "alembic" logger, whose handlers env.py's fileConfig replaces.
log = logging.getLogger('reviewapp.migrations')

users = sa.table('users', sa.column('id', sa.Integer), sa.column('email', sa.String(255)))


def normal_form(email):
    """Return an email in its normal form, as auth.services.normalise_email did at this revision."""
    # A copy, not an import: this migration must do the same whatever the code becomes.
    email = unicodedata.normalize('NFC', email.strip())
    try:
        email = validate_email(email, check_deliverability=False, test_environment=True,
                               globally_deliverable=False, allow_quoted_local=True,
                               allow_domain_literal=True).normalized
    except EmailNotValidError:
        pass
    return unicodedata.normalize('NFC', email.lower())


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    owner = {row.email: row.id for row in rows}  # each stored spelling, and whose it is
    for row in rows:
        email = normal_form(row.email)
        if email == row.email:
            continue
        if email in owner:
            # Two accounts of one mailbox (registered under two spellings): the one holding
            # the normal form (else the older one) keeps it; this one keeps its old spelling,
            # which no login or reset finds any more. The unique index is never violated.
            # ascii(): a decomposed spelling prints like the composed one.
            log.warning(
                "users.id %s: email %s left as it is: its normal form %s is the email of "
                "users.id %s. One mailbox, two accounts: logins and password resets now reach "
                "users.id %s only; ban or edit users.id %s by hand (docs/OPERATIONS.md).",
                row.id, ascii(row.email), ascii(email), owner[email], owner[email], row.id)
            continue
        connection.execute(users.update().where(users.c.id == row.id).values(email=email))
        del owner[row.email]
        owner[email] = row.id


def downgrade():
    # Nothing to undo: the code before this revision finds an email in its normal form too
    # (it compared lower-cased spellings), and the spellings replaced are not kept.
    pass
