"""The Alembic migrations build exactly the schema the models describe."""
from __future__ import annotations

import datetime as dt
import logging
import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from reviewapp import create_app
from reviewapp.extensions import db as _db
from reviewapp.models import SubmissionRevision, User
from reviewapp.models.base import utcnow
from reviewapp.priorart.revisions import snapshot
from tests.conftest import base_config
from tests.factories import make_application, make_document, make_submission, make_user


def test_migrations_match_the_models(app):
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, _db.metadata)
    assert differences == []


def test_long_texts_are_compressed_with_lz4_on_postgresql(app):
    """A description is stored lz4-compressed (an import's server CPU), not with pglz."""
    if _db.engine.dialect.name != "postgresql":
        pytest.skip("column compression is a PostgreSQL storage setting")
    methods = dict(_db.session.execute(text(
        "SELECT attrelid::regclass::text || '.' || attname, attcompression FROM pg_attribute"
        " WHERE attrelid IN ('documents'::regclass, 'claims'::regclass)"
        " AND attname IN ('description', 'abstract', 'text')")).all())
    assert methods == {"documents.description": "l", "documents.abstract": "l", "claims.text": "l"}
    document = make_document(description=" ".join(f"paragraph {n} of a long text" for n in range(2000)))
    _db.session.flush()
    stored = _db.session.execute(text("SELECT pg_column_compression(description) FROM documents"
                                      " WHERE id = :id"), {"id": document.id}).scalar()
    assert stored == "lz4"


@pytest.fixture
def scratch_database(database_url, tmp_path):
    """Return an empty database of the test run's kind, dropped afterwards."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"reviewapp_migration_{os.getpid()}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield database_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_accounts_that_existed_keep_their_mail_when_mail_became_a_setting(scratch_database, tmp_path):
    """Accounts from before the setting get every notification mailed, the ones waiting too."""
    from flask_migrate import downgrade, upgrade

    app = create_app(base_config(tmp_path, scratch_database))
    with app.app_context():
        upgrade(revision="d8a4c6e2f153")
        _db.session.execute(text(
            "INSERT INTO users (email, display_name, password_hash, role, active, affiliation,"
            " expertise, bio, failed_logins, session_token, verdicts_total, verdicts_positive,"
            " reputation) VALUES ('old@example.test', 'Old', '', 'volunteer', :yes, '', '[]', '',"
            " 0, 'token', 0, 0, 0)"), {"yes": True})
        _db.session.commit()
        upgrade()
        user = _db.session.scalar(sa.select(User))
        assert user.mails_notifications
        assert user.mail_notifications_since.replace(tzinfo=dt.UTC) == dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        _db.session.rollback()
        downgrade(revision="d8a4c6e2f153")
        assert "mail_notifications_since" not in {
            column["name"] for column in sa.inspect(_db.engine).get_columns("users")}
        _db.session.remove()
        _db.engine.dispose()



def test_resubmissions_stored_as_restores_are_told_from_a_moderators_restore(scratch_database,
                                                                             tmp_path):
    """Resubmissions recorded before "resubmit" existed become one; moderators' restores stay."""
    from flask_migrate import downgrade, upgrade

    app = create_app(base_config(tmp_path, scratch_database))
    with app.app_context():
        upgrade()
        submission = make_submission(make_application(), make_user())
        _db.session.flush()
        # As the code before this migration stored them: both actions were "restore".
        resubmitted = SubmissionRevision(submission_id=submission.id, version=2, action="restore",
                                         data=snapshot(submission), created_at=utcnow())
        restored = SubmissionRevision(submission_id=submission.id, version=2, action="restore",
                                      data={"status": "hidden"}, created_at=utcnow())
        _db.session.add_all([resubmitted, restored])
        _db.session.commit()
        ids = resubmitted.id, restored.id

        def actions() -> list[str]:
            _db.session.expire_all()
            return [_db.session.get(SubmissionRevision, id_).action for id_ in ids]

        downgrade(revision="e2f4a6c8b091")
        assert actions() == ["restore", "restore"]
        upgrade()
        assert actions() == ["resubmit", "restore"]
        downgrade(revision="e2f4a6c8b091")
        assert actions() == ["restore", "restore"]
        _db.session.remove()
        _db.engine.dispose()


def test_stored_emails_take_their_normal_form_and_collisions_are_left_and_logged(scratch_database,
                                                                                 tmp_path, caplog):
    """NFD, punycode or capitals become the one normal form, unless another account has it."""
    from flask_migrate import upgrade

    app = create_app(base_config(tmp_path, scratch_database))
    with app.app_context():
        upgrade(revision="f3a5b7c9d1e2")
        stored = [
            "zo\u00eb@example.com",       # 1 in normal form already
            "Zoe\u0308@example.com",      # 2 its NFD twin: a second account of that mailbox
            "user@xn--exmple-cua.com",    # 3 punycode domain
            "ANNA@Example.ORG",           # 4 capitals, as an account made on the command line
            "Anna@example.org",           # 5 the same mailbox again: the older account wins
            "Admin@LOCALHOST",            # 6 no valid address: lower-cased all the same
            "bob@example.org",            # 7 unchanged
        ]
        for n, email in enumerate(stored, start=1):
            _db.session.execute(text(
                "INSERT INTO users (id, email, display_name, password_hash, role, active,"
                " affiliation, expertise, bio, failed_logins, session_token, verdicts_total,"
                " verdicts_positive, reputation) VALUES (:id, :email, 'X', '', 'volunteer', :yes,"
                " '', '[]', '', 0, :token, 0, 0, 0)"), {"id": n, "email": email, "yes": True,
                                                        "token": f"token-{n}"})
        _db.session.commit()
        caplog.set_level(logging.WARNING, logger="reviewapp.migrations")
        # env.py's fileConfig replaces the root logger's handlers, caplog's among them.
        logging.getLogger("reviewapp.migrations").addHandler(caplog.handler)
        try:
            upgrade()
        finally:
            logging.getLogger("reviewapp.migrations").removeHandler(caplog.handler)
        emails = _db.session.execute(text("SELECT id, email FROM users ORDER BY id")).all()
        assert [tuple(row) for row in emails] == [
            (1, "zo\u00eb@example.com"), (2, "Zoe\u0308@example.com"),
            (3, "user@ex\u00e4mple.com"), (4, "anna@example.org"), (5, "Anna@example.org"),
            (6, "admin@localhost"), (7, "bob@example.org")]
        warnings = [record.getMessage() for record in caplog.records
                    if record.name == "reviewapp.migrations"]
        assert len(warnings) == 2
        assert warnings[0].startswith(
            "users.id 2: email 'Zoe\\u0308@example.com' left as it is: its normal form "
            "'zo\\xeb@example.com' is the email of users.id 1.")
        assert warnings[1].startswith("users.id 5: email 'Anna@example.org' left as it is")
        _db.session.remove()
        _db.engine.dispose()
