"""The grant examples: saved as signed plain data, refused when changed."""
from __future__ import annotations

import gzip
import json

import pytest

from reviewapp.ranking.bootstrap import (
    EXAMPLES_FILE,
    ExamplesError,
    bootstrap_header,
    load_bootstrap_examples,
    save_bootstrap_examples,
)
from reviewapp.ranking.training import train_model, training_status
from tests.ranking.helpers import grant_examples, save_grant_examples


def test_grant_examples_round_trip_as_signed_plain_data(db, model_dir):
    pairs, y, groups = grant_examples(3)
    files = [{"file": "ipg.xml", "bytes": 10, "sha256": "ab" * 32}]
    header = save_bootstrap_examples(pairs, y, groups, files)
    assert header["grants"] == 3 and header["pairs"] == len(pairs) and header["sources"] == files
    (loaded_pairs, loaded_y, loaded_groups), loaded_header = load_bootstrap_examples()
    assert loaded_pairs == pairs and loaded_y.tolist() == y.tolist()
    assert loaded_groups.tolist() == groups.tolist() and loaded_header == header
    assert bootstrap_header() == header
    raw = gzip.decompress((model_dir / EXAMPLES_FILE).read_bytes())
    assert raw.startswith(b'{"') and b"pickle" not in raw  # JSON, not an executable pickle


@pytest.mark.parametrize("damage", ["label", "header", "key"])
def test_changed_grant_examples_are_refused(app, db, model_dir, damage):
    save_grant_examples(3)
    path = model_dir / EXAMPLES_FILE
    header, queries, rows = (json.loads(line)
                             for line in gzip.decompress(path.read_bytes()).split(b"\n"))
    if damage == "label":
        rows[0][2] = 1 - rows[0][2]
    elif damage == "header":
        header["grants"] += 1
    if damage == "key":
        app.config["SECRET_KEY"] = "another-secret-key"
    else:
        path.write_bytes(gzip.compress(b"\n".join(json.dumps(part).encode()
                                                  for part in (header, queries, rows))))
    with pytest.raises(ExamplesError):
        load_bootstrap_examples()
    with pytest.raises(ExamplesError):
        train_model(db.session, enqueue_rescoring=False)
    assert training_status()["state"] == "failed"
