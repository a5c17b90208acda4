"""Backup and restore: a round trip gives back every row of every table."""
from __future__ import annotations

import gzip
import json

import pytest
import sqlalchemy as sa

from reviewapp.backup import BackupError, dump_database, restore_database
from reviewapp.extensions import db as _db
from tests.factories import make_application, make_submission, make_user


def snapshot() -> dict[str, list[tuple]]:
    """Return every table's rows, ordered, as comparable tuples."""
    with _db.engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(
                sa.select(table).order_by(*(table.primary_key.columns or table.columns)))]
            for table in _db.metadata.sorted_tables
        }


def wipe() -> None:
    with _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())


def test_round_trip_restores_every_row(db, tmp_path):
    volunteer, _other = make_user(), make_user(name="Émile «pseudonym» 山田")
    application = make_application()
    submission = make_submission(application, volunteer, excerpt="line one\nline two, \"quoted\"")
    submission.tags = []
    db.session.commit()
    before = snapshot()
    path = tmp_path / "backup.jsonl.gz"
    with _db.engine.connect() as connection:
        counts = dump_database(connection, _db.metadata, path)
    assert counts["users"] == 2 and counts["submissions"] == 1 and counts["claims"] == 3
    db.session.remove()
    wipe()
    assert snapshot()["users"] == []
    with _db.engine.begin() as connection:
        restored = restore_database(connection, _db.metadata, path)
    assert restored == counts
    assert snapshot() == before
    # New rows still get fresh ids after a restore (PostgreSQL sequences were moved on).
    newcomer = make_user()
    db.session.commit()
    assert newcomer.id > max(row[0] for row in before["users"])


def test_restore_refuses_a_non_empty_database(db, tmp_path):
    make_user()
    db.session.commit()
    path = tmp_path / "b.gz"
    with _db.engine.connect() as connection:
        dump_database(connection, _db.metadata, path)
    with pytest.raises(BackupError, match="not empty"), _db.engine.begin() as connection:
        restore_database(connection, _db.metadata, path)


def test_restore_refuses_another_schema_revision(db, tmp_path):
    path = tmp_path / "old.gz"
    with gzip.open(path, "wt") as out:
        out.write(json.dumps({"format": "reviewapp-backup", "version": 1, "revision": "0000", "tables": []}) + "\n")
    with pytest.raises(BackupError, match="revision 0000"), _db.engine.begin() as connection:
        restore_database(connection, _db.metadata, path)


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    path = tmp_path / "junk.gz"
    path.write_bytes(b"definitely not gzip")
    with pytest.raises(BackupError, match="not a reviewapp backup"), _db.engine.begin() as connection:
        restore_database(connection, _db.metadata, path)


def test_backup_and_restore_commands(runner, db, tmp_path):
    make_user(email="keep@example.test")
    db.session.commit()
    path = tmp_path / "cli.gz"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1 and "not empty" in result.output
