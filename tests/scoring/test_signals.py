"""Name keys: the word a patentee is cited by."""
from __future__ import annotations

from scoring.signals import name_key


def test_name_keys_are_surnames_and_organisation_words():
    assert name_key("Yamada et al.") == name_key("Taro Yamada") == "yamada"
    assert name_key("John A. Smith, Jr.") == name_key("Smith") == "smith"
    assert name_key("SONY CORP.") == name_key("Sony Corporation") == "sony"
    assert name_key("Co., Ltd.") == name_key("") == ""
