"""Metrics against values worked out by hand, bootstrap intervals, and the report files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, ndcg_score, roc_auc_score

from jobmatch.matching.evaluation import (
    LabelledSet,
    average_precision,
    band_table,
    best_f1,
    expected_calibration_error,
    metric_table,
    ndcg_at,
    precision_recall_f1,
    read_pairs,
    reliability_table,
    roc_auc,
)

# Five items, best score first: relevant, not, relevant, not, not.
RELEVANT = np.array([True, False, True, False, False])
SCORES = np.array([90.0, 70.0, 60.0, 40.0, 10.0])


def test_precision_recall_f1_by_hand():
    # >= 50: items 1-3 predicted, 2 of them relevant, 2 relevant in all.
    assert precision_recall_f1(RELEVANT, SCORES, 50) == pytest.approx((2 / 3, 1.0, 0.8))
    assert precision_recall_f1(RELEVANT, SCORES, 95) == (0.0, 0.0, 0.0)
    # Best: threshold 60 (F1 0.8) ties threshold 90 (P 1, R 0.5, F1 2/3)? 0.8 wins.
    assert best_f1(RELEVANT, SCORES) == pytest.approx((60.0, 2 / 3, 1.0, 0.8))


def test_average_precision_roc_auc_and_ndcg_by_hand():
    # AP: precision 1 at the first hit, 2/3 at the second -> (1 + 2/3) / 2.
    assert average_precision(RELEVANT, SCORES) == pytest.approx(5 / 6)
    # AUC: pairs (relevant, not) ordered right: 3 + 2 of 6.
    assert roc_auc(RELEVANT, SCORES) == pytest.approx(5 / 6)
    # nDCG@10 with gains 1: (1 + 1/log2(4)) / (1 + 1/log2(3)).
    expected = (1 + 1 / np.log2(4)) / (1 + 1 / np.log2(3))
    assert ndcg_at(RELEVANT.astype(float), SCORES) == pytest.approx(expected)
    assert ndcg_at(RELEVANT.astype(float), SCORES, k=1) == 1.0
    assert np.isnan(ndcg_at(np.zeros(5), SCORES)) and np.isnan(roc_auc(np.zeros(5, bool), SCORES))


def test_metrics_agree_with_scikit_learn_with_ties_and_grades():
    rng = np.random.default_rng(1)
    grades = rng.integers(0, 3, 200).astype(float)
    scores = rng.integers(0, 20, 200).astype(float)  # many ties
    relevant = grades >= 1
    assert average_precision(relevant, scores) == pytest.approx(
        average_precision_score(relevant, scores)
    )
    assert roc_auc(relevant, scores) == pytest.approx(roc_auc_score(relevant, scores))
    assert ndcg_at(grades, scores) == pytest.approx(ndcg_score([grades], [scores], k=10))


def _scored(n_cvs: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for cv in range(n_cvs):
        labels = rng.random(8) < 0.4
        for offer, label in enumerate(labels):
            signal = 60 * label + rng.normal(30, 15)
            rows.append(
                {
                    "cv_id": f"cv{cv}",
                    "offer_id": f"o{offer}",
                    "label": float(label),
                    "relevant": bool(label),
                    "tfidf": signal + rng.normal(0, 20),
                    "bi_encoder": signal + rng.normal(0, 30),
                    "first_stage": signal + rng.normal(0, 15),
                    "cross_encoder": signal + rng.normal(0, 10),
                    "final": signal,
                }
            )
    return pd.DataFrame(rows)


def test_bootstrap_interval_contains_the_estimate_and_is_seeded():
    scored = _scored()
    table = metric_table(scored, "ranking", bootstrap=200, seed=3)
    assert set(table["system"]) == {"tfidf", "bi_encoder", "first_stage", "cross_encoder", "final"}
    finite = table.dropna()
    assert (finite["low"] <= finite["value"] + 1e-9).all()
    assert (finite["value"] <= finite["high"] + 1e-9).all()
    assert (finite["high"] - finite["low"] > 0).any()
    again = metric_table(scored, "ranking", bootstrap=200, seed=3)
    pd.testing.assert_frame_equal(table, again)
    other = metric_table(scored, "ranking", bootstrap=200, seed=4)
    assert not other["low"].equals(table["low"])
    auc = table.set_index(["system", "metric"])["value"]
    assert auc[("final", "roc_auc")] > auc[("bi_encoder", "roc_auc")]
    assert "map" not in set(metric_table(scored, "pairs", bootstrap=10)["metric"])


def test_reliability_and_band_tables():
    scores = np.array([5.0, 15.0, 15.0, 85.0, 95.0, 75.0])
    relevant = np.array([False, False, True, True, True, False])
    table = reliability_table(scores, relevant)
    assert table["pairs"].tolist() == [1, 2, 1, 1, 1]
    assert table["match_rate"].tolist() == [0.0, 50.0, 0.0, 100.0, 100.0]
    # |5-0|*1 + |15-50|*2 + |75-0| + |85-100| + |95-100| over 6 pairs
    assert expected_calibration_error(table) == pytest.approx((5 + 70 + 75 + 15 + 5) / 6)
    bands = band_table(scores, relevant)
    assert bands["band"].tolist() == ["strong", "weak"]
    assert bands["pairs"].tolist() == [3, 3]


def test_read_pairs_accepts_text_or_files(tmp_path):
    (tmp_path / "cv.txt").write_text("Data engineer: Spark, SQL", encoding="utf-8")
    frame = pd.DataFrame(
        {
            "cv_file": ["cv.txt", "Chef: menus and kitchen"],
            "offer_text": ["Spark data engineer", "Spark data engineer"],
            "score": [0.9, 0.1],
        }
    )
    frame.to_csv(tmp_path / "pairs.csv", index=False)
    labelled = read_pairs(tmp_path / "pairs.csv")
    assert isinstance(labelled, LabelledSet) and labelled.kind == "pairs"
    assert sorted(labelled.cvs.values()) == ["Chef: menus and kitchen", "Data engineer: Spark, SQL"]
    assert len(labelled.offers) == 1
    assert labelled.judgements["label"].tolist() == [0.9, 0.1]
    json.dumps(labelled.judgements.to_dict())  # plain values
