"""Benchmark `reviewapp import` end to end: a weekly-size file into SQLite and PostgreSQL.

    python bench/import_bench.py                     # 10,000 grants, SQLite and PostgreSQL
    python bench/import_bench.py --databases postgresql --backend tantivy --json pg.json
    python bench/import_bench.py --documents 1000 --databases sqlite
    python bench/import_bench.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

The file is built in a temporary folder by renumbering the real shared grants (bench/weekly.py,
streamed to disk). For each database (a fresh SQLite file; a scratch PostgreSQL database this
script creates and drops) it imports the file as the command does (parser processes that also
analyse each record for the index, bulk writes, each batch indexed before the command
returns) with the search backend chosen (--backend, default REVIEWAPP_SEARCH_BACKEND or
whoosh), checks the index, then imports the same file again. It prints documents/s (wall), CPU
seconds (this process with its index thread, plus the parser processes) and per document,
by stage, PostgreSQL's server processes' CPU per document (the server on this machine), the
whole machine's CPU per document with how busy it was and what the host stole, the peak memory of the whole process tree (sampled) and the main process's exact high-water
mark, the time spent indexing and the load average; --json FILE writes the figures. With two
databases, each runs in a fresh process of this script (the second would inherit the first's
heap). The machine's load changes wall times, hardly CPU.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from typing import Self

from weekly import build_weekly

TARGETS = {"docs_per_s_postgresql": 300, "reimport_docs_per_s": 2000, "peak_rss_mb": 600}


def _tree(pid: int) -> list[int]:
    """Return pid and every descendant's pid (Linux /proc)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return pids


