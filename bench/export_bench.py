"""Show that a CSV export streams: rows/s and peak memory for 100k vs 1M submissions.

    python bench/export_bench.py                      # SQLite in a temporary folder
    python bench/export_bench.py --rows 100000 1000000 --database-url postgresql://postgres@127.0.0.1/export_bench

For each size the script builds a database with bulk inserts (users, applications with claims
and classes, submissions, and for some of them scores, votes, endorsements and verdicts), then
exports `submissions` in a fresh child process through the same code as `reviewapp export`,
and prints rows/s and the child's peak resident memory. Flat memory across sizes is the point.
A PostgreSQL database must be an empty scratch one: the script creates its tables and drops
them when done, and refuses a database that already has a `submissions` table.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH = 20_000
USERS = 1_000
SUBMISSIONS_PER_APPLICATION = 1_000


def make_app(database_url: str, instance: str):
    """Return the app bound to `database_url`, quiet and without the job queue's side effects."""
    from reviewapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance,
                       "SECRET_KEY": "bench", "HUEY_IMMEDIATE": True})


def insert_batches(session, table, rows) -> int:
    """Insert an iterable of dicts in batches; return how many."""
    from sqlalchemy import insert

    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            session.execute(insert(table), batch)
            count, batch = count + len(batch), []
    if batch:
        session.execute(insert(table), batch)
        count += len(batch)
    return count


