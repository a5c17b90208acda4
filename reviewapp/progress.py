"""A progress bar for long commands, shared by every feature's `commands.py`."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click


@contextmanager
def progress_bar(total: int, label: str, enabled: bool) -> Iterator[Callable[[int], None]]:
    """Yield an `advance(n)` callable driving a progress bar on a terminal, or nothing."""
    if not enabled or not sys.stderr.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
        yield bar.update
