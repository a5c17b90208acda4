"""Benchmark read_documents on a large weekly-style file built from the real USPTO documents.

    python bench/parse_bench.py --size-mb 300

The file is built in a temporary directory (never in the repository) by concatenating the real
grant and application files of ../shared/data/uspto until it reaches the target size, then
parsed. Peak RSS is compared with the RSS after parsing one small file first, to show memory
stays flat however large the file.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewapp.ingest import read_documents
from reviewapp.ingest.records import PatentRecord

DATA = ROOT.parent / "shared" / "data" / "uspto"


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(target: Path, size: int) -> int:
    """Write the real documents to target over and over until it holds size bytes."""
    sources = [path.read_bytes() for path in sorted(DATA.rglob("*.xml"))]
    # A file without a declaration would merge into its predecessor: give it one.
    sources = [data if data.lstrip().startswith(b"<?xml")
               else b'<?xml version="1.0" encoding="UTF-8"?>\n' + data for data in sources]
    written = 0
    with target.open("wb") as out:
        while written < size:
            for data in sources:
                out.write(data if data.endswith(b"\n") else data + b"\n")
                written += len(data) + (not data.endswith(b"\n"))
    return written


def parse(path: Path) -> tuple[Counter, float, float]:
    """Read every document of path; return what came out, wall and CPU seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    kinds: Counter = Counter()
    for item in read_documents([path]):
        kinds[item.doc_type if isinstance(item, PatentRecord) else type(item).__name__] += 1
    return kinds, time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    """Build, parse and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the built file (MB)")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"real USPTO data not found at {DATA}")

    small = DATA / "grants" / "ipg130416.small.xml"
    kinds, seconds, _cpu = parse(small)
    baseline = peak_rss_mb()
    print(f"small file: {small.name}, {small.stat().st_size / 1e6:.1f} MB, "
          f"{sum(kinds.values())} documents in {seconds:.2f} s; peak RSS {baseline:.0f} MB")

    with tempfile.TemporaryDirectory(prefix="parse-bench-") as tmp:
        big = Path(tmp) / "ipg-bench.xml"
        started = time.perf_counter()
        size = build(big, args.size_mb * 1_000_000)
        print(f"built {size / 1e6:.0f} MB in {time.perf_counter() - started:.1f} s at {big}")
        kinds, seconds, cpu = parse(big)
    documents = sum(kinds.values())
    peak = peak_rss_mb()
    print(f"parsed {documents} documents ({dict(kinds)}) in {seconds:.1f} s wall, {cpu:.1f} s CPU")
    print(f"wall: {documents / seconds:.0f} documents/s, {size / 1e6 / seconds:.1f} MB/s; "
          f"CPU: {documents / cpu:.0f} documents/s, {size / 1e6 / cpu:.1f} MB/s")
    print(f"peak RSS {peak:.0f} MB after the large file vs {baseline:.0f} MB after the small one "
          f"(+{peak - baseline:.0f} MB for a file {size / small.stat().st_size:.0f} times larger)")


if __name__ == "__main__":
    main()
