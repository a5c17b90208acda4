"""Export queries: lazy, streamed with server-side cursors, filters checked."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, update

from reviewapp.community.discussion import post_comment
from reviewapp.community.votes import cast_vote
from reviewapp.examiner.verdicts import record_feedback
from reviewapp.export.services import (
    KINDS,
    YIELD_PER,
    ExportError,
    ExportFilters,
    export_query,
    iter_export,
    parse_cpc,
    parse_since,
)
from reviewapp.extensions import db
from reviewapp.models import (
    Application,
    Comment,
    Document,
    Endorsement,
    Feedback,
    Score,
    Submission,
    User,
    Vote,
)
from reviewapp.models.base import utcnow
from reviewapp.priorart.endorsing import endorse
from tests.export.helpers import (
    HOSTILE_EXPLANATION,
    make_endorsement,
    make_feedback,
    make_votes,
)
from tests.factories import make_application, make_submission, make_user


def test_rows_are_fetched_lazily_in_batches_with_a_streaming_cursor(corpus):
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM submissions" in statement:
            seen.append(context.execution_options)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        header, rows = iter_export(db.session, "submissions", ExportFilters())
        assert seen == []  # nothing runs until the first row is wanted
        first = next(rows)
        assert len(seen) == 1
        assert seen[0]["yield_per"] == YIELD_PER
        # yield_per implies stream_results: a server-side cursor on PostgreSQL.
        assert seen[0]["stream_results"] is True
        assert first[header.index("identifier")] == "US7000001B2"
        assert len(list(rows)) == 3
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_header_matching_its_rows(corpus, kind):
    header, rows = iter_export(db.session, kind, ExportFilters())
    rows = list(rows)
    assert rows and all(len(row) == len(header) for row in rows)
    assert len(set(header)) == len(header)
    assert "email" not in header


def test_unknown_kind():
    with pytest.raises(ExportError, match="Unknown export 'users'"):
        export_query("users", ExportFilters())


@pytest.mark.parametrize("text, expected", [
    ("", None), ("  ", None), (None, None), ("2024-02-29", dt.date(2024, 2, 29)),
    (" 2024-01-31 ", dt.date(2024, 1, 31)),
])
def test_parse_since(text, expected):
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["2023-02-29", "20240131", "31/01/2024", "2024-1-31", "tomorrow",
                                  "2024-01-31T00:00"])
def test_parse_since_refuses_anything_but_a_real_day(text):
    with pytest.raises(ExportError, match="is not a date: write it as YYYY-MM-DD"):
        parse_since(text)


@pytest.mark.parametrize("text, expected", [
    ("h04l", "H04L"), ("H04L 9", "H04L9/"), ("H04L 9/32", "H04L9/32"), ("", None), (None, None),
])
def test_parse_cpc(text, expected):
    assert parse_cpc(text) == expected


@pytest.mark.parametrize("text", ["ZZZ", "H04L%", "H04L_", "x" * 33, "=1+1"])
def test_parse_cpc_refuses_what_is_no_class(text):
    with pytest.raises(ExportError):
        parse_cpc(text)


def test_identifiers_carry_their_kind_codes(app, db):
    application = make_application()
    volunteer, examiner = make_user(), make_user("examiner")
    cited = make_submission(application, volunteer, identifier="US7123456", identifier_raw="US7123456B2")
    make_submission(application, volunteer, kind="npl", identifier="doi:10.1000/xyz", identifier_raw="Smith 2011")
    record_feedback(db.session, cited, examiner, "relevant", "")
    db.session.commit()
    header, rows = iter_export(db.session, "submissions", ExportFilters())
    assert sorted(row[header.index("identifier")] for row in rows) == ["US7123456B2", "doi:10.1000/xyz"]
    header, rows = iter_export(db.session, "feedback", ExportFilters())
    assert [row[header.index("identifier")] for row in rows] == ["US7123456B2"]


def test_the_status_is_the_one_in_force_when_exported(app, db):
    apps = {"open": make_application(days_left=3), "pending": make_application(status="pending"),
            "closed": make_application(status="closed"),
            "expired": make_application(days_left=-1)}  # "open" until the closing job runs
    db.session.commit()
    header, rows = iter_export(db.session, "applications", ExportFilters())
    status = {row[header.index("number")]: row[header.index("status")] for row in rows}
    assert status == {apps["open"].number: "open", apps["pending"].number: "pending",
                      apps["closed"].number: "closed", apps["expired"].number: "closed"}
    assert {name: application.window_status() for name, application in apps.items()} == {
        "open": "open", "pending": "pending", "closed": "closed", "expired": "closed"}


# --------------------------------------------------------------------------- since: counts

def backdate_everything(when: dt.datetime) -> None:
    """Make every row of the review look created, changed and scored at `when`."""
    for model in (Application, Document, User, Submission, Endorsement, Vote, Comment, Feedback):
        db.session.execute(update(model).values(created_at=when, updated_at=when))
    db.session.execute(update(Score).values(computed_at=when))


def changed_today(kind: str, column: str) -> set[str]:
    """Return the `column` of the rows `kind` exports with since=today."""
    header, rows = iter_export(db.session, kind, ExportFilters(since=utcnow().date()))
    return {str(dict(zip(header, row))[column]) for row in rows}


def _vote(corpus):
    cast_vote(db.session, corpus.unscored, corpus.alice, 1)


def _endorsement(corpus):
    endorse(db.session, corpus.unscored, corpus.alice,
            {"explanation": "Same paper, figure 2.", "pinpoint": "p. 4", "claims": []})


def _comment(corpus):
    post_comment(db.session, corpus.battery, corpus.alice, "Claim 3 reads on the 2015 paper.")


def _verdict(corpus):
    record_feedback(db.session, corpus.unscored, corpus.examiner, "relevant")


def _withdrawal(corpus):
    corpus.runner_up.status = "withdrawn"  # the submissions count drops
    db.session.flush()


@pytest.mark.parametrize("change, reviewer", [
    (_vote, "-Alice"), (_endorsement, "-Alice"), (_comment, "-Alice"), (_verdict, "Carol"),
    (_withdrawal, "Bob 🔋"),
], ids=["vote", "endorsement", "comment", "verdict", "withdrawal"])
def test_since_counts_a_change_of_the_counted_rows_as_an_update(corpus, change, reviewer):
    """A new vote, endorsement, comment, verdict or withdrawal changes the counts of its rows."""
    backdate_everything(utcnow() - dt.timedelta(days=30))
    assert changed_today("applications", "number") == set()
    assert changed_today("reviewers", "display_name") == set()
    change(corpus)
    # Only the application and the reviewer whose counts moved: the filter still filters.
    assert changed_today("applications", "number") == {corpus.battery.number}
    assert changed_today("reviewers", "display_name") == {reviewer}


@pytest.mark.parametrize("change", [
    lambda c: make_votes(c.unscored, [c.alice]), lambda c: make_endorsement(c.unscored, c.alice),
], ids=["vote", "endorsement"])
def test_since_counts_new_votes_and_endorsements_as_a_submissions_update(corpus, change):
    """A submission's vote and endorsement counts are in its row, rescored yet or not."""
    backdate_everything(utcnow() - dt.timedelta(days=30))
    change(corpus)  # the rows alone, without the signal that would queue a rescore
    assert changed_today("submissions", "id") == {str(corpus.unscored.id)}


