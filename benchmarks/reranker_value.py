"""Does the bundled cross-encoder raise the learned first stage's AP on CV–offer pairs?

Usage: ``python -m benchmarks.reranker_value [--top-k 20] [--cache DIR]``

On the test split of pfe2025 (real English CVs against 233 real postings, relevant = same
domain; ``docs/ranking.md``), each CV's best ``top-k`` postings by the learned score are read
by the bundled cross-encoder. Printed: mean per-CV average precision over all postings
(near-domain ones left out) for the learned score alone, for the top-k reordered by the
cross-encoder alone, and for ``logit(p) + w · cross logit`` with several weights ``w``, each
with a 95 % bootstrap interval over CVs. Needs ``../shared/data``; the feature table is the
one ``python -m jobmatch.train ranker`` saved in ``--cache`` (computed there if missing).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path

import numpy as np

from jobmatch.config import Settings
from jobmatch.matching.calibration import first_stage_logit
from jobmatch.matching.evaluation import average_precision
from jobmatch.matching.learned import LearnedRanker
from jobmatch.matching.ranker_data import NEAR, pfe2025_tasks
from jobmatch.matching.ranker_training import FEATURES_FILE, bootstrap_interval
from jobmatch.matching.reranking import load_reranker

WEIGHTS = (0.25, 0.5, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top-k", type=int, default=20)
    parser.add_argument("--cache", type=Path, default=Settings().cache_dir)
    args = parser.parse_args()
    import pandas as pd

    table = pd.read_csv(args.cache / FEATURES_FILE, dtype={"query_id": str, "digest": str})
    table = table[(table["dataset"] == "pfe2025-domain") & (table["split"] == "test")]
    tasks = {t.query_id: t for t in pfe2025_tasks(Settings().shared_data_dir)}
    model, reranker = LearnedRanker.load(), load_reranker("bundled")
    results: dict[str, list[float]] = {"learned": [], "cross-encoder order of the top-k": []}
    results |= {f"logit + {w:g} x cross": [] for w in WEIGHTS}
    for query_id, rows in table.groupby("query_id"):
        labels = rows["label"].to_numpy()
        if not (labels == 1).any():
            continue
        task = tasks[query_id]
        learned = 100 * model.dense.probability(rows)
        top = np.argsort(-learned, kind="stable")[: args.top_k]
        pairs = [(task.query, task.offers[int(rows["position"].iloc[i])].text) for i in top]
        cross = reranker.logits(pairs)
        judged = labels != NEAR
        base = first_stage_logit(learned)
        results["learned"].append(average_precision(labels[judged] == 1, base[judged]))
        reordered = base.copy()
        reordered[top] = base.max() + 1 + cross  # the top-k first, in the cross-encoder's order
        results["cross-encoder order of the top-k"].append(
            average_precision(labels[judged] == 1, reordered[judged])
        )
        for weight in WEIGHTS:
            combined = base.copy()
            combined[top] = base[top] + weight * cross
            results[f"logit + {weight:g} x cross"].append(
                average_precision(labels[judged] == 1, combined[judged])
            )
    for name, values in results.items():
        low, high = bootstrap_interval(np.array(values))
        print(f"{name:36s} AP {np.mean(values):.3f} [{low:.3f}–{high:.3f}] ({len(values)} CVs)")


if __name__ == "__main__":
    main()
