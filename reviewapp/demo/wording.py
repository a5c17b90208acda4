"""Wording helpers: articles, verb forms, title case and lists, as patent drafters write them."""
from __future__ import annotations

import re

from .data import vocabulary

SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or",
               "the", "to", "with"}


def article(phrase: str) -> str:
    """Return `phrase` with "a" or "an" in front."""
    word = phrase.split()[0].lower()
    vowel = word[0] in "aeiou" and not word.startswith(("user", "uni", "use", "eu", "one"))
    return f"{'an' if vowel else 'a'} {phrase}"


def gerund(verb: str) -> str:
    """receive -> receiving, transmit -> transmitting, fine-tune -> fine-tuning."""
    if verb in vocabulary()["doubling"]:
        return verb + verb[-1] + "ing"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    return verb + "ing"


def third_person(verb: str) -> str:
    """receive -> receives, query -> queries, cache -> caches."""
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        return verb + "es"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def title_case(phrase: str) -> str:
    """Capitalise the words of a title, except short function words after the first."""
    words = []
    for i, word in enumerate(phrase.split()):
        if i and word in SMALL_WORDS:
            words.append(word)
            continue
        parts = word.split("-")
        words.append("-".join(p if (j and p in SMALL_WORDS) else p[:1].upper() + p[1:]
                              for j, p in enumerate(parts)))
    return " ".join(words)


def capitalise(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def series(items: list[str], conjunction: str = "and") -> str:
    """a; a and b; a, b, and c."""
    if len(items) <= 2:
        return f" {conjunction} ".join(items)
    return ", ".join(items[:-1]) + f", {conjunction} " + items[-1]


def claim_list(items: list[str]) -> str:
    """Claim elements: "a; b; and c"."""
    return "; ".join(items[:-1]) + "; and " + items[-1] if len(items) > 1 else items[0]


def strip_article(phrase: str) -> str:
    return re.sub(r"^(a|an|the) ", "", phrase)


def word_count(sentence: str) -> int:
    return len(sentence.split())


def clause_fits(clause: str, steps_text: str) -> bool:
    """Tell whether the thing a "wherein" clause talks about appears in the steps."""
    words = clause.split()
    if words[0] in ("the", "each", "an", "a") and len(words) > 2:
        return " ".join(words[1:3]) in steps_text
    return True


