"""Import USPTO documents into the database in batches: parse in parallel, write in bulk, index.

    summary = import_files(db.session, ["ipg130416.zip"], on_batch=index_batch)

Each batch is written in one savepoint and committed; a batch the database refuses is
written again document by document, so one bad document is reported and skipped while the
others are stored, and nothing is half-written. A document whose XML is byte for byte the one
stored before is recognised by its source hash and not even parsed.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..models import Document
from . import RawDocument, read_raw
from .hashing import record_hash
from .parse import quick_skip
from .pool import PoolStats, Prepare, parse_in_order
from .records import DocType, ParseError, PatentRecord, SkippedDocument, is_doc_type
from .writer import UNCHANGED, Pending, Written, unique_by, write_records

__all__ = ["ImportSummary", "Progress", "import_files", "import_records", "record_hash", "unique_by"]

FIRST_NUMBERS = 5  # how many numbers a summary names
Item = PatentRecord | ParseError | SkippedDocument


@dataclass
class ImportSummary:
    """What an import did, counted by document kind; errors keep file and position."""

    applications: int = 0
    grants: int = 0
    skipped: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    skipped_kinds: dict[str, int] = field(default_factory=dict)  # "sequence listing": 5
    first_numbers: list[str] = field(default_factory=list)
    indexed: int = 0

    @property
    def documents(self) -> int:
        return self.applications + self.grants

    def as_json(self) -> dict[str, Any]:
        """Return the `--json` object of `reviewapp import`."""
        return dataclasses.asdict(self)

    def headline(self) -> str:
        """Return one sentence saying what was imported and what was skipped, and why."""
        kinds = [plural(self.grants, "grant"), plural(self.applications, "application")]
        text = (f"Imported {' and '.join(kinds)} ({self.created:,} new, {self.updated:,} updated, "
                f"{self.unchanged:,} unchanged)")
        if self.first_numbers:
            more = ", ..." if self.documents > len(self.first_numbers) else ""
            text += f": {', '.join(self.first_numbers)}{more}"
        if self.skipped:
            why = ", ".join(plural(n, label) for label, n in sorted(self.skipped_kinds.items()))
            text += f"; skipped {self.skipped:,} ({why})"
        else:
            text += "; skipped 0"
        return f"{text}; {plural(len(self.errors), 'error')}."

    def count(self, written: Written) -> None:
        """Count one stored (or unchanged) document."""
        setattr(self, written.outcome, getattr(self, written.outcome) + 1)
        if written.pending.record.doc_type == "application":
            self.applications += 1
        else:
            self.grants += 1
        if len(self.first_numbers) < FIRST_NUMBERS:
            self.first_numbers.append(written.pending.record.publication_number)

    def skip(self, item: SkippedDocument) -> None:
        """Count a document deliberately not imported, by what it is."""
        self.skipped += 1
        label = item.label or item.reason
        self.skipped_kinds[label] = self.skipped_kinds.get(label, 0) + 1

    def error(self, file: str, document: int, line: int, message: str) -> None:
        """Record one document (or file) that could not be imported."""
        self.errors.append({"file": file, "document": document, "line": line, "error": message})


def plural(count: int, noun: str) -> str:
    """Return "1 grant", "2 grants", "3 sequence listings", "10,000 grants"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


# Called after each batch is committed with the ids of the documents it created or changed,
# each mapped to what the import's prepare function made of its record (None without one).
OnBatch = Callable[[dict[int, Any]], None]
# Called as the import goes: (disk bytes read since the last call, the summary so far).
Progress = Callable[[int, ImportSummary], None]


