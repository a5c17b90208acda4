"""The layout of an index directory and the cross-process write lock.

``index_dir`` (the path the app configures) holds::

    CURRENT                 name of the live generation, replaced atomically (os.replace)
    write.lock              flock()ed by whoever writes, in any process
    gen-<time>-<rand>/      one Whoosh index per generation (the live one, maybe the previous)
    gen-<...>.building/     a rebuild in progress, with its .build.lock and .journal

Readers only ever follow CURRENT, so a rebuild is invisible until its generation is complete.
"""
from __future__ import annotations

import errno
import fcntl
import os
import pickle
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

POINTER = "CURRENT"
LOCK_FILE = "write.lock"
GEN_PREFIX = "gen-"
BUILDING_SUFFIX = ".building"
BUILD_LOCK = ".build.lock"
JOURNAL = ".journal"

# A write holds the lock for one batch commit (well under a second); waiting ten minutes
# means something is wedged, and the caller should hear about it rather than hang forever.
LOCK_TIMEOUT = 600.0


class IndexBusyError(TimeoutError):
    """The write lock could not be taken within the timeout."""


class IndexUnreadableError(OSError):
    """The engine could not open or read the index's files; rebuilding the index repairs it."""


class IndexMissingError(FileNotFoundError):
    """There is no index to search: reading never creates one (that would hide its absence)."""


def missing(index_dir: Path) -> IndexMissingError:
    """Return the error a read of an index that was never built raises."""
    return IndexMissingError(f"no search index at {index_dir}: build it with an index rebuild")


def current_generation(index_dir: Path) -> Path | None:
    """Return the live generation directory, or None when there is no index yet."""
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return index_dir / name if name else None


def new_generation(index_dir: Path) -> Path:
    """Return a fresh, unused generation path (not created)."""
    return index_dir / f"{GEN_PREFIX}{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"


def publish(index_dir: Path, generation: Path) -> None:
    """Make ``generation`` the live one, atomically for every reader."""
    tmp = index_dir / f".{POINTER}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(generation.name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / POINTER)
    _fsync_dir(index_dir)


def _fsync_dir(path: Path) -> None:
    """Persist a rename in ``path`` (a crash must not resurrect the old pointer)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_generations(index_dir: Path, keep: set[Path]) -> None:
    """Delete complete generations not in ``keep``.

    The caller keeps the previous generation too: a reader that read CURRENT just before the
    swap may still be opening it.
    """
    for path in index_dir.glob(f"{GEN_PREFIX}*"):
        if path.is_dir() and not path.name.endswith(BUILDING_SUFFIX) and path not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _try_flock(handle: IO[bytes]) -> bool:
    """Take an exclusive flock without blocking; False when someone else holds it."""
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _flock_with_timeout(handle: IO[bytes], timeout: float, what: Path) -> None:
    """Block on an exclusive flock, polling, until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    delay = 0.002
    while not _try_flock(handle):
        if time.monotonic() >= deadline:
            raise IndexBusyError(f"search index {what} stayed locked for {timeout:.0f} s")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


@contextmanager
def write_lock(index_dir: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the index's write lock: one writer at a time across threads and processes.

    flock() locks belong to an open file description, so two threads of one process that
    each open the file exclude each other just as two processes do.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_FILE, "a+b") as handle:
        _flock_with_timeout(handle, timeout, index_dir)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def hold_build_lock(building: Path) -> IO[bytes]:
    """Open and lock a rebuild's liveness lock; the lock lasts as long as the handle."""
    handle = open(building / BUILD_LOCK, "a+b")  # noqa: SIM115 (returned: the lock lives with it)
    if not _try_flock(handle):
        handle.close()
        raise RuntimeError(f"rebuild directory {building} is already in use")
    return handle


def live_builds(index_dir: Path) -> list[Path]:
    """Return rebuilds in progress, deleting those whose process died (call under lock)."""
    live = []
    for building in sorted(index_dir.glob(f"{GEN_PREFIX}*{BUILDING_SUFFIX}")):
        with open(building / BUILD_LOCK, "a+b") as probe:
            alive = not _try_flock(probe)
        if alive:
            live.append(building)
        else:
            shutil.rmtree(building, ignore_errors=True)
    return live


def journal(building: Path, op: str, payload: list[Any]) -> None:
    """Append an operation to a rebuild's journal (the rebuild replays it before its swap)."""
    with open(building / JOURNAL, "ab") as handle:
        pickle.dump((op, payload), handle, protocol=pickle.HIGHEST_PROTOCOL)


def read_journal(handle: IO[bytes]) -> Iterator[tuple[str, list[Any]]]:
    """Yield journalled operations in order."""
    while True:
        try:
            yield pickle.load(handle)
        except EOFError:
            return
