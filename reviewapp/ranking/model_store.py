"""The model-file store: the model that serves, saving a new one, and the model cards.

Model files live in MODEL_DIR: `ranker-<stamp>-<hash>.joblib` and its signed `.json`
metadata (scoring.RankingModel.save), a `current` file naming the model that serves (replaced
atomically, so a reader never sees half a model) and `model-cards.json` (every model ever
saved: name, version, training data, date). The grant examples (`bootstrap`) and the
training status (`training`) are kept in the same folder.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app

from scoring import ModelIntegrityError

from ..models.base import utcnow

if TYPE_CHECKING:  # the models load scikit-learn: a process loads it when it first ranks
    from scoring import HeuristicRanker, RankingModel

log = logging.getLogger(__name__)

HEURISTIC_VERSION = "heuristic"
KEEP_MODELS = 3  # the current model and two before it, to roll back by hand
CURRENT_FILE = "current"
CARDS_FILE = "model-cards.json"  # every model ever saved: name, version, data, date
_MODEL_NAME = re.compile(r"^ranker-\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?\.joblib$")


@dataclass(frozen=True)
class ServedModel:
    """The ranker that scores now, its version, and why the heuristic serves if it does."""

    ranker: RankingModel | HeuristicRanker
    version: str
    path: Path | None = None  # the model file named by `current`, whether it loaded or not
    error: str | None = None  # why a saved model was refused

    @property
    def heuristic(self) -> bool:
        return self.ranker.is_heuristic

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self.ranker.metadata)


_served: OrderedDict[tuple[str, str], tuple[tuple, ServedModel]] = OrderedDict()
_served_lock = threading.Lock()


@functools.cache
def _heuristic() -> HeuristicRanker:
    """Return the process's one heuristic: it caches the features it last fit (one
    application's texts)."""
    from scoring import HeuristicRanker

    return HeuristicRanker()


def model_dir() -> Path:
    """Return the folder of saved models (MODEL_DIR)."""
    return Path(current_app.config["MODEL_DIR"])


def secret_key() -> bytes:
    """Return the key that signs model and examples files: the app's SECRET_KEY."""
    key = current_app.config["SECRET_KEY"]
    return key if isinstance(key, bytes) else str(key).encode()


def current_ranker() -> RankingModel | HeuristicRanker:
    """Return the ranker that serves: the saved model, else the heuristic."""
    return served_model().ranker


def served_model(strict: bool = False) -> ServedModel:
    """Return the model that serves: the saved one (cached while unchanged), else the heuristic."""
    # A saved model that fails verification is refused. Commands pass `strict` and get
    # ModelIntegrityError; jobs and pages get the heuristic, the error logged once per change
    # of the files and shown on /admin/ranker: a tampered file must not stop the site.
    directory, key = model_dir(), secret_key()
    cache_key = (str(directory.resolve()), hashlib.sha256(key).hexdigest())
    signature = _files_signature(directory)
    with _served_lock:
        cached = _served.get(cache_key)
        if cached is None or cached[0] != signature:
            cached = (signature, _load_served(directory, key))
            _served[cache_key] = cached
            while len(_served) > 4:  # a process serves one app; tests make many
                _served.popitem(last=False)
            if cached[1].error:
                log.error("ranker: %s; the heuristic serves instead", cached[1].error)
        served = cached[1]
    if strict and served.error:
        raise ModelIntegrityError(served.error)
    return served


def model_version(ranker: RankingModel | HeuristicRanker) -> str:
    """Return the version stored with scores: the model's, or "heuristic"."""
    if ranker.is_heuristic:
        return HEURISTIC_VERSION
    meta = ranker.metadata
    return str(meta.get("version") or f"ranker-{str(meta.get('model_sha256', ''))[:12]}")


def _files_signature(directory: Path) -> tuple:
    """Return what changes whenever `current` or the files it names change."""
    pointer = directory / CURRENT_FILE
    name = _read_pointer(pointer)
    stats: list[Any] = [_stat(pointer)]
    if name:
        model = directory / name
        stats += [name, _stat(model), _stat(model.with_suffix(".json"))]
    return tuple(stats)


