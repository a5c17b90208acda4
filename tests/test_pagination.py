"""Pagination that counts only when the page cannot tell the total itself."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from reviewapp.models import Tag


@pytest.fixture
def tags(db):
    """Return a function that stores n tags."""
    def make(n: int) -> None:
        db.session.add_all(Tag(name=f"tag-{i:03d}") for i in range(n))
        db.session.flush()
    return make


@pytest.fixture
def counts(db):
    """Count the COUNT queries the engine runs."""
    seen: list[str] = []

    def listen(conn, cursor, statement, *args):
        if "count(" in statement.lower():
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", listen)


@pytest.mark.parametrize("n, page, total, items, counted", [
    (3, 1, 3, 3, False),     # one short page: the total is on it
    (0, 1, 0, 0, False),     # nothing at all
    (25, 1, 25, 10, True),   # a full page: more may follow
    (25, 3, 25, 5, False),   # the short last page: two full pages before it
    (20, 2, 20, 10, True),   # a full last page cannot know it is last
    (25, 5, 25, 0, True),    # past the end: only a count can tell
])
def test_total_and_pages_match_a_counted_pagination(db, tags, counts, n, page, total, items, counted):
    tags(n)
    result = db.paginate(sa.select(Tag).order_by(Tag.name), page=page, per_page=10, error_out=False)
    assert (result.total, len(result.items)) == (total, items)
    assert result.pages == -(-total // 10)
    assert result.has_next == (page < result.pages)
    assert bool(counts) == counted
