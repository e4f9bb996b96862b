"""Reranker training: pairs mined from real data, the pairs file, and a short real training run."""

from __future__ import annotations

import gzip
import json

import pytest

from jobmatch.matching.reranker_training import (
    TrainingConfig,
    TrainingPair,
    main,
    pair_auc,
    read_pairs,
    write_pairs,
)
from jobmatch.matching.reranking import CrossEncoderReranker

PAIRS = [
    TrainingPair(
        "t",
        "q1",
        "d1",
        "hard_positive",
        1.0,
        "Data scientist, Python, SQL",
        "Data scientist (H/F): Python, machine learning, SQL",
    ),
    TrainingPair(
        "t",
        "q1",
        "d2",
        "hard_negative",
        0.0,
        "Data scientist, Python, SQL",
        "Chef de cuisine: menus, HACCP, brigade",
    ),
    TrainingPair(
        "t",
        "q2",
        "d2",
        "positive",
        1.0,
        "Cuisinier, HACCP",
        "Chef de cuisine: menus, HACCP, brigade",
    ),
    TrainingPair(
        "t",
        "q2",
        "d1",
        "negative",
        0.0,
        "Cuisinier, HACCP",
        "Data scientist (H/F): Python, machine learning, SQL",
    ),
]


def test_pairs_file_round_trips_and_stores_each_text_once(tmp_path):
    path = write_pairs(tmp_path / "pairs.json.gz", PAIRS)
    assert read_pairs(path) == PAIRS
    assert path.stat().st_size < sum(len(p.query) + len(p.document) for p in PAIRS)

    bad = tmp_path / "bad.json.gz"
    with gzip.open(bad, "wt") as handle:
        json.dump({"format": 0, "texts": [], "pairs": []}, handle)
    with pytest.raises(ValueError, match="format"):
        read_pairs(bad)


@pytest.mark.slow
def test_a_short_training_run_writes_a_loadable_cross_encoder(tmp_path):
    pairs = write_pairs(tmp_path / "pairs.json.gz", PAIRS)
    out = tmp_path / "model"
    code = main(
        [
            "--pairs", str(pairs), "--eval-pairs", str(pairs), "--out", str(out),
            "--epochs", "2", "--batch-size", "4", "--max-length", "48", "--learning-rate", "1e-4",
        ]
    )  # fmt: skip
    assert code == 0
    metrics = json.loads((out / "training_metrics.json").read_text())
    assert metrics["steps"] == 2 and metrics["pairs"] == 4
    assert 0.0 <= metrics["eval_pairs_auc"] <= 1.0
    assert metrics["config"]["max_length"] == 48

    reranker = CrossEncoderReranker(str(out))  # the app's loader reads it, window included
    logits = reranker.logits([(PAIRS[0].query, PAIRS[0].document)])
    assert logits.shape == (1,)
    config = TrainingConfig(max_length=48)
    assert pair_auc(out, PAIRS, config) == metrics["eval_pairs_auc"]


def test_mined_pairs_respect_labels_and_splits(shared_data):
    from jobmatch.matching.train import build_training_pairs, france_travail_items

    pairs = build_training_pairs(shared_data, n_queries=6, seed=0)
    assert pairs and {p.source for p in pairs} == {"france_travail", "livecareer"}
    assert {p.kind for p in pairs} <= {"hard_positive", "positive", "hard_negative", "negative"}
    assert all(p.label == float(p.kind.endswith("positive")) for p in pairs)
    assert all(p.query_id != p.document_id for p in pairs)
    items = {item.id: item for item in france_travail_items(shared_data)}
    for pair in (p for p in pairs if p.source == "france_travail"):
        query, document = items[pair.query_id], items[pair.document_id]
        assert query.split == document.split == "train"  # never calib or test items
        assert (query.label == document.label) == (pair.label == 1.0)
        if pair.label == 0.0:
            assert query.group != document.group  # same ROME label is never a negative
