"""Backup and restore: a round trip gives back every row of every table."""
from __future__ import annotations

import errno
import gzip
import json
import re

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


def backup_of(tmp_path, name: str = "good.jsonl.gz"):
    """Dump this database (two users) to a file of the folder `backups`; return its path."""
    make_user(email="one@example.test")
    make_user(email="two@example.test")
    _db.session.commit()
    (tmp_path / "backups").mkdir(exist_ok=True)
    path = tmp_path / "backups" / name
    with _db.engine.connect() as connection:
        dump_database(connection, _db.metadata, path)
    return path


def test_a_failed_backup_leaves_the_previous_one_and_no_partial_file(db, tmp_path, monkeypatch):
    path = backup_of(tmp_path, "nightly.jsonl.gz")
    before = path.read_bytes()
    from reviewapp import backup

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup, "encode", disk_full)  # part-way through the first row
    with pytest.raises(OSError), _db.engine.connect() as connection:
        dump_database(connection, _db.metadata, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["nightly.jsonl.gz"]


def test_a_backup_replaces_the_previous_one_only_once_complete(db, tmp_path, monkeypatch):
    path = backup_of(tmp_path, "nightly.jsonl.gz")
    path.write_bytes(b"yesterday")
    replaced: list[bytes] = []
    from reviewapp import backup

    original = backup.os.replace

    def watch(source, target):
        replaced.append(path.read_bytes())  # the target, just before it is replaced
        original(source, target)

    monkeypatch.setattr(backup.os, "replace", watch)
    with _db.engine.connect() as connection:
        dump_database(connection, _db.metadata, path)
    assert replaced == [b"yesterday"]
    with gzip.open(path, "rt") as handle:
        assert json.loads(handle.readline())["format"] == "reviewapp-backup"


@pytest.mark.parametrize("target, message", [
    ("missing/dir/b.jsonl.gz", "Cannot write {tmp}/missing/dir/b.jsonl.gz: the folder {tmp}/missing/dir does not exist."),
])
def test_backup_to_a_missing_folder_says_so_without_a_traceback(runner, db, tmp_path, target, message):
    result = runner.invoke(args=["backup", str(tmp_path / target)])
    assert result.exit_code == 1
    assert result.output == f"Error: {message.format(tmp=tmp_path)}\n"


def test_backup_that_cannot_write_says_why_and_keeps_the_previous_one(runner, db, tmp_path, monkeypatch):
    path = backup_of(tmp_path, "nightly.jsonl.gz")
    before = path.read_bytes()
    from reviewapp import backup

    def too_large(*args):
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(backup, "encode", too_large)
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output == (f"Error: Cannot write {path}: File too large; a previous backup there is "
                             "left as it was.\n")
    assert path.read_bytes() == before


def damaged(tmp_path, good, name: str, change) -> str:
    """Write a copy of the backup `good` with its lines changed by `change`; return its path."""
    with gzip.open(good, "rt", encoding="utf-8") as handle:
        lines = handle.readlines()
    path = tmp_path / name
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(change(lines))
    return str(path)


def users_line(lines: list[str]) -> int:
    return next(n for n, line in enumerate(lines) if line.startswith('{"table": "users"'))


def cut_short(good, tmp_path) -> str:
    data = good.read_bytes()
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[:len(data) // 2])
    return str(path)


@pytest.mark.parametrize("make, expected", [
    (lambda good, tmp: cut_short(good, tmp),
     r"cut\.jsonl\.gz is damaged after line \d+ \(cut short, or altered\): Compressed file ended"),
    (lambda good, tmp: damaged(tmp, good, "garbled.gz", lambda lines: lines[:3] + ['[1, 2, "broken\n'] + lines[4:]),
     r"garbled\.gz is damaged at line 4: Invalid control character at: line 1 column 15"),
    (lambda good, tmp: damaged(tmp, good, "header.gz", lambda lines: lines[:3] + ['{"tabl": "x"}\n'] + lines[4:]),
     r"header\.gz is damaged at line 4: a table line without its table name and column names\."),
    (lambda good, tmp: damaged(tmp, good, "short.gz", lambda lines: lines[:users_line(lines) + 1]
                               + ["[1]\n"] + lines[users_line(lines) + 2:]),
     r"short\.gz is damaged at line \d+: 1 values for the \d+ columns of users\."),
    (lambda good, tmp: damaged(tmp, good, "end.gz", lambda lines: lines[:users_line(lines)]),
     r"end\.gz ends after line \d+ without the table\(s\) its header lists: users, .*\(cut short\?\)\."),
    (lambda good, tmp: damaged(tmp, good, "date.gz", lambda lines: [
        line.replace('"20', '"not a date 20') if n == users_line(lines) + 1 else line
        for n, line in enumerate(lines)]),
     r"date\.gz is damaged at line \d+: Invalid isoformat string"),
])
def test_a_damaged_backup_names_the_line_and_restores_nothing(runner, db, tmp_path, make, expected):
    path = make(backup_of(tmp_path), tmp_path)
    db.session.remove()
    wipe()
    result = runner.invoke(args=["restore", path])
    assert result.exit_code == 1 and "Traceback" not in result.output and "Aborted" not in result.output
    assert re.search(expected, result.output), result.output
    assert result.output.endswith("Nothing was restored: the database is as it was.\n")
    assert all(rows == [] for rows in snapshot().values())


def test_restore_reads_a_good_backup_after_all_these_checks(runner, db, tmp_path):
    path = backup_of(tmp_path)
    before = snapshot()
    db.session.remove()
    wipe()
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert snapshot() == before