def _stat(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _read_pointer(pointer: Path) -> str | None:
    try:
        return pointer.read_text().strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _load_served(directory: Path, key: bytes) -> ServedModel:
    name = _read_pointer(directory / CURRENT_FILE)
    if name is None:
        return ServedModel(_heuristic(), HEURISTIC_VERSION)
    path = directory / name
    if not _MODEL_NAME.fullmatch(name):
        error = f"{directory / CURRENT_FILE} names {name!r}, not a model file of this project"
        return ServedModel(_heuristic(), HEURISTIC_VERSION, path, error)
    if not path.is_file():
        return ServedModel(_heuristic(), HEURISTIC_VERSION, path,
                           f"{path} is named as the current model but is missing")
    try:
        from scoring import load_ranker

        ranker = load_ranker(path, key=key)
    except ModelIntegrityError as error:
        return ServedModel(_heuristic(), HEURISTIC_VERSION, path, str(error))
    except Exception as error:  # noqa: BLE001 - e.g. pickled by another scikit-learn
        return ServedModel(_heuristic(), HEURISTIC_VERSION, path,
                           f"cannot load {path}: {type(error).__name__}: {error}")
    return ServedModel(ranker, model_version(ranker), path)


def save_model(ranker: RankingModel, directory: Path | None = None) -> Path:
    """Save a fitted ranker as a new version and make it the one that serves."""
    directory = directory or model_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    digest = ranker.metadata["training_data"]["sha256"][:8]
    version, n = f"ranker-{stamp}-{digest}", 1
    while (directory / f"{version}.joblib").exists():  # retrained within the same second
        n += 1
        version = f"ranker-{stamp}-{digest}-{n}"
    ranker.metadata["version"] = version  # before save: the version is signed too
    path = directory / f"{version}.joblib"
    ranker.save(path, key=secret_key())
    _save_card(directory, ranker.metadata)
    write_atomically(directory / CURRENT_FILE, path.name + "\n")
    _prune_models(directory, path)
    return path


# --- model cards: what scored, shown wherever a score is -----------------------------------

HEURISTIC_CARD = ("heuristic ranker: documented prior weights (docs/RANKING.md), "
                  "no training data")


def card_of(metadata: dict[str, Any]) -> dict[str, Any]:
    """Return the model card of a trained model's metadata: name, version, data, date."""
    sources = metadata.get("sources") or {}
    feedback, bootstrap = sources.get("feedback") or {}, sources.get("bootstrap") or {}
    data = metadata.get("training_data") or {}
    return {"version": metadata.get("version"), "name": metadata.get("model"),
            "trained_at": metadata.get("trained_at"),
            "grants": int(bootstrap.get("groups") or 0),
            "references": int(bootstrap.get("pairs") or 0),
            "verdicts": int(feedback.get("pairs") or 0),
            "verdict_applications": int(feedback.get("groups") or 0),
            "examples": int(data.get("pairs") or 0)}


def _save_card(directory: Path, metadata: dict[str, Any]) -> None:
    cards = _read_cards(directory)
    card = card_of(metadata)
    cards[str(card["version"])] = card
    write_atomically(directory / CARDS_FILE, json.dumps(cards, indent=1, sort_keys=True))


def _read_cards(directory: Path) -> dict[str, dict[str, Any]]:
    try:
        cards = json.loads((directory / CARDS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return cards if isinstance(cards, dict) else {}


def describe_model(version: str | None) -> str:
    """Return, in words, the model that produced scores of `version`: name, data, date."""
    if not version:
        return "no stored scores"
    served = served_model()
    if version == HEURISTIC_VERSION:
        if served.heuristic:
            return f"{HEURISTIC_CARD} yet (no examiner verdicts or grant citations learned)"
        return (f"{HEURISTIC_CARD}; scored before model {served.version} was trained (closed "
                "applications keep the scores they were reviewed with)")
    card = _read_cards(model_dir()).get(version)
    if card is None and version == served.version:
        card = card_of(served.metadata)
    if card is None:
        return f"model {version} (its details are no longer on file)"
    parts = []
    if card["references"]:
        parts.append(f"{card['references']:,} citations of {card['grants']:,} USPTO grants")
    if card["verdicts"]:
        parts.append(f"{card['verdicts']:,} examiner verdicts on "
                     f"{card['verdict_applications']:,} applications")
    else:
        parts.append("no examiner verdicts yet")
    date = str(card.get("trained_at") or "")[:10] or "an unknown date"
    note = "" if version == served.version else f"; the serving model is now {served.version}"
    return (f"{card['name']} model {version}, trained {date} on " + " and ".join(parts)
            + ", pulled toward documented prior weights" + note)


def _prune_models(directory: Path, current: Path) -> None:
    models = sorted(directory.glob("ranker-*.joblib"), key=lambda p: p.stat().st_mtime_ns)
    for old in [m for m in models if m != current][:-(KEEP_MODELS - 1) or None]:
        for path in (old, old.with_suffix(".json")):
            with contextlib.suppress(OSError):
                path.unlink()


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write a file so that readers see the old or the new content, never a part."""
    data = text.encode() if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
