"""The cross-encoder reranker: the shipped offline model, one sigmoid, and the reranked ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jobmatch.config import DEFAULT_RERANKER_DIR
from jobmatch.matching.calibration import BANDS, FIRST_STAGE_ONLY
from jobmatch.matching.ranking import FirstStageRanker
from jobmatch.matching.reranking import (
    Reranker,
    RerankerError,
    load_reranker,
    rerank_matches,
    sigmoid,
)
from jobmatch.offers import Offer

CV_DATA = (
    "Data scientist. Python, pandas, scikit-learn, machine learning models, SQL, "
    "statistics; built churn prediction and NLP text classification in production."
)
CV_CHEF = "Chef de cuisine. 12 ans en restauration traditionnelle, gestion des commandes, HACCP."
OFFER_DATA = (
    "Data Scientist (H/F)\nVous développerez des modèles de machine learning en Python "
    "(scikit-learn, pandas) et analyserez les données clients avec SQL."
)
OFFER_CHEF = (
    "Chef de cuisine (H/F)\nRestaurant traditionnel recherche un chef : élaboration des menus, "
    "commandes, hygiène HACCP, encadrement de la brigade."
)
OFFER_NURSE = "Infirmier de nuit (H/F)\nSoins, suivi des patients, service de gériatrie."


@pytest.fixture(scope="module")
def reranker() -> Reranker:
    """The bundled offline cross-encoder."""
    model = load_reranker("bundled")
    assert model is not None
    return model


@pytest.mark.slow
def test_matching_pairs_score_higher_than_mismatches(reranker):
    scores = reranker.score(
        [(CV_DATA, OFFER_DATA), (CV_DATA, OFFER_CHEF), (CV_CHEF, OFFER_CHEF), (CV_CHEF, OFFER_DATA)]
    )
    assert scores[0] > scores[1] and scores[2] > scores[3]
    assert ((scores > 0) & (scores < 1)).all()


@pytest.mark.slow
def test_scores_are_one_sigmoid_of_the_logits_over_the_full_range(reranker):
    pairs = [(CV_DATA, OFFER_DATA), (CV_CHEF, OFFER_DATA), (CV_CHEF, OFFER_CHEF)]
    logits = reranker.logits(pairs)
    scores = reranker.score(pairs)
    np.testing.assert_allclose(scores, 1 / (1 + np.exp(-logits)))
    # The model's own default activation is that same single sigmoid, not a second one.
    from sentence_transformers import CrossEncoder

    default = CrossEncoder(str(DEFAULT_RERANKER_DIR), device="cpu").predict(pairs)
    np.testing.assert_allclose(default, scores, atol=1e-3)
    # A second sigmoid would confine every score to [0.5, 0.731]; a mismatch falls below it.
    double = sigmoid(sigmoid(logits))
    assert ((double >= 0.5) & (double <= 0.732)).all()
    assert scores[1] < 0.5
    # Logits map onto the whole 0–1 range.
    np.testing.assert_allclose(sigmoid(np.array([-40.0, 0.0, 40.0])), [0.0, 0.5, 1.0], atol=1e-12)


@pytest.mark.slow
def test_a_batch_scores_like_single_pairs(reranker):
    pairs = [(CV_DATA, OFFER_DATA), (CV_DATA, OFFER_CHEF * 20), (CV_CHEF, OFFER_NURSE)]
    batch = reranker.logits(pairs)
    single = np.concatenate([reranker.logits([pair]) for pair in pairs])
    np.testing.assert_allclose(batch, single, atol=1e-3)
    assert reranker.logits([]).shape == (0,)


def test_load_reranker_specs():
    assert load_reranker("") is None
    assert load_reranker("bundled") is load_reranker("bundled")
    missing = load_reranker("/nonexistent/reranker")
    with pytest.raises(RerankerError, match="Cannot load the cross-encoder"):
        missing.logits([("a", "b")])


def test_shipped_model_is_small_and_documented():
    weights = DEFAULT_RERANKER_DIR / "model.safetensors"
    assert weights.stat().st_size <= 50_000_000
    total = sum(p.stat().st_size for p in DEFAULT_RERANKER_DIR.iterdir())
    assert total <= 50_000_000
    card = (DEFAULT_RERANKER_DIR / "README.md").read_text(encoding="utf-8")
    for section in ("Training data", "Labels", "Metrics", "Licence"):
        assert section in card


@pytest.mark.slow
def test_rerank_matches_rescores_the_top_k_and_keeps_every_offer(reranker):
    offers = [
        Offer(id="chef", title="Chef de cuisine", description=OFFER_CHEF),
        Offer(id="data", title="Data Scientist", description=OFFER_DATA),
        Offer(id="nurse", title="Infirmier", description=OFFER_NURSE),
        Offer(id="data2", title="Data analyst", description="SQL, Python, tableaux de bord."),
    ]
    first = FirstStageRanker([]).rank(CV_DATA, offers)
    texts = {offer.id: offer.text for offer in offers}
    frame = rerank_matches(first, CV_DATA, texts, reranker, top_k=2)
    assert sorted(frame["offer_id"]) == sorted(texts)
    assert frame["rank"].tolist() == [1, 2, 3, 4]
    assert frame["final_score"].is_monotonic_decreasing
    reranked = set(first["offer_id"].head(2))
    assert set(frame.loc[frame["cross_score"].notna(), "offer_id"]) == reranked
    rest = frame[frame["cross_score"].isna()]
    expected = 100 * FIRST_STAGE_ONLY.probability(rest["first_stage_score"].to_numpy())
    np.testing.assert_allclose(rest["final_score"], expected, atol=0.01)
    assert set(frame["band"]) <= {name for name, _ in BANDS}
    columns = list(frame.columns)
    assert columns[columns.index("final_score") + 1 : columns.index("final_score") + 4] == [
        "band",
        "cross_score",
        "first_stage_score",
    ]
    no_rerank = rerank_matches(first, CV_DATA, texts, None, top_k=2)
    assert no_rerank["cross_score"].isna().all()
    pd.testing.assert_series_equal(
        no_rerank.sort_values("offer_id")["first_stage_score"].reset_index(drop=True),
        first.sort_values("offer_id")["final_score"].reset_index(drop=True),
        check_names=False,
    )