def tree_memory_mb(pid: int) -> tuple[float, float, float]:
    """Return the RSS and the PSS of a process and its descendants, summed, and pid's own RSS, in MB.

    The RSS sum counts pages the processes share (libraries, the modules the parser processes
    inherit from the fork server) once per process; the PSS sum splits them: what they use.
    """
    rss = pss = own = 0
    for each in _tree(pid):
        try:
            with open(f"/proc/{each}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                        own = own if each != pid else int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024, own / 1024


class TreeMemory:
    """Sample the process tree's resident memory on a thread; keep the peak.

    Reading smaps costs CPU: the thread's own CPU seconds are kept (`cpu`) so that the import's
    figures can leave them out. Every 0.5 s (it was 0.25: 1.6 % of the machine's CPU, taken
    from the import); the main process's exact high-water mark is printed beside its sample.
    """

    def __init__(self, interval: float = 0.5) -> None:
        self.interval, self.stop = interval, threading.Event()
        self.peak = self.peak_pss = self.peak_main = self.cpu = 0.0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.thread_time()
        while not self.stop.is_set():
            rss, pss, own = tree_memory_mb(os.getpid())
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
            self.peak_main = max(self.peak_main, own)
            self.cpu = time.thread_time() - started
            self.stop.wait(self.interval)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def high_water_mb() -> float:
    """Return this process's peak resident size so far (VmHWM), in MB: exact, not sampled."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def machine_ticks() -> tuple[int, int, int]:
    """Return the machine's CPU time so far, in clock ticks: busy, idle (with I/O wait), stolen.

    Busy counts every process (the database server, tantivy's threads, anything else running);
    stolen is time the hypervisor gave to other guests, which slows a run on a shared host.
    """
    with open("/proc/stat") as handle:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, handle.readline().split()[1:9])
    return user + nice + system + irq + softirq, idle + iowait, steal


def machine_share(before: tuple[int, int, int], documents: int) -> dict:
    """Return the machine's CPU since before: ms per document, % busy and % stolen."""
    busy, idle, steal = (now - then for now, then in zip(machine_ticks(), before))
    total = max(busy + idle + steal, 1)
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    return {"machine_cpu_ms_per_doc": round(busy * tick_ms / max(documents, 1), 2),
            "machine_busy_percent": round(100 * busy / total), "machine_stolen_percent": round(100 * steal / total)}


def server_cpu_seconds(session) -> float:
    """Return the CPU seconds spent so far by the PostgreSQL server processes of this database.

    Read from /proc: the server must run on this machine. 0.0 on SQLite (no server).
    """
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return 0.0
    pids = session.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages as uptime prints them."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def scratch_postgres(admin_url: str) -> tuple[str, Callable[[], None]]:
    """Create a scratch database; return its URL and a function dropping it."""
    import psycopg

    name = f"import_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


def run(database_url: str, path: Path, instance: Path, workers: int | None, backend: str,
        index: bool = True, batch_size: int | None = None) -> dict:
    """Import path twice into a fresh database; return the figures."""
    from flask_migrate import upgrade

    from reviewapp import create_app, indexing
    from reviewapp.extensions import db
    from reviewapp.imports import services
    from reviewapp.ingest import loader
    from reviewapp.ingest.pool import PoolStats

    config = {"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(instance),
              "INDEX_DIR": str(instance / "index"), "HUEY_IMMEDIATE": True,
              "SEARCH_BACKEND": backend, "BASE_URL": "http://127.0.0.1"}
    if workers is not None:
        config["IMPORT_WORKERS"] = workers
    if batch_size is not None:
        config["IMPORT_BATCH_SIZE"] = batch_size
    app = create_app(config)
    # Seconds by stage: wall and CPU of the index thread, CPU of the database writes.
    spent = {"index_wall": 0.0, "index_cpu": 0.0, "write_cpu": 0.0}
    sync, write = indexing.sync_imported, loader.write_records

    def timed_sync(batch):
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return sync(batch) if index else len(batch)
        finally:
            spent["index_wall"] += time.perf_counter() - wall
            spent["index_cpu"] += time.thread_time() - cpu

    def timed_write(*args, **kwargs):
        cpu = time.thread_time()
        try:
            return write(*args, **kwargs)
        finally:
            spent["write_cpu"] += time.thread_time() - cpu

    indexing.sync_imported, loader.write_records = timed_sync, timed_write
    figures: dict = {"database": database_url.split(":", 1)[0], "backend": backend,
                     "file_mb": round(path.stat().st_size / 1e6), "indexed": index,
                     "index_check_ok": None}
    try:
        with app.app_context():
            upgrade()
            for label in ("first", "again"):
                stats = PoolStats()
                spent.update(dict.fromkeys(spent, 0.0))
                before = load_average()
                wall, cpu, main = time.perf_counter(), time.process_time(), time.thread_time()
                ticks, server = machine_ticks(), server_cpu_seconds(db.session)
                with TreeMemory() as memory:
                    summary = services.import_paths(db.session, [str(path)], stats=stats)
                wall = time.perf_counter() - wall
                main = time.thread_time() - main
                cpu = time.process_time() - cpu - memory.cpu + stats.cpu_seconds
                documents = summary.documents
                machine = machine_share(ticks, documents)
                server = server_cpu_seconds(db.session) - server
                figures[label] = {
                    "documents": documents, "created": summary.created, "updated": summary.updated,
                    "unchanged": summary.unchanged, "errors": len(summary.errors),
                    "seconds": round(wall, 1), "docs_per_s": round(documents / wall),
                    "cpu_seconds": round(cpu, 1), "cpu_ms_per_doc": round(1000 * cpu / max(documents, 1), 2),
                    "parser_cpu_seconds": round(stats.cpu_seconds, 1),
                    "index_seconds": round(spent["index_wall"], 1),
                    # CPU ms per document by stage, all processes and threads.
                    "stages_cpu_ms_per_doc": {name: round(1000 * value / max(documents, 1), 2) for name, value in {
                        "parse (parser processes)": stats.cpu_seconds - stats.prepare_seconds,
                        "analyse for the index (parser processes)": stats.prepare_seconds,
                        "database writes (main thread)": spent["write_cpu"],
                        "split, hash look-up, hand-over (main thread)": main - spent["write_cpu"],
                        "index writes (index thread)": spent["index_cpu"],
                        "database server (PostgreSQL's processes)": server,
                    }.items()},
                    "peak_rss_mb": round(memory.peak), "peak_pss_mb": round(memory.peak_pss),
                    "peak_rss_mb_main": round(memory.peak_main),
                    # Exact, but over the process's life: for the first import, its peak.
                    "high_water_mb_main": round(high_water_mb()),
                    "peak_rss_mb_parser": round(stats.peak_rss_mb),
                    "load_average_before": before, "load_average_after": load_average(),
                    **machine,
                }
                if label == "first" and index:
                    report = indexing.check_index()
                    figures["index_check_ok"] = report.ok
            db.engine.dispose()
    finally:
        indexing.sync_imported, loader.write_records = sync, write
    return figures


def show(figures: dict) -> None:
    """Print one database's figures."""
    print(f"\n{figures['database']} with {figures['backend']}: {figures['file_mb']} MB file")
    for label in ("first", "again"):
        f = figures[label]
        print(f"  {label:5} import: {f['documents']} documents ({f['created']} new, {f['updated']} updated, "
              f"{f['unchanged']} unchanged, {f['errors']} errors) in {f['seconds']} s = {f['docs_per_s']} docs/s; "
              f"CPU {f['cpu_seconds']} s ({f['cpu_ms_per_doc']} ms/doc, parsers {f['parser_cpu_seconds']} s); "
              f"indexing {f['index_seconds']} s (on its thread, overlapping); "
              f"peak RSS {f['peak_rss_mb']} MB process tree (PSS {f['peak_pss_mb']} MB; "
              f"{f['peak_rss_mb_main']} MB main process (high-water mark so far "
              f"{f['high_water_mb_main']} MB), "
              f"{f['peak_rss_mb_parser']} MB largest parser); load average {f['load_average_before']} "
              f"-> {f['load_average_after']}")
        print(f"        whole machine: {f['machine_cpu_ms_per_doc']} CPU ms/doc (the database server and "
              f"tantivy's threads included), busy {f['machine_busy_percent']} %, stolen by the host "
              f"{f['machine_stolen_percent']} %")
        print("        CPU ms/doc by stage: " + "; ".join(
            f"{name} {value}" for name, value in f["stages_cpu_ms_per_doc"].items()))
    if figures["indexed"]:
        print(f"  index check after the first import: {'clean' if figures['index_check_ok'] else 'NOT clean'}")
    else:
        print("  (--no-index: the database side alone; the command itself always indexes)")


def isolated(name: str, path: Path, tmp: Path, argv: list[str]) -> dict:
    """Run one database's imports in a new process of this script; return its figures."""
    out = tmp / f"{name}.json"
    command = [sys.executable, __file__, *argv, "--databases", name, "--file", str(path),
               "--json", str(out)]
    subprocess.run(command, check=True)
    return json.loads(out.read_text())["runs"][0]


def main() -> None:
    """Build the file, run each database, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="an administrative URL used to create and drop the scratch database")
    parser.add_argument("--workers", type=int, default=None, help="parser processes (default: one per core)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="documents per database batch (default: the app's IMPORT_BATCH_SIZE)")
    parser.add_argument("--no-index", action="store_true",
                        help="skip the index writes, to measure parsing and database writes alone")
    parser.add_argument("--backend", choices=("whoosh", "tantivy"),
                        default=os.environ.get("REVIEWAPP_SEARCH_BACKEND") or "whoosh")
    parser.add_argument("--json", metavar="FILE", help="write the figures to FILE as JSON")
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)  # a built file (one database)
    args = parser.parse_args()
    # A stopped run still drops its scratch database and temporary folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    print(f"load average before: {load_average()} on {os.cpu_count()} cores; backend {args.backend}")
    results = []
    names = args.databases.split(",")
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        path = args.file or Path(tmp) / "ipg-bench.xml"
        if args.file is None:
            started = time.perf_counter()
            size = build_weekly(path, args.documents)
            print(f"built {args.documents} renumbered grants, {size / 1e6:.0f} MB, in "
                  f"{time.perf_counter() - started:.1f} s")
        for name in names:
            if len(names) > 1:
                # Each database in a fresh process: the second would inherit the first's heap
                # (measured: PostgreSQL after SQLite, 271 docs/s and +120 MB, against 291).
                results.append(isolated(name, path, Path(tmp), sys.argv[1:]))
                continue
            instance = Path(tmp) / f"instance-{name}"
            if name == "sqlite":
                figures = run(f"sqlite:///{instance}/bench.sqlite3", path, instance, args.workers,
                              args.backend, not args.no_index, args.batch_size)
            else:
                url, drop = scratch_postgres(args.postgres)
                try:
                    figures = run(url, path, instance, args.workers, args.backend, not args.no_index, args.batch_size)
                finally:
                    drop()
            show(figures)
            results.append(figures)
    print(f"\nload average after: {load_average()}; targets: {TARGETS}")
    if args.json:
        Path(args.json).write_text(json.dumps({"documents": args.documents, "backend": args.backend,
                                               "cores": os.cpu_count(), "targets": TARGETS,
                                               "runs": results}, indent=2))


if __name__ == "__main__":
    main()