def test_since_counts_a_reimported_document_as_an_update(corpus):
    """A re-import rewrites the title and claims the applications export shows."""
    backdate_everything(utcnow() - dt.timedelta(days=30))
    corpus.database.document.title = "A database, as corrected by the office"
    db.session.flush()
    assert changed_today("applications", "number") == {corpus.database.number}
    assert changed_today("reviewers", "display_name") == set()


# --------------------------------------------------------------------------- hidden text

TEXT_COLUMNS = ("identifier", "title", "authors", "url", "pinpoint", "excerpt", "explanation")


def hide(submission) -> None:
    """Hide a submission, as a moderator does, with text worth withholding."""
    submission.status = "hidden"
    submission.authors, submission.url = "Spammer", "http://spam.example"
    submission.pinpoint, submission.excerpt = "p. 1", "call +1 555 0100"
    db.session.flush()


@pytest.mark.parametrize("who, sees", [
    ("examiner", False), ("admin", True), ("submitter", True), ("command line", True),
])
def test_a_hidden_submissions_text_is_for_those_who_may_see_it(corpus, who, sees):
    """The row stays with its status; its words only for whom `Submission.can_view` allows."""
    hide(corpus.runner_up)
    make_feedback(corpus.runner_up, corpus.examiner, "not_relevant")
    viewer = {"examiner": corpus.examiner, "admin": make_user("admin"), "submitter": corpus.bob,
              "command line": None}[who]
    assert viewer is None or corpus.runner_up.can_view(viewer) == sees
    header, rows = iter_export(db.session, "submissions", ExportFilters(), viewer)
    rows = {row[0]: dict(zip(header, row)) for row in rows}
    hidden = rows[corpus.runner_up.id]
    assert (hidden["status"], hidden["votes_down"], hidden["rank"]) == ("hidden", 1, 2)
    text = {column: hidden[column] for column in TEXT_COLUMNS}
    assert all(text.values()) if sees else text == dict.fromkeys(TEXT_COLUMNS)
    assert rows[corpus.ranked.id]["explanation"] == HOSTILE_EXPLANATION  # others untouched
    header, rows = iter_export(db.session, "feedback", ExportFilters(), viewer)
    identifiers = {row[header.index("submission_id")]: row[header.index("identifier")] for row in rows}
    assert identifiers == {corpus.ranked.id: "US7000001B2",
                           corpus.runner_up.id: "US7000002B2" if sees else None}
