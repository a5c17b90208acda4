"""`reviewapp export`: the four files, filters, stdout, and clear errors."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from reviewapp.export.commands import export_command
from reviewapp.export.services import ExportError, parse_since
from reviewapp.extensions import db
from reviewapp.models import Vote
from tests.export.helpers import (
    HOSTILE_EXPLANATION,
    HOSTILE_NOTE,
    HOSTILE_TITLE,
    make_feedback,
    read_csv,
)
from tests.factories import make_user

OLD = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def written(folder) -> list[str]:
    """Return the files a command left in `folder` (the test app's instance folder aside)."""
    return sorted(p.name for p in folder.iterdir() if p.name != "instance")


def export(runner, tmp_path, *args: str) -> list[dict[str, str]]:
    """Run the command into a file and return its rows."""
    out = tmp_path / "out.csv"
    result = runner.invoke(export_command, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return read_csv(out.read_bytes())


def test_submissions_carry_votes_score_rank_and_verdict(runner, tmp_path, corpus):
    rows = {row["identifier"]: row for row in export(runner, tmp_path, "submissions")}
    assert set(rows) == {"US7000001B2", "US7000002B2", "npl:a-paper", "US7000003B2"}
    ranked = rows["US7000001B2"]
    assert ranked["application"] == "US20180000016A1"
    assert ranked["explanation"] == HOSTILE_EXPLANATION
    assert ranked["title"] == "'quoted title"
    assert ranked["claims"] == "1 3"
    assert (ranked["votes_up"], ranked["votes_down"], ranked["endorsements"]) == ("2", "0", "1")
    assert (ranked["score"], ranked["rank"], ranked["model_version"]) == ("0.91", "1", "m-1")
    assert (ranked["verdict"], ranked["verdicts"]) == ("used", "1")
    assert ranked["submitter_id"] == str(corpus.alice.id)
    runner_up = rows["US7000002B2"]
    assert (runner_up["score"], runner_up["rank"], runner_up["votes_down"]) == ("-0.3", "2", "1")
    assert runner_up["verdict"] == ""
    assert rows["npl:a-paper"]["score"] == rows["npl:a-paper"]["rank"] == ""
    assert "note" not in ranked  # notes only in the feedback export


def test_latest_verdict_counts(runner, tmp_path, corpus):
    second = make_user("examiner")
    make_feedback(corpus.ranked, second, "not_relevant",
                  when=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    rows = {row["identifier"]: row for row in export(runner, tmp_path, "submissions")}
    assert (rows["US7000001B2"]["verdict"], rows["US7000001B2"]["verdicts"]) == ("not_relevant", "2")


def test_applications_export(runner, tmp_path, corpus):
    rows = {row["number"]: row for row in export(runner, tmp_path, "applications")}
    battery = rows["US20180000016A1"]
    assert battery["title"] == HOSTILE_TITLE
    assert battery["cpc_main"] == "H01M 10/613"
    assert battery["status"] == "open"
    assert (battery["claims"], battery["independent_claims"]) == ("3", "2")
    assert (battery["submissions"], battery["votes"], battery["endorsements"]) == ("3", "3", "1")
    assert battery["verdicts"] == "1"
    assert battery["closes_at"].endswith("Z") and battery["priority_date"] == "2019-06-01"
    assert rows[corpus.database.number]["status"] == "closed"


def test_feedback_export_has_notes(runner, tmp_path, corpus):
    [row] = export(runner, tmp_path, "feedback")
    assert row["note"] == HOSTILE_NOTE
    assert row["verdict"] == "used"
    assert row["examiner_id"] == str(corpus.examiner.id)
    assert row["submission_id"] == str(corpus.ranked.id)
    assert row["application"] == "US20180000016A1"


def test_reviewers_export_never_shows_an_email(runner, tmp_path, corpus):
    out = tmp_path / "reviewers.csv"
    assert runner.invoke(export_command, ["reviewers", "--out", str(out)]).exit_code == 0
    raw = out.read_text("utf-8")
    assert "@example.test" not in raw
    rows = {row["display_name"]: row for row in read_csv(raw)}
    assert "email" not in rows["-Alice"]
    alice = rows["-Alice"]
    assert (alice["submissions"], alice["votes"], alice["reputation"]) == ("2", "1", "-0.5")
    assert rows["Bob 🔋"]["endorsements"] == "1"
    assert rows["Examiner Ess"]["role"] == "examiner"


def test_since_keeps_rows_created_updated_scored_or_judged_since(runner, tmp_path, corpus):
    for submission in (corpus.ranked, corpus.runner_up, corpus.unscored, corpus.other_class):
        submission.created_at = submission.updated_at = OLD
    db.session.flush()
    rows = export(runner, tmp_path, "submissions", "--since", "2021-06-01")
    # ranked has a fresh verdict and a fresh score; runner_up a fresh score; the others nothing.
    assert {row["identifier"] for row in rows} == {"US7000001B2", "US7000002B2"}
    corpus.verdict.created_at = corpus.verdict.updated_at = OLD
    db.session.flush()
    assert export(runner, tmp_path, "feedback", "--since", "2021-06-01") == []
    assert len(export(runner, tmp_path, "feedback", "--since", "2019-12-31")) == 1


def test_since_on_applications_and_reviewers(runner, tmp_path, corpus):
    # The database application and Carol, with every row their counts come from, are old.
    for row in (corpus.database, corpus.database.document, corpus.other_class, corpus.carol,
                corpus.unscored):
        row.created_at = row.updated_at = OLD
    db.session.execute(update(Vote).where(Vote.user_id == corpus.carol.id)
                       .values(created_at=OLD, updated_at=OLD))
    db.session.flush()
    numbers = {row["number"] for row in export(runner, tmp_path, "applications", "--since", "2021-01-01")}
    assert numbers == {"US20180000016A1"}
    names = {row["display_name"] for row in export(runner, tmp_path, "reviewers", "--since", "2021-01-01")}
    assert "Carol" not in names and "-Alice" in names


@pytest.mark.parametrize("cpc", ["H01M", "h01m 10", "H01M10/613", "H"])
def test_class_filter_by_cpc_prefix(runner, tmp_path, corpus, cpc):
    rows = export(runner, tmp_path, "submissions", "--class", cpc)
    assert {row["application"] for row in rows} == {"US20180000016A1"}


def test_class_filter_on_every_kind(runner, tmp_path, corpus):
    assert [r["number"] for r in export(runner, tmp_path, "applications", "--class", "G06F")] == [
        corpus.database.number]
    assert export(runner, tmp_path, "feedback", "--class", "G06F") == []
    names = {r["display_name"] for r in export(runner, tmp_path, "reviewers", "--class", "G06F")}
    assert names == {"-Alice"}  # the only one who submitted on a G06F application


def test_stdout(runner, corpus):
    result = runner.invoke(export_command, ["feedback", "--out", "-"])
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"id,submission_id,application,")
    assert read_csv(result.stdout_bytes)[0]["note"] == HOSTILE_NOTE
    assert "Exported 1 feedback row(s) to stdout." in result.stderr


def test_bom_flag(runner, tmp_path, corpus):
    out = tmp_path / "a.csv"
    runner.invoke(export_command, ["applications", "--out", str(out), "--bom"])
    assert out.read_bytes().startswith(b"\xef\xbb\xbfnumber,")


def test_an_empty_export_is_a_header(runner, tmp_path, app):
    out = tmp_path / "empty.csv"
    result = runner.invoke(export_command, ["feedback", "--out", str(out)])
    assert result.exit_code == 0
    assert out.read_bytes() == (b"id,submission_id,application,identifier,examiner_id,verdict,note,"
                                b"created_at,updated_at\r\n")
    assert written(tmp_path) == ["empty.csv"]


def test_a_failed_export_leaves_no_file(runner, tmp_path, corpus, monkeypatch):
    def failing(session, kind, filters):
        def rows():
            yield (1, "x")
            raise RuntimeError("connection lost")
        return ["id", "text"], rows()

    monkeypatch.setattr("reviewapp.export.commands.iter_export", failing)
    result = runner.invoke(export_command, ["feedback", "--out", str(tmp_path / "f.csv")])
    assert isinstance(result.exception, RuntimeError)
    assert written(tmp_path) == []


@pytest.mark.parametrize("args, message", [
    (["submissions", "--since", "2024-13-01"], "'2024-13-01' is not a date: write it as YYYY-MM-DD"),
    (["submissions", "--since", "yesterday"], "is not a date"),
    (["submissions", "--since", "2024-1-1"], "'2024-1-1' is not a date"),
    (["patents"], "'patents' is not one of"),
    (["submissions", "--class", "ZZZ"], "is not a CPC class"),
    (["submissions", "--class", "H04L%"], "A CPC class is up to 32 letters"),
])
def test_bad_arguments_are_clear_click_errors(runner, tmp_path, app, args, message):
    result = runner.invoke(export_command, [*args, "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert message in result.output
    assert written(tmp_path) == []



@pytest.mark.parametrize("since", ["2024-01-31", " 2024-01-31 ", "2024-1-1", "2024-01-1", "2024-02-30",
                                   "0000-01-01", "99999-01-01", "\uff12\uff10\uff12\uff14-01-01", "24-01-01"])
def test_since_is_read_as_the_download_reads_it(runner, tmp_path, app, since):
    try:
        accepted = parse_since(since) is not None  # what /export/<file>.csv?since= does
    except ExportError:
        accepted = False
    result = runner.invoke(export_command, ["feedback", "--since", since, "--out", str(tmp_path / "f.csv")])
    assert result.exit_code == (0 if accepted else 2), result.output


@pytest.mark.parametrize("out, message", [
    ("", "give a file name, or '-' for standard output"),  # "$OUT" with OUT unset
    ("  ", "give a file name, or '-' for standard output"),
    ("{tmp}", "is a directory"),
    (".", "is a directory"),
    ("{tmp}/no/dir.csv", "there is no folder"),
    ("{tmp}/a-file/x.csv", "there is no folder"),
    ("{tmp}/new/", "names a folder: give a file name"),
    ("x\0.csv", "cannot hold a NUL character"),
])
def test_an_unusable_file_name_is_refused_with_a_message(runner, tmp_path, app, monkeypatch, out, message):
    monkeypatch.chdir(tmp_path)  # where a relative name would land
    (tmp_path / "a-file").write_text("kept")
    result = runner.invoke(export_command, ["feedback", "--out", out.format(tmp=tmp_path)])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--out'" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert written(tmp_path) == ["a-file"]


def test_a_failed_write_is_a_message(runner, tmp_path, app, monkeypatch):
    def disk_full(path, chunks):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("reviewapp.export.commands.write_atomically", disk_full)
    result = runner.invoke(export_command, ["feedback", "--out", str(tmp_path / "f.csv")])
    assert result.exit_code == 1
    assert f"Cannot write {tmp_path / 'f.csv'}: No space left on device." in result.output
