"""RFC 4180 CSV, written a chunk at a time, with formula triggers neutralised.

The rule (see the README, "Bulk CSV export"): a text cell whose first character other than spaces is one
of `= + - @`, TAB, CR, LF, NUL or the full-width `＝ ＋ － ＠`, or whose first character
is a single quote `'`, is written with one extra `'` in front. Spreadsheets then show
it as text instead of running it. To recover the value, `unneutralise` removes the
first character of every cell that starts with `'`. Numbers (int and finite float)
are written as numbers: a number is not a formula, and tools must read them as such.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula
# (OWASP's list, plus LF and NUL as in ASVS, plus the full-width forms some locales honour).
# In the order the export page lists them: the page is drawn from this, so it cannot fall behind.
FORMULA_TRIGGER_LIST = "=+-@\t\r\n\0\uff1d\uff0b\uff0d\uff20"
FORMULA_TRIGGERS = frozenset(FORMULA_TRIGGER_LIST)
# How the page names the triggers that cannot be shown.
INVISIBLE_TRIGGER_NAMES = {"\t": "TAB", "\r": "CR", "\n": "LF", "\0": "NUL"}
QUOTE = "'"
BOM = "\ufeff"
CHUNK_ROWS = 500  # rows per yielded string: few enough for flat memory, many enough to be fast


def neutralise(text: str) -> str:
    """Prefix `text` with a single quote when a spreadsheet could run it as a formula."""
    if not text:
        return text
    if text[0] == QUOTE or text.lstrip(" ")[:1] in FORMULA_TRIGGERS:
        return QUOTE + text
    return text


def unneutralise(cell: str) -> str:
    """Return the original text of a cell written by `neutralise`."""
    return cell[1:] if cell.startswith(QUOTE) else cell


def format_cell(value: Any) -> str | int | float:
    """Return the CSV form of one value: numbers as numbers, everything else as safe text."""
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int or (kind is float and math.isfinite(value)):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # SQLite hands back naive UTC; PostgreSQL aware times
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False,
               chunk_rows: int = CHUNK_ROWS) -> Iterator[str]:
    """Yield the CSV text of `header` and `rows`, a few hundred rows per piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow([neutralise(name) for name in header])
    pending = 0
    for row in rows:
        writer.writerow([format_cell(value) for value in row])
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()
