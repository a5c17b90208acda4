"""Read the demo's data files (package data in `data/`): texts, vocabulary, accounts, story.

- `areas.json`: the inventions, by area. Each topic is one invention: `steps` are
  [verb, object] pairs in the base form ("receive", "a message ..."), turned into method
  steps ("receiving a message"), system clauses and description sentences; the first four
  form the independent claims, the rest dependent claims. `where` clauses must make sense
  after "wherein" in a claim of either kind. A topic of kind "product" has `elements` (the
  body of its product claim) and no processor; other topics are "system" topics.
- `vocabulary.json`: inventors' names, the institute that files in every area, the verbs a
  library document may use instead of the application's, verbs that double before -ing.
- `accounts.toml`: the demo accounts (public passwords) and which areas each one reviews.
- `story.toml`: what the volunteers and the examiner write (explanations, verdicts, comments).

Every name, company and invention is invented and written for this project.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


def read_text(name: str) -> str:
    """Return the text of the data file `name` of this package."""
    return (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")


@cache
def areas() -> list[dict[str, Any]]:
    """Return the areas and their topics (areas.json)."""
    loaded: list[dict[str, Any]] = json.loads(read_text("areas.json"))
    return loaded


@cache
def vocabulary() -> dict[str, Any]:
    """Return the names and verbs of vocabulary.json."""
    loaded: dict[str, Any] = json.loads(read_text("vocabulary.json"))
    return loaded


@cache
def story() -> dict[str, Any]:
    """Return what the demo users write (story.toml)."""
    return tomllib.loads(read_text("story.toml"))


@dataclass(frozen=True)
class Account:
    """A demo account; its password is public, for demonstrations only."""

    email: str
    password: str
    role: str
    name: str
    affiliation: str
    expertise: tuple[str, ...]
    bio: str


@cache
def _accounts_file() -> dict[str, Any]:
    return tomllib.loads(read_text("accounts.toml"))


def accounts() -> list[Account]:
    """Return the demo accounts in the order they are printed."""
    return [Account(a["email"], a["password"], a["role"], a["name"], a["affiliation"],
                    tuple(a["expertise"]), a["bio"]) for a in _accounts_file()["account"]]


def area_reviewers() -> dict[str, list[str]]:
    """Return which volunteers (by email) review which area (by key)."""
    return {area: list(emails) for area, emails in _accounts_file()["area_reviewers"].items()}
