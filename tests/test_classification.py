"""CPC symbols and prefixes: one home for how the site reads, compacts and matches them."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from reviewapp.classification import (
    CPC_FILTER_TEXT,
    cpc_matches,
    cpc_prefix_or_literal,
    expertise_prefixes,
    normalise_cpc_prefix,
    normalise_cpc_symbol,
)
from reviewapp.models import Document
from tests.factories import make_application


@pytest.mark.parametrize("text, prefix", [
    ("H", "H"), ("h04", "H04"), ("H04L", "H04L"), ("H04L 9/", "H04L9/"), ("H04L 9", "H04L9/"),
    (" H04L  9/32 ", "H04L9/32"), ("H04L9/3247", "H04L9/3247"), ("Y02E", "Y02E"),
])
def test_cpc_prefixes_at_every_level(text, prefix):
    assert normalise_cpc_prefix(text) == prefix


@pytest.mark.parametrize("text", ["", "Z99", "H4", "H04LL", "H04L 9/32/1", "batteries", "%", "H04L_9"])
def test_bad_cpc_prefixes_are_refused(text):
    with pytest.raises(ValueError, match="is not a CPC class"):
        normalise_cpc_prefix(text)


def test_expertise_widens_to_main_groups_and_skips_free_text():
    assert expertise_prefixes(["H04L 9/32", "H01M", "batteries", "H04L 9/40", "G06F 16"]) == [
        "H04L9/", "H01M", "G06F16/"]
    assert expertise_prefixes([]) == [] and expertise_prefixes(None) == []


@pytest.mark.parametrize("text, expected", [
    ("H04L 9", "H04L9/"), ("h04l", "H04L"), ("batteries", "BATTERIES"), (" H04L_9 ", "H04L_9"),
])
def test_a_filter_that_is_no_prefix_matches_as_typed(text, expected):
    assert cpc_prefix_or_literal(text) == expected


@pytest.mark.parametrize("typed, stored", [
    ("H", "H"), ("h04l9/32", "H04L 9/32"), (" H04L  0009 / 3247 ", "H04L 9/3247"),
])
def test_symbols_are_stored_spaced(typed, stored):
    assert normalise_cpc_symbol(typed) == stored


@pytest.mark.parametrize("typed", ["Z01", "H04L 9", "H04L/32", "H04L 9/3"])
def test_what_is_no_symbol_is_refused(typed):
    with pytest.raises(ValueError, match="is not a CPC symbol"):
        normalise_cpc_symbol(typed)


@pytest.mark.parametrize("text, allowed", [
    ("H04L 9/32", True), ("h04l", True), ("", True), ("x" * 33, False), ("H04L%", False),
    ("=1+1", False),
])
def test_filter_text_holds_only_letters_digits_spaces_and_slashes(text, allowed):
    assert bool(CPC_FILTER_TEXT.fullmatch(text)) is allowed


def test_prefixes_match_stored_symbols_without_their_spaces(db):
    make_application(cpc=["H04L 9/32"])
    make_application(cpc=["H04L 93/10"])
    db.session.flush()

    def matching(prefix: str) -> list[int]:
        return list(db.session.scalars(select(Document.id).where(cpc_matches([prefix]))))

    assert len(matching("H04L9/")) == 1 and len(matching("H04L9")) == 2
    assert matching("H04L9%") == []  # a wildcard matches itself only


def test_no_other_module_defines_a_cpc_pattern():
    """The CPC rules live in reviewapp/classification.py only."""
    package = Path(__file__).resolve().parent.parent / "reviewapp"
    found = []
    for path in package.rglob("*.py"):
        if path.name == "classification.py" and path.parent == package:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(
                    r"\[A-HY\]", node.value):
                found.append(f"{path.relative_to(package)}:{node.lineno}")
    assert found == []
