"""Key terms shown in the claim's own words, not as index stems."""
from __future__ import annotations

from reviewapp.searchpage.terms import readable_key_terms, surface_words


def test_each_stem_gets_the_claims_most_frequent_word():
    text = ("A mobile trajectory planner for mobiles, the trajectory computed by the mobile unit; "
            "trajectories stored.")
    assert surface_words(text, ["mobil", "trajectori", "store", "absent"]) == {
        "mobil": "mobile", "trajectori": "trajectory", "store": "stored", "absent": "absent"}


def test_key_terms_keep_their_weights_and_order():
    assert readable_key_terms("Cooling the coolant; cooled coolant.", [("coolant", 1.0), ("cool", 0.4)]) == [
        ("coolant", 1.0), ("cooling", 0.4)]