def populate(session, submissions: int) -> dict[str, int]:
    """Fill the database with `submissions` submissions and their surroundings, fast."""
    from reviewapp.models import (
        Application,
        Claim,
        Classification,
        Document,
        Endorsement,
        Feedback,
        Score,
        Submission,
        User,
        Vote,
        submission_claims,
    )

    now = dt.datetime.now(dt.UTC)
    stamps = {"created_at": now, "updated_at": now}
    applications = max(1, submissions // SUBMISSIONS_PER_APPLICATION)
    counts = {}
    counts["users"] = insert_batches(session, User.__table__, (
        {"id": i, "email": f"u{i}@bench.test", "display_name": f"=Reviewer {i}", "role": "volunteer",
         "password_hash": "", "active": True, "affiliation": "", "expertise": [], "bio": "",
         "failed_logins": 0, "verdicts_total": i % 7, "verdicts_positive": i % 3,
         "reputation": (i % 11) / 10 - 0.5, **stamps}
        for i in range(1, USERS + 1)))
    counts["documents"] = insert_batches(session, Document.__table__, (
        {"id": i, "publication_number": f"US2018{i:07d}A1", "doc_type": "application", "country": "US",
         "doc_number": f"2018{i:07d}", "kind": "A1", "application_number": "", "title": f"Battery {i}",
         "abstract": "", "description": "", "publication_date": dt.date(2018, 1, 4),
         "filing_date": dt.date(2016, 6, 1), "priority_date": dt.date(2016, 6, 1), "applicants": [],
         "inventors": [], "schema": "", "source": "bench", "content_hash": "", **stamps}
        for i in range(1, applications + 1)))
    counts["classifications"] = insert_batches(session, Classification.__table__, (
        {"document_id": i, "scheme": "cpc", "symbol": ("H01M 10/613", "G06F 16/00")[i % 2], "position": 0}
        for i in range(1, applications + 1)))
    counts["claims"] = insert_batches(session, Claim.__table__, (
        {"id": (i - 1) * 3 + n, "document_id": i, "number": n, "text": f"Claim {n}.",
         "depends_on": [] if n != 2 else [1], "independent": n != 2}
        for i in range(1, applications + 1) for n in (1, 2, 3)))
    counts["applications"] = insert_batches(session, Application.__table__, (
        {"id": i, "document_id": i, "status": "open", "opens_at": now, "closes_at": now, **stamps}
        for i in range(1, applications + 1)))
    counts["submissions"] = insert_batches(session, Submission.__table__, (
        {"id": s, "application_id": (s - 1) // SUBMISSIONS_PER_APPLICATION % applications + 1,
         "submitter_id": s % USERS + 1, "kind": "us", "identifier": f"US{s:08d}B2", "identifier_raw": "",
         "title": f"Prior widget {s}, \"quoted\"", "authors": "", "publication_date": dt.date(2010, 1, 1),
         "url": "", "pinpoint": "col. 3, l. 5", "excerpt": "", "status": "active", "version": 1,
         "explanation": "=cmd|' /C calc'!A0 reads on claim 1\nline two" if s % 100 == 0
         else "Shows the coolant loop of claim 1, in a pack of 中文 cells.", **stamps}
        for s in range(1, submissions + 1)))
    counts["submission_claims"] = insert_batches(session, submission_claims, (
        {"submission_id": s, "claim_id": ((s - 1) // SUBMISSIONS_PER_APPLICATION % applications) * 3 + 1}
        for s in range(1, submissions + 1)))
    counts["scores"] = insert_batches(session, Score.__table__, (
        {"submission_id": s, "score": 1 / s, "rank": s % SUBMISSIONS_PER_APPLICATION + 1,
         "model_version": "bench-1", "explanation": [], "computed_at": now}
        for s in range(2, submissions + 1, 2)))
    counts["votes"] = insert_batches(session, Vote.__table__, (
        {"submission_id": s, "user_id": (s + 1) % USERS + 1, "value": 1 if s % 3 else -1, **stamps}
        for s in range(1, submissions + 1, 2)))
    counts["endorsements"] = insert_batches(session, Endorsement.__table__, (
        {"submission_id": s, "user_id": (s + 2) % USERS + 1, "explanation": "Same.", "pinpoint": "",
         **stamps}
        for s in range(1, submissions + 1, 20)))
    counts["feedback"] = insert_batches(session, Feedback.__table__, (
        {"submission_id": s, "examiner_id": 1, "verdict": "relevant", "note": "-see col. 4", **stamps}
        for s in range(1, submissions + 1, 10)))
    return counts


def build(database_url: str, instance: str, submissions: int) -> dict[str, int]:
    """Create the schema and the rows; return the row counts."""
    from sqlalchemy import inspect, text

    from reviewapp.extensions import db

    app = make_app(database_url, instance)
    with app.app_context():
        if inspect(db.engine).has_table("submissions"):
            sys.exit(f"{database_url} already has a submissions table: give an empty scratch database.")
        db.create_all()
        counts = populate(db.session, submissions)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        db.engine.dispose()
    return counts


def drop(database_url: str, instance: str) -> None:
    """Drop the benchmark's tables."""
    from reviewapp.extensions import db

    app = make_app(database_url, instance)
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MB."""
    # VmHWM belongs to this process image; ru_maxrss would also count the parent forked before exec.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def child_export(database_url: str, instance: str, kind: str) -> None:
    """Export one kind to /dev/null as `reviewapp export` does; print one JSON line."""
    from sqlalchemy import text

    from reviewapp.export.csvstream import csv_chunks
    from reviewapp.export.services import ExportFilters, iter_export
    from reviewapp.extensions import db

    app = make_app(database_url, instance)
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # connected: count the driver in the baseline
        before = peak_rss_mb()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = usage.ru_utime + usage.ru_stime
        started = time.perf_counter()
        header, rows = iter_export(db.session, kind, ExportFilters())
        count = size = 0

        def counted():
            nonlocal count
            for row in rows:
                count += 1
                yield row

        with open(os.devnull, "wb") as sink:
            for chunk in csv_chunks(header, counted()):
                data = chunk.encode("utf-8")
                size += len(data)
                sink.write(data)
        seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"rows": count, "bytes": size, "seconds": seconds,
                      "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_before,
                      "rss_before_mb": before, "peak_rss_mb": peak_rss_mb()}))


def run_child(database_url: str, instance: str, kind: str) -> dict:
    """Run the export in a fresh interpreter, so its peak memory is the export's alone."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", "--database-url", database_url, "--instance", instance,
         "--kind", kind],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="submission counts to compare (default: 100000 1000000)")
    parser.add_argument("--database-url", default=None,
                        help="an empty PostgreSQL scratch database; SQLite in a temporary folder when omitted")
    parser.add_argument("--kind", default="submissions", help="the export to time (default: submissions)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--instance", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_export(args.database_url, args.instance, args.kind)
        return

    results = []
    with tempfile.TemporaryDirectory(prefix="export-bench-") as folder:
        for rows in args.rows:
            url = args.database_url or f"sqlite:///{Path(folder) / f'bench-{rows}.sqlite3'}"
            instance = str(Path(folder) / "instance")
            started = time.perf_counter()
            counts = build(url, instance, rows)
            built = time.perf_counter() - started
            try:
                result = run_child(url, instance, args.kind)
            finally:
                if args.database_url:
                    drop(url, instance)
            total = sum(counts.values())
            print(f"{rows:>9,} submissions: built {total:,} rows in {built:.1f}s; exported "
                  f"{result['rows']:,} {args.kind} rows ({result['bytes'] / 1e6:.0f} MB of CSV) in "
                  f"{result['seconds']:.1f}s = {result['rows'] / result['seconds']:,.0f} rows/s "
                  f"({result['rows'] / result['cpu_seconds']:,.0f} rows per CPU-second of this process); "
                  f"peak RSS {result['peak_rss_mb']:.0f} MB (before the export {result['rss_before_mb']:.0f} MB)",
                  flush=True)
            results.append(result)
    engine = "PostgreSQL" if args.database_url else "SQLite"
    low, high = results[0], results[-1]
    growth = round(high["peak_rss_mb"] - low["peak_rss_mb"]) + 0  # + 0: no "-0"
    print(f"{engine}: peak memory grew by {growth:+d} MB from {low['rows']:,} to {high['rows']:,} rows.")


if __name__ == "__main__":
    main()
