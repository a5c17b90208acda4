"""The demo's texts are data files inside the package, and the data set is made of them."""
from __future__ import annotations

import configparser
import json
import tomllib
from importlib import resources
from pathlib import Path

from reviewapp import demo
from reviewapp.demo import data

DATA = resources.files("reviewapp.demo") / "data"


def test_the_data_files_are_package_data():
    names = {entry.name for entry in DATA.iterdir()}
    assert {"areas.json", "vocabulary.json", "accounts.toml", "story.toml"} <= names
    setup = configparser.ConfigParser()
    setup.read(Path(__file__).parents[2] / "setup.cfg")
    patterns = setup["options.package_data"]["reviewapp"].split()
    for name in names:
        assert any(Path("demo/data", name).match(p) for p in patterns), name


def test_every_topic_of_the_areas_file_is_an_application():
    areas = json.loads((DATA / "areas.json").read_text(encoding="utf-8"))
    titles = [topic["title"] for area in areas for topic in area["topics"]]
    applications = demo.dataset().applications
    assert sorted(r.document.title for r in applications) == sorted(titles)
    assert {r.document.area for r in applications} == {area["key"] for area in areas}
    for review in applications:
        area = next(a for a in areas if a["key"] == review.document.area)
        topic = next(t for t in area["topics"] if t["key"] == review.document.topic)
        assert review.document.cpc[0] == topic["cpc"][0]
        assert topic["subject"] in review.document.description


def test_the_accounts_file_gives_the_accounts_and_their_areas():
    listed = tomllib.loads((DATA / "accounts.toml").read_text(encoding="utf-8"))
    assert [(a["email"], a["password"], a["role"], a["name"]) for a in listed["account"]] \
        == demo.DEMO_ACCOUNTS
    assert data.area_reviewers() == listed["area_reviewers"]
    hints = demo.dataset().prior_art
    assert {h.reviewer for h in hints} <= {e for es in listed["area_reviewers"].values() for e in es}


def test_the_story_file_gives_the_explanations():
    story = tomllib.loads((DATA / "story.toml").read_text(encoding="utf-8"))
    unrelated = [h for h in demo.dataset().prior_art if h.relation == demo.UNRELATED]
    assert unrelated
    template = story["explanations"]["unrelated"]
    prefix, _placeholder, rest = template.partition("{number}")
    for hint in unrelated:
        assert hint.explanation.startswith(prefix + hint.document)
        assert hint.explanation.endswith(rest.rsplit("}", 1)[1])
