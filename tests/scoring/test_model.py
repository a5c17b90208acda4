"""RankingModel and HeuristicRanker: training, serving, explanations, signed persistence."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import NotFittedError

from scoring import HeuristicRanker, ModelIntegrityError, RankingModel, load_ranker
from scoring.bootstrap import examples_from_grants
from scoring.inputs import Candidate, QueryDoc
from scoring.integrity import metadata_path, sign_metadata, training_data_sha256
from scoring.model import trained_groups

from .helpers import CLAIM_1, OFF_TOPIC, candidate, grant, mixed_references, query

KEY = b"test-secret-key"


def class_pairs(n_groups: int = 20, size: int = 8, seed: int = 0):
    """Return pairs whose label is decided by sharing the CPC subclass H04L, plus noise."""
    rng = np.random.default_rng(seed)
    pairs, labels = [], []
    for g in range(n_groups):
        q = query(id=f"Q{g}")
        for i in range(size):
            relevant = i < size // 2
            pairs.append((q, candidate(
                id=f"Q{g}-{i}", cpc=["H04L 29/06" if relevant else "H04W 4/00"],
                votes_up=int(rng.integers(0, 5)), votes_down=int(rng.integers(0, 5)),
                publication_date=dt.date(2000 + int(rng.integers(0, 15)), 1, 1))))
            labels.append(int(relevant))
    return pairs, np.array(labels)


def full_candidate(i: int, votes: int) -> Candidate:
    """Return a candidate with every signal known (tree models then see no empty column)."""
    return candidate(id=f"c{i}", text=f"{CLAIM_1} variant {i % 7}", cpc=["H04L 9/32"],
                     uspc=["713/168"], publication_date=dt.date(2010, 1 + i % 12, 1),
                     claims_targeted=[1 + i % 3], votes_up=votes, votes_down=2,
                     endorsements=i % 3, claim_marks=i % 4, submitter_used=i % 2,
                     submitter_judged=3)


@pytest.fixture(scope="module")
def trained() -> RankingModel:
    pairs, y = class_pairs()
    return RankingModel().fit(pairs, y, description="hand-made class pairs", cv_splits=3)


# ---------------------------------------------------------------- fit / score / rank

def test_fit_score_rank(trained):
    q = query()
    near, far = candidate(id="near", cpc=["H04L 29/06"]), candidate(id="far", cpc=["H04W 4/00"])
    scores = trained.score(q, [far, near])
    assert scores.shape == (2,) and np.all((scores > 0) & (scores < 1))
    assert scores[1] > scores[0]
    ranked = trained.rank(q, [far, near])
    assert [c.id for c, _, _ in ranked] == ["near", "far"]
    assert [s for _, s, _ in ranked] == pytest.approx(sorted(scores, reverse=True))


def test_serving_shortcut_matches_the_pipeline(trained):
    pairs = [(query(), candidate(cpc=["H04L 29/06"], votes_up=2, votes_down=1)),
             (query(), candidate(kind="npl", text=CLAIM_1, publication_date=dt.date(2001, 1, 1)))]
    np.testing.assert_allclose(trained.score(query(), [c for _, c in pairs]),
                               trained.pipeline.predict_proba(pairs)[:, 1], rtol=1e-12)


def test_rank_keeps_input_order_among_equal_scores_and_accepts_no_candidates(trained):
    same = [candidate(id=str(i), cpc=["H04L 29/06"]) for i in range(5)]
    assert [c.id for c, _, _ in trained.rank(query(), same)] == ["0", "1", "2", "3", "4"]
    assert trained.rank(query(), []) == [] and trained.score(query(), []).shape == (0,)


def test_unfitted_ranker_refuses_to_score():
    with pytest.raises(NotFittedError):
        RankingModel().score(query(), [candidate()])


def test_groups_default_to_the_application_id():
    pairs, y = class_pairs(n_groups=6)
    a = RankingModel().fit(pairs, y)
    b = RankingModel().fit(pairs, y, groups=[q.id for q, _ in pairs])
    np.testing.assert_array_equal(a.score(query(), [candidate(cpc=["H04L 1/00"])]),
                                  b.score(query(), [candidate(cpc=["H04L 1/00"])]))


def test_cross_validation_is_grouped_and_recorded(trained):
    cv = trained.metadata["cv_metrics"]
    assert cv["n_splits"] == 3 and set(cv) == {"n_splits", "map", "ndcg@10", "p@10"}
    assert cv["map"] == pytest.approx(1.0)  # the subclass decides every label


def test_cross_validation_pools_groups_so_a_fold_without_a_rankable_group_counts_nothing():
    # Three big single-label groups (an application judged all "known") fill three of the
    # five folds by themselves; the small groups are ranked perfectly wherever they land.
    pairs, y, groups = [], [], []
    for gid, labels in [*((f"big{g}", [0] * 50) for g in range(3)),
                        *((f"small{g}", [1, 0]) for g in range(10))]:
        q = query(id=gid)
        for i, label in enumerate(labels):
            pairs.append((q, candidate(
                id=f"{gid}-{i}", kind="us" if label else "foreign",
                publication_date=dt.date(2009 if label else 1990, 1, 1))))
            y.append(label)
            groups.append(gid)
    cv = RankingModel().cross_validate(pairs, y, groups, n_splits=5)
    assert cv == pytest.approx({"map": 1.0, "ndcg@10": 1.0, "p@10": 0.1})


def test_metadata_lists_the_training_groups_and_survives_saving(trained, tmp_path):
    assert trained_groups(trained.metadata, ["Q0", "Q19", "Q20", "US1234567B2"]) == {"Q0", "Q19"}
    trained.save(tmp_path / "m.joblib", KEY)
    loaded = RankingModel.load(tmp_path / "m.joblib", KEY)
    assert trained_groups(loaded.metadata, [f"Q{g}" for g in range(25)]) == {
        f"Q{g}" for g in range(20)}
    older = {k: v for k, v in loaded.metadata.items() if k != "training_groups"}
    assert trained_groups(older, ["Q0"]) is None  # saved before the list: unknown, not "none"


# ---------------------------------------------------------------- explanations

def test_linear_explanation_names_the_dominant_feature(trained):
    (_, _, explanation), *_ = trained.rank(query(), [candidate(cpc=["H04L 29/06"], votes_up=1,
                                                               votes_down=0)])
    assert explanation.features[0] == "ipc_subclass"
    assert explanation.reasons[0].text == "shares CPC/IPC subclass H04L"
    assert explanation.reasons[0].effect > 0
    assert "coefficient" in explanation.method
    *_, (_, _, worst) = trained.rank(query(), [candidate(cpc=["H04L 29/06"]),
                                               candidate(cpc=["H04W 4/00"])])
    assert worst.reasons[0].text == "no CPC/IPC subclass in common" and worst.reasons[0].effect < 0


def test_tree_explanation_by_median_replacement_names_the_dominant_feature():
    pairs, y = [], []
    for g in range(30):
        q = query(id=f"Q{g}")
        for i in range(10):
            votes = (i * 7 + g) % 10
            pairs.append((q, full_candidate(i, votes)))
            y.append(int(votes >= 5))
    ranker = RankingModel(estimator=HistGradientBoostingClassifier(max_iter=30, random_state=0))
    ranker.fit(pairs, y)
    (_, _, best), *_ = ranker.rank(query(), [full_candidate(1, 9), full_candidate(2, 0)])
    assert best.features[0] == "net_votes"
    assert best.reasons[0].text == "community votes 9 up, 2 down (net +7)"
    assert "median" in best.method


def test_explanation_lists_nonzero_effects_strongest_first(trained):
    c = candidate(cpc=["H04L 29/06"], votes_up=3, votes_down=0,
                  publication_date=dt.date(2013, 5, 1))
    (_, _, explanation), = trained.rank(query(), [c], reasons=50)
    effects = [abs(r.effect) for r in explanation.reasons]
    assert effects == sorted(effects, reverse=True) and min(effects) > 0
    assert len(trained.rank(query(), [c], reasons=2)[0][2].reasons) == 2
    assert str(explanation).startswith("+ shares CPC/IPC subclass H04L")


# ---------------------------------------------------------------- persistence

def test_save_load_round_trip_with_metadata(trained, tmp_path):
    path = tmp_path / "ranker.joblib"
    meta_file = trained.save(path, KEY)
    assert meta_file == metadata_path(path) == tmp_path / "ranker.json"
    meta = json.loads(meta_file.read_text())
    assert meta["feature_names"] == trained.feature_names
    assert meta["training_data"]["description"] == "hand-made class pairs"
    assert len(meta["training_data"]["sha256"]) == 64
    expected = {"sklearn_version", "trained_at", "cv_metrics", "model_sha256", "hmac_sha256"}
    assert expected <= set(meta)
    loaded = RankingModel.load(path, KEY)
    c = [candidate(cpc=["H04L 29/06"]), candidate(cpc=["H04W 4/00"])]
    np.testing.assert_array_equal(loaded.score(query(), c), trained.score(query(), c))
    assert loaded.metadata == meta
    assert isinstance(load_ranker(path, KEY), RankingModel)


def test_load_refuses_a_changed_model_file(trained, tmp_path):
    path = tmp_path / "ranker.joblib"
    trained.save(path, KEY)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        RankingModel.load(path, KEY)


def test_load_refuses_changed_metadata_or_another_key(trained, tmp_path):
    path = tmp_path / "ranker.joblib"
    meta_file = trained.save(path, KEY)
    with pytest.raises(ModelIntegrityError, match="not signed with this key"):
        RankingModel.load(path, b"another key")
    meta = json.loads(meta_file.read_text())
    meta["cv_metrics"]["map"] = 0.99
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(ModelIntegrityError, match="not signed with this key"):
        load_ranker(path, KEY)


class _Trap:
    """Unpickling this runs code: load must refuse before that happens."""

    def __reduce__(self):
        return (_spring, ())


def _spring():
    raise AssertionError("an unverified pickle was unpickled")


def test_load_never_unpickles_an_unsigned_file(tmp_path):
    path = tmp_path / "ranker.joblib"
    blob = pickle.dumps(_Trap())
    path.write_bytes(blob)
    metadata_path(path).write_text(json.dumps({
        "format": "reviewapp-ranker/1", "model_sha256": hashlib.sha256(blob).hexdigest(),
        "hmac_sha256": "0" * 64}))
    with pytest.raises(ModelIntegrityError):
        RankingModel.load(path, KEY)


def test_load_refuses_a_model_trained_on_another_feature_set(trained, tmp_path):
    path = tmp_path / "ranker.joblib"
    meta_file = trained.save(path, KEY)
    meta = json.loads(meta_file.read_text())
    meta["feature_names"] = meta["feature_names"][:-3]  # as saved before the list features
    meta["hmac_sha256"] = sign_metadata(meta, KEY)  # a genuine, older model of this site
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(ModelIntegrityError, match="another feature set"):
        RankingModel.load(path, KEY)


def test_load_refuses_missing_metadata_and_empty_keys(trained, tmp_path):
    path = tmp_path / "ranker.joblib"
    trained.save(path, KEY)
    with pytest.raises(ValueError, match="non-empty bytes"):
        RankingModel.load(path, b"")
    metadata_path(path).unlink()
    with pytest.raises(ModelIntegrityError, match="missing"):
        RankingModel.load(path, KEY)


def test_training_data_hash_follows_content():
    pairs, y = class_pairs(n_groups=2)
    groups = np.array([q.id for q, _ in pairs])
    same = training_data_sha256(pairs, y, groups)
    assert same == training_data_sha256(pairs, y.copy(), groups)
    assert same != training_data_sha256(pairs, 1 - y, groups)


# ---------------------------------------------------------------- heuristic

def test_heuristic_serves_when_there_is_no_model(tmp_path):
    ranker = load_ranker(tmp_path / "absent.joblib", KEY)
    assert isinstance(ranker, HeuristicRanker) and ranker.is_heuristic
    assert load_ranker(None, KEY).metadata["model"] == "heuristic"
    good = candidate(id="good", text=CLAIM_1, cpc=["H04L 9/32"], votes_up=6, votes_down=0,
                     publication_date=dt.date(2012, 1, 1))
    late = candidate(id="late", kind="npl", text=CLAIM_1, cpc=["H04L 9/32"], votes_up=6,
                     votes_down=0, publication_date=dt.date(2017, 1, 1))
    noise = candidate(id="noise", text=OFF_TOPIC, votes_up=0, votes_down=4)
    ranked = ranker.rank(query(), [noise, late, good])
    assert [c.id for c, _, _ in ranked] == ["good", "late", "noise"]
    np.testing.assert_allclose([s for _, s, _ in ranked],
                               sorted(ranker.score(query(), [noise, late, good]), reverse=True))
    explanation = ranked[0][2]
    assert explanation.method.startswith("heuristic")
    assert explanation.reasons[0].text == "claim 1 text similarity 1.00 (high)"
    five = ranker.rank(query(), [noise, late, good], reasons=5)[0][2]
    assert "shares CPC/IPC main group H04L 9/00" in [r.text for r in five.reasons]
    late_reasons = {r.feature: r.effect for r in ranked[1][2].reasons}
    assert late_reasons["date"] < 0  # literature published after priority is no prior art


def test_heuristic_handles_an_application_without_claims_or_candidates():
    ranker = HeuristicRanker()
    assert ranker.rank(query(), []) == []
    bare = QueryDoc(id="bare")
    assert ranker.score(bare, [candidate(text=CLAIM_1)]).shape == (1,)


def test_bootstrap_examples_train_a_ranker_end_to_end():
    grants = [grant(f"10{i:06d}", mixed_references(i)) for i in range(12)]
    pairs, y, groups = examples_from_grants(grants)
    ranker = RankingModel().fit(pairs, y, groups)
    coefficients = ranker.metadata["coefficients"]
    assert coefficients["kind_us"] > 0 > coefficients["kind_foreign"]