class _Batcher:
    """Collect records into batches, write each in bulk and commit it."""

    def __init__(self, session: Session, summary: ImportSummary, batch_size: int,
                 on_batch: OnBatch | None, before_commit: Callable[[], None] | None) -> None:
        self.session = session
        self.summary = summary
        self.batch_size = max(1, batch_size)
        self.on_batch = on_batch
        self.before_commit = before_commit
        self.pending: list[Pending] = []
        self.numbers: set[str] = set()

    def add(self, pending: Pending) -> None:
        """Queue a record; a full batch (or a second copy of a number in it) is written first."""
        number = pending.record.publication_number
        if number in self.numbers:
            self.flush()
        self.pending.append(pending)
        self.numbers.add(number)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write the batch, commit it and hand its changed documents on."""
        batch, self.pending, self.numbers = self.pending, [], set()
        written = self._write(batch) if batch else []
        for item in written:
            self.summary.count(item)
        if self.before_commit:
            self.before_commit()
        self.session.commit()
        changed = {item.document_id: item.pending.prepared for item in written
                   if item.outcome != UNCHANGED}
        if self.on_batch and changed:
            self.on_batch(changed)
            self.summary.indexed += len(changed)

    def _write(self, batch: list[Pending]) -> list[Written]:
        """Write the batch in one savepoint; if refused, each document in its own."""
        try:
            with self.session.begin_nested():
                return write_records(self.session, batch)
        except SQLAlchemyError as error:
            if len(batch) == 1:
                self._refused(batch[0], error)
                return []
        written: list[Written] = []
        for pending in batch:
            try:
                with self.session.begin_nested():
                    written += write_records(self.session, [pending])
            except SQLAlchemyError as error:
                self._refused(pending, error)
        return written

    def _refused(self, pending: Pending, error: SQLAlchemyError) -> None:
        """Report a document the database refused; its savepoint left nothing of it."""
        reason = getattr(error, "orig", None) or error
        record = pending.record
        self.summary.error(record.source, record.position, 0,
                           f"{record.publication_number}: not stored: {reason}")


def _take(summary: ImportSummary, batcher: _Batcher, item: Item, content_hash: str,
          source_hash: str = "", prepared: Any = None) -> None:
    """Route one parsed item: an error or a skip is counted, a record queued for writing."""
    if isinstance(item, ParseError):
        summary.error(item.file, item.document, item.line, item.error)
    elif isinstance(item, SkippedDocument):
        summary.skip(item)
    else:
        batcher.add(Pending(item, content_hash, source_hash, prepared))


def import_records(
    session: Session,
    items: Iterable[Item],
    *,
    batch_size: int = 200,
    on_batch: OnBatch | None = None,
) -> ImportSummary:
    """Store already parsed records (and count errors and skips), committing per batch."""
    summary = ImportSummary()
    batcher = _Batcher(session, summary, batch_size, on_batch, None)
    for item in items:
        _take(summary, batcher, item, record_hash(item) if isinstance(item, PatentRecord) else "")
    batcher.flush()
    return summary


def _known_sources(session: Session, raws: list[RawDocument]
                   ) -> dict[str, tuple[str, DocType, int]]:
    """Return, by source hash, the (number, doc type, id) of documents stored from these bytes."""
    digests = [raw.digest for raw in raws if raw.data]
    if not digests:
        return {}
    rows = session.execute(select(Document.source_hash, Document.publication_number, Document.doc_type,
                                  Document.id).where(Document.source_hash.in_(digests)))
    # Only the importer sets source_hash, always with a record's DocType; the check narrows it.
    return {row.source_hash: (row.publication_number, row.doc_type, row.id) for row in rows
            if is_doc_type(row.doc_type)}


def import_files(
    session: Session,
    paths: Iterable[str | Path],
    *,
    batch_size: int = 200,
    workers: int = 0,
    on_batch: OnBatch | None = None,
    progress: Progress | None = None,
    stats: PoolStats | None = None,
    prepare: Prepare | None = None,
) -> ImportSummary:
    """Import every document under paths (files, directories, zips); see the module docstring.

    Documents are parsed by `workers` processes (0: in this one) while this one writes; each
    batch is committed, then on_batch gets its changed document ids (to index them) before the
    next batch is written. progress(bytes, summary) is called after each batch; stats, if
    given, adds up what the parser processes spent. prepare(record, content hash), if given,
    runs in the parser processes and its result reaches on_batch with the document's id.
    """
    summary = ImportSummary()
    read = [0]

    def advance(n: int) -> None:
        read[0] += n

    def report() -> None:
        if progress is not None:
            done, read[0] = read[0], 0
            progress(done, summary)

    batcher = _Batcher(session, summary, batch_size, on_batch, report)
    to_parse = _unknown(session, summary, read_raw(paths, advance), batch_size)
    parsed = parse_in_order(to_parse, workers, stats=stats, prepare=prepare)
    for raw, item, content_hash, prepared in parsed:
        _take(summary, batcher, item, content_hash, raw.digest if raw.data else "", prepared)
    batcher.flush()
    return summary


def _unknown(session: Session, summary: ImportSummary, items: Iterable[RawDocument | ParseError],
             batch_size: int) -> Iterator[RawDocument]:
    """Yield the documents that need parsing; count those stored from the same bytes as unchanged."""
    group: list[RawDocument] = []

    def drain() -> Iterator[RawDocument]:
        known = _known_sources(session, group)
        for raw in group:
            found = known.get(raw.digest) if raw.data else None
            if found is None:
                skip = quick_skip(raw.data) if raw.data else None
                if skip is None:
                    yield raw
                else:  # a sequence listing: no need to send it to a parser process
                    summary.skip(SkippedDocument(raw.file, raw.index, skip.reason, skip.label))
                continue
            number, doc_type, document_id = found
            record = PatentRecord(doc_type=doc_type, country="", doc_number="", kind="",
                                  publication_number=number, publication_date=None, title="")
            summary.count(Written(Pending(record, ""), UNCHANGED, document_id))
        group.clear()

    for item in items:
        if isinstance(item, ParseError):
            summary.error(item.file, item.document, item.line, item.error)
            continue
        group.append(item)
        if len(group) >= batch_size:
            yield from drain()
    yield from drain()
