"""Build a weekly-size USPTO grant file by renumbering the real shared grants (streamed to disk).

    from weekly import build_weekly
    count = build_weekly(Path("/tmp/ipg-bench.xml"), documents=10_000)

Every grant of ../shared/data/uspto/grants/ipg*.small.xml is written again and again, each
copy with a fresh publication number (US9000001B2, US9000002B2, ...), so a database sees as
many distinct documents as the file holds; sequence listings come along as in a real file.
Only one document is held in memory at a time.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewapp.ingest.split import split_documents

DATA = ROOT.parent / "shared" / "data" / "uspto"
FIRST_NUMBER = 9_000_001

_PUBLICATION_NUMBER = re.compile(
    rb"(<publication-reference>\s*<document-id>\s*<country>[^<]*</country>\s*<doc-number>)"
    rb"[^<]*(</doc-number>)")


def shared_grants() -> list[Path]:
    """Return the weekly-style real grant files, or exit with a message when they are absent."""
    files = sorted((DATA / "grants").glob("ipg*.xml"))
    if not files:
        sys.exit(f"real USPTO grants not found in {DATA / 'grants'} (see ../shared/data/README.md)")
    return files


def _documents(files: list[Path]) -> Iterator[bytes]:
    """Yield the documents of the files, one at a time, forever."""
    while True:
        for path in files:
            with path.open("rb") as handle:
                for _index, _line, data in split_documents(handle):
                    yield data


def renumber(data: bytes, number: int) -> tuple[bytes, bool]:
    """Return the document with its publication number replaced, and whether it had one."""
    replaced, count = _PUBLICATION_NUMBER.subn(
        lambda m: m[1] + b"%08d" % number + m[2], data, count=1)
    return replaced, bool(count)


def build_weekly(target: Path, documents: int = 10_000, first: int = FIRST_NUMBER) -> int:
    """Write `documents` renumbered grants (plus the sequence listings met) to target; return bytes."""
    written = made = 0
    with target.open("wb") as out:
        for data in _documents(shared_grants()):
            if made >= documents:
                break
            data, patent = renumber(data, first + made)
            if patent and b"<us-patent-grant" not in data[:2048]:
                patent = False  # a sequence listing names its patent: keep it, do not count it
            made += patent
            out.write(data if data.endswith(b"\n") else data + b"\n")
            written += len(data) + (not data.endswith(b"\n"))
    return written
