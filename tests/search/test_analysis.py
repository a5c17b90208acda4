"""The patent analyzer and class codes."""
from __future__ import annotations

import pytest

from search.analysis import class_code_analyzer, normalize_code, patent_analyzer
from search.schema import class_levels, to_fields


def tokens(text: str) -> list[str]:
    return [t.text for t in patent_analyzer()(text)]


def test_analyzer_drops_patent_boilerplate_and_english_stop_words():
    words = tokens("2. The apparatus of claim 1, wherein said plurality of sensors comprises "
                   "a thermistor, whereby the heater is controlled thereof")
    # Single characters ("2.", "claim 1") go too: minsize 2.
    assert words == ["apparatu", "sensor", "thermistor", "heater", "control"]


def test_analyzer_stems_and_lowercases():
    assert tokens("Batteries CHARGING Charged") == ["batteri", "charg", "charg"]


def test_analyzer_keeps_numbers_and_dotted_standards():
    assert tokens("an 802.11 radio at 2.4 GHz") == ["802.11", "radio", "2.4", "ghz"]


@pytest.mark.parametrize("raw, expected", [
    ("H04L 9/32", "H04L9/32"),
    ("h04l9/32", "H04L9/32"),
    (" H04L  9 / 32 ", "H04L9/32"),
    ("713/168", "713/168"),
])
def test_normalize_code(raw, expected):
    assert normalize_code(raw) == expected


def test_class_code_analyzer_keeps_each_code_whole():
    assert [t.text for t in class_code_analyzer()("H04L 9/32, G06F 21/00 713/168")] == [
        "H04L9/32", "G06F21/00", "713/168"]


def test_class_levels_of_a_cpc_code():
    levels = class_levels("H04L 9/32")
    assert levels.facet_values() == {
        "cpc_section": "H", "cpc_class": "H04", "cpc_subclass": "H04L",
        "cpc_group": "H04L 9/00"}
    assert levels.tokens() == ["H", "H04", "H04L", "H04L9/00", "H04L9/32"]


@pytest.mark.parametrize("code", ["713/168", "D14/138", "", "not a class"])
def test_class_levels_rejects_non_hierarchical_codes(code):
    assert class_levels(code) is None


def test_to_fields_falls_back_to_ipc_for_classes_and_requires_an_id():
    fields = to_fields({"id": "US1", "ipc": ["H01M 2/34"], "uspc": ["429/7"]})
    assert fields["cpc_group"] == "H01M 2/00"
    assert fields["uspc"] == "429 429/7"
    with pytest.raises(ValueError):
        to_fields({"title": "no id"})
