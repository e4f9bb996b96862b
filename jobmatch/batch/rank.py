"""Many CVs ranked against one offer set on Ray, each with the results of ``rank``.

The driver prepares the offer set once (:func:`~jobmatch.batch.embed.prepare_offers`: missing
vectors embedded on Ray Data, chunk matrices and feature index read or built in the cache
folder, where ``rank`` keeps them), puts it in Ray's object store as arrays, and starts one
ranking actor per worker; each loads the models once and holds the offer set (the arrays
shared, not copied, by the workers of one machine). The CV files are cut, in the order given,
into shards of ``shard_size``; an actor extracts and ranks a shard's CVs with the same ranker,
reranker and calibration as :func:`jobmatch.pipeline.rank_documents`. The driver writes each
shard as it comes back (``shard-00000.parquet``…, atomically), then its CVs and scores to the
database, so memory holds only the shards in flight.

Resuming: ``manifest.json`` in the output folder records the CV files (size and modification
time), the offers and the options; run again on the same folder, a batch skips every shard
already written (its scores are read back into the new run) and ranks the others. A folder
holding another batch is refused. A worker that dies is restarted and the shard it held
ranked again (:data:`~jobmatch.batch.cluster.MAX_RETRIES` times at most); a shard reaches the
folder and the database once, whole.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import ray
from ray.util import ActorPool

from jobmatch.artifacts import atomic_write_bytes, atomic_write_text
from jobmatch.batch.cluster import MAX_RETRIES, cluster_cpus, ray_session, resolved_address
from jobmatch.batch.embed import PreparedOffers, VectorStore, prepare_offers, worker_embedder
from jobmatch.batch.pgvector_store import PgvectorIndex, PgvectorStore, require_postgresql
from jobmatch.config import Settings
from jobmatch.documents import DocumentError, ExtractedDocument, extract_document
from jobmatch.embeddings import Embedder, EmbeddingCache, embed_documents, load_embedder
from jobmatch.embeddings.index import ANN_THRESHOLD, HnswIndex, VectorIndex
from jobmatch.embeddings.offer_matrix import ChunkMatrix
from jobmatch.errors import JobmatchError
from jobmatch.matching.features import OfferSetIndex
from jobmatch.matching.learned import LearnedRanker
from jobmatch.matching.ranking import FirstStageRanker, StageProgress
from jobmatch.matching.reranking import load_reranker, rerank_matches
from jobmatch.offers import Offer
from jobmatch.pipeline import TIMINGS_FILE, StageTimer, score_rows
from jobmatch.storage import Database
from jobmatch.text import model_view

MANIFEST_FILE = "manifest.json"
#: The run's summary, beside its ``timings.json`` under ``runs/<run-id>/``.
SUMMARY_FILE = "batch.json"
#: Bump when the manifest or the shard files change: an older batch folder is refused.
BATCH_FORMAT = 1
DEFAULT_SHARD_SIZE = 8
#: The progress stage of the shards.
SHARDS_STAGE = "Shards"
#: The score columns of ``rank``'s output kept in the shard files, after ``cv_file`` (the CV's
#: path as given) and ``cv_id`` (its id in the database); ``bi_score[<model>]`` columns follow
#: when several models are fused.
SCORE_COLUMNS = (
    "offer_id",
    "rank",
    "final_score",
    "band",
    "cross_score",
    "first_stage_score",
    "lexical_score",
    "bi_score",
)


class BatchError(JobmatchError, ValueError):
    """A batch cannot run as asked; the message says why."""


def shard_path(out: Path, shard: int) -> Path:
    """The file of shard number ``shard`` in the output folder."""
    return out / f"shard-{shard:05d}.parquet"


def read_batch(out: Path) -> pd.DataFrame:
    """Every shard written in ``out``, in shard order, as one frame."""
    frames = [pd.read_parquet(path) for path in sorted(out.glob("shard-*.parquet"))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@dataclass
class _SharedOffersRanker(FirstStageRanker):
    """A :class:`FirstStageRanker` of one offer set whose feature index and chunk matrices
    were made by the driver (and came through the object store) instead of being read from
    this machine's cache folder. Rank only that set's offers with it."""

    offer_index: OfferSetIndex = field(kw_only=True)
    matrices: Mapping[str, ChunkMatrix] = field(kw_only=True)

    def _offer_index(self, offers: Sequence[Offer], texts: tuple[str, ...]) -> OfferSetIndex:
        if len(offers) != len(self.offer_index):
            raise ValueError("these are not the offers of the shared offer set")
        self._index = (texts, self.offer_index)  # rank() reads the index it used from here
        return self.offer_index

    def _matrix(
        self, embedder: Embedder, texts: tuple[str, ...], progress: StageProgress | None
    ) -> ChunkMatrix:
        return self.matrices[embedder.name]


class _SharedMatrix(ChunkMatrix):
    """A chunk matrix from the object store whose nearest-neighbour index comes from
    ``make_index`` on first use (the driver's FAISS graph, or pgvector) rather than being
    built here; without one, the default."""

    def __init__(
        self,
        vectors: np.ndarray,
        starts: np.ndarray,
        make_index: Callable[[], VectorIndex] | None,
    ) -> None:
        super().__init__(vectors, starts)
        self._make_index = make_index
        self._made: VectorIndex | None = None

    def ann_index(self) -> VectorIndex:
        if self._make_index is None:
            return super().ann_index()
        if self._made is None:
            self._made = self._make_index()
        return self._made


def _graph_bytes(matrix: ChunkMatrix) -> np.ndarray:
    """The matrix's FAISS graph (read or built beside it) as the bytes of its file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "graph.faiss"
        matrix.ann_index().write(path)
        return np.fromfile(path, dtype=np.uint8)


def _read_graph(data: np.ndarray) -> HnswIndex:
    """A FAISS graph from the bytes of its file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "graph.faiss"
        data.tofile(path)
        return HnswIndex.read(path)


def _pgvector_index(
    url: str, model: str, keys: list[str], starts: np.ndarray, dim: int
) -> VectorIndex:
    """The matrix rows of these offers, searched in the PostgreSQL database at ``url``."""
    return PgvectorIndex(PgvectorStore(Database(url), model, dim), keys, starts)


@dataclass(frozen=True)
class _SharedOffers:
    """A prepared offer set as the object store carries it: arrays, shared by the workers
    of a machine.

    Args:
        index: The feature index's bytes (:meth:`OfferSetIndex.to_bytes`).
        vectors: Embedder name → the chunk matrix's rows (float16, as saved).
        starts: Embedder name → the matrix's first row of each offer.
        graphs: Embedder name → its FAISS graph's bytes, for a set on the large-set path.
        pgvector_url: The PostgreSQL database searched instead of graphs, or ``""``.
        keys: Embedder name → each offer's cache key, with ``pgvector_url``.
    """

    index: np.ndarray
    vectors: dict[str, np.ndarray]
    starts: dict[str, np.ndarray]
    graphs: dict[str, np.ndarray] = field(default_factory=dict)
    pgvector_url: str = ""
    keys: dict[str, list[str]] = field(default_factory=dict)

    def matrix(self, embedder: Embedder) -> ChunkMatrix:
        """The embedder's chunk matrix, with its nearest-neighbour index if it was sent."""
        name = embedder.name
        vectors, starts = self.vectors[name], self.starts[name]
        make_index: Callable[[], VectorIndex] | None = None
        if self.pgvector_url:
            make_index = partial(
                _pgvector_index, self.pgvector_url, name, self.keys[name], starts, vectors.shape[1]
            )
        elif name in self.graphs:
            make_index = partial(_read_graph, self.graphs[name])
        return _SharedMatrix(vectors, starts, make_index)


def _share(
    prepared: PreparedOffers,
    embedders: Sequence[Embedder],
    large: bool,
    pgvector: Database | None,
) -> _SharedOffers:
    """The prepared set's arrays and, on the large-set path, the FAISS graphs or (with a
    ``pgvector`` database, which holds the vectors) the offers' cache keys."""
    matrices = prepared.matrices
    shared = _SharedOffers(
        index=np.frombuffer(prepared.index.to_bytes(), dtype=np.uint8),
        vectors={name: np.asarray(m.vectors, dtype=np.float16) for name, m in matrices.items()},
        starts={name: matrix.starts for name, matrix in matrices.items()},
    )
    if pgvector is not None:
        url = pgvector.engine.url.render_as_string(hide_password=False)
        keys = {embedder.name: prepared.keys(embedder) for embedder in embedders}
        return replace(shared, pgvector_url=url, keys=keys)
    if large:
        return replace(shared, graphs={n: _graph_bytes(m) for n, m in matrices.items()})
    return shared


@dataclass(frozen=True)
class _RankOptions:
    """What every ranking actor does with a CV (sent once, when it starts)."""

    settings: Settings
    models: tuple[str, ...]
    reranker: str
    rerank_top_k: int
    top_k: int
    ann_threshold: int


@dataclass(frozen=True)
class _ShardResult:
    """A ranked shard, as an actor hands it back.

    Args:
        shard: Its number.
        frame: ``cv_file`` then :data:`SCORE_COLUMNS` for every CV ranked.
        documents: CV file → the extracted CV (stored by the driver).
        skipped: CV file → why it could not be read.
        timings: Seconds per stage (``extraction``, ``first stage``, ``reranking``; with a
            worker's first shard, ``worker start``: loading the models and the offer set).
    """

    shard: int
    frame: pd.DataFrame
    documents: dict[str, ExtractedDocument]
    skipped: dict[str, str]
    timings: dict[str, float]


@ray.remote(num_cpus=1, max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES)
class _ShardRanker:
    """A worker: the models and the offer set, loaded once, ranking shard after shard."""

    def __init__(self, options: _RankOptions, offers: list[Offer], shared: _SharedOffers) -> None:
        started = time.perf_counter()
        self.options = options
        self.offers = offers
        self.texts = {offer.id: offer.text for offer in offers}
        self.embedders = [worker_embedder(model) for model in options.models]
        self.cache = EmbeddingCache(options.settings.cache_dir / "embeddings.sqlite3")
        self.reranker = load_reranker(options.reranker) if options.rerank_top_k else None
        self.ranker = _SharedOffersRanker(
            self.embedders,
            cache=self.cache,
            ann_threshold=options.ann_threshold,
            offer_index=OfferSetIndex.from_bytes(shared.index.tobytes()),
            matrices={embedder.name: shared.matrix(embedder) for embedder in self.embedders},
            model=LearnedRanker.load(),
        )
        for embedder in self.embedders:  # load the weights now: stage timings are ranking
            embedder.encode(["warm-up"], "query")
        #: Seconds this worker took to start, reported with its first shard.
        self.start_seconds = time.perf_counter() - started

    def rank(self, shard: int, cvs: list[tuple[str, bytes]]) -> _ShardResult:
        """Extract and rank the CVs ``(file, bytes)`` of one shard."""
        timer = StageTimer()
        timer.seconds["worker start"], self.start_seconds = self.start_seconds, 0.0
        frames, documents, skipped = [], {}, {}
        for file, data in cvs:
            with timer.stage("extraction"):
                try:
                    document = extract_document(
                        data, filename=Path(file).name, settings=self.options.settings
                    )
                except DocumentError as exc:
                    skipped[file] = str(exc)
                    continue
            with timer.stage("first stage"):
                # The CV's vectors go through the cache first, so the ranking reads them as
                # ``rank`` does for a CV it has seen: rounded to float16.
                for embedder in self.embedders:
                    embed_documents(
                        embedder, [model_view(document.text)], role="query", cache=self.cache
                    )
                frame = self.ranker.rank(document.text, self.offers)
            with timer.stage("reranking"):
                frame = rerank_matches(
                    frame, document.text, self.texts, self.reranker, self.options.rerank_top_k
                )
            if self.options.top_k:
                frame = frame[frame["rank"] <= self.options.top_k]
            frame = frame[
                [c for c in frame.columns if c in SCORE_COLUMNS or c.startswith("bi_score[")]
            ]
            frame.insert(0, "cv_file", file)
            frames.append(frame)
            documents[file] = document
        frame = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=["cv_file", *SCORE_COLUMNS])
        )
        return _ShardResult(shard, frame, documents, skipped, timer.seconds)


@dataclass(frozen=True)
class BatchRankRun:
    """A finished batch rank.

    Args:
        run_id: The run's id in the database (kind ``batch-rank``).
        out: The folder of the shard files.
        shards: Shards in the batch.
        resumed: Shards found written by an earlier run (not ranked again).
        ranked: CVs ranked by this run.
        skipped: CV file → why it could not be read (this run's shards).
        warnings: What the user should know about CVs ranked (hidden text…).
        rows: Score rows written by this run.
        workers: Ranking actors.
        timings: Seconds per stage, also in the run's ``timings.json``; the workers' stages
            are summed over them.
    """

    run_id: str
    out: Path
    shards: int
    resumed: int
    ranked: int
    skipped: dict[str, str]
    warnings: list[str]
    rows: int
    workers: int
    timings: dict[str, float]


def _offers_digest(offers: Sequence[Offer]) -> str:
    digest = hashlib.sha256()
    for offer in offers:
        digest.update(json.dumps(offer.to_record(), sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def _claim(out: Path, manifest: dict) -> None:
    """Write the batch's manifest in ``out``, or check that it is the one already there."""
    path = out / MANIFEST_FILE
    if path.is_file():
        if json.loads(path.read_text(encoding="utf-8")) != manifest:
            raise BatchError(
                f"{out} holds another batch (other CVs, offers or options): give an empty "
                "folder, or the same command to resume that batch."
            )
        return
    if any(out.glob("shard-*.parquet")):
        raise BatchError(f"{out} holds shard files but no {MANIFEST_FILE}: give an empty folder.")
    atomic_write_text(path, json.dumps(manifest, indent=1))


def _read_cvs(paths: Sequence[Path], limit: int) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """The files' bytes (at most ``limit + 1``: a larger file is refused by extraction), and
    why each one that cannot be read was not."""
    cvs, skipped = [], {}
    for path in paths:
        try:
            with path.open("rb") as handle:
                cvs.append((str(path), handle.read(limit + 1)))
        except OSError as exc:
            skipped[str(path)] = f"cannot be read: {exc.strerror or exc}"
    return cvs, skipped


def _store_scores(database: Database, run_id: str, frame: pd.DataFrame) -> None:
    """A shard's scores in the database, as ``rank`` stores them."""
    database.add_scores(
        run_id,
        [
            row
            for cv_id, rows in frame.groupby("cv_id", sort=False)
            for row in score_rows(str(cv_id), rows)
        ],
    )


def _write_shard(database: Database, run_id: str, out: Path, result: _ShardResult) -> int:
    """Store the shard's CVs, write its file, then its scores; returns its rows."""
    ids = {
        file: database.add_cv(document.name, document.text, document.sha256, document.file_type)
        for file, document in result.documents.items()
    }
    frame = result.frame
    frame.insert(1, "cv_id", frame["cv_file"].map(ids))
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    atomic_write_bytes(shard_path(out, result.shard), buffer.getvalue())
    _store_scores(database, run_id, frame)
    return len(frame)


def rank_cvs(
    cv_files: Sequence[Path],
    offers: Sequence[Offer],
    out: Path,
    *,
    settings: Settings,
    database: Database,
    models: Sequence[str] | None = None,
    reranker: str | None = None,
    rerank_top_k: int | None = None,
    top_k: int = 0,
    workers: int | None = None,
    shard_size: int = DEFAULT_SHARD_SIZE,
    vector_store: VectorStore = "faiss",
    ann_threshold: int = ANN_THRESHOLD,
    offers_source: str = "",
    ray_address: str | None = None,
    progress: StageProgress | None = None,
) -> BatchRankRun:
    """Rank ``offers`` for every CV file on Ray; recorded as a ``batch-rank`` run.

    Each CV's rows are those of ``rank`` for it (same ranks and scores; the score columns
    only, see :data:`SCORE_COLUMNS`), written to ``out/shard-NNNNN.parquet`` and to the
    database (CVs, offers and scores, as ``rank`` stores them).

    Args:
        cv_files: CV files (PDF, DOCX, TXT), read by the driver and sent to the workers.
        offers: The offer set (at least one offer).
        out: The folder of the shard files and ``manifest.json`` (created).
        settings: The cache and runs folders, and the defaults below.
        database: Where the run, CVs, offers and scores are stored.
        models: Embedders by name. Default ``settings.embedders``.
        reranker: Cross-encoder name (see :func:`~jobmatch.matching.reranking.load_reranker`).
            Default ``settings.reranker``.
        rerank_top_k: Offers reranked per CV. Default ``settings.rerank_top_k`` (0: none).
        top_k: Keep the best ``top_k`` offers per CV, in the shard files and the database
            (``rank`` keeps every offer in the database). Default 0: every offer.
        workers: Ranking actors. Default one per CPU of the Ray cluster.
        shard_size: CVs per shard. Default :data:`DEFAULT_SHARD_SIZE` (8).
        vector_store: Nearest-neighbour search on the large-set path (above
            ``ann_threshold`` offers): ``"faiss"`` (the graph the driver reads or builds
            beside its chunk matrix, sent to the workers) or ``"pgvector"`` (the PostgreSQL
            database). Default ``"faiss"``.
        ann_threshold: See :class:`FirstStageRanker`. Default
            :data:`~jobmatch.embeddings.index.ANN_THRESHOLD` (50,000).
        offers_source: Where the offers came from, stored with them. Default ``""``.
        ray_address: The Ray cluster (see :func:`~jobmatch.batch.cluster.ray_session`).
            Default ``JOBMATCH_RAY_ADDRESS``, else a local instance.
        progress: ``(stage, done, total)`` callback; the shards are :data:`SHARDS_STAGE`.

    Raises:
        BatchError: No CV or offer, or ``out`` holds another batch.
        PgvectorUnavailable: ``"pgvector"`` on a database that cannot have it.
    """
    if not cv_files or not offers:
        raise BatchError("A batch needs at least one CV and one offer.")
    if shard_size < 1 or top_k < 0 or (workers is not None and workers < 1):
        raise BatchError("shard size and workers must be positive, top-k 0 or positive.")
    if vector_store == "pgvector":
        require_postgresql(database)
    models = list(settings.embedders if models is None else models)
    reranker = settings.reranker if reranker is None else reranker
    rerank_top_k = settings.rerank_top_k if rerank_top_k is None else rerank_top_k
    options = _RankOptions(settings, tuple(models), reranker, rerank_top_k, top_k, ann_threshold)
    shards = [list(cv_files[i : i + shard_size]) for i in range(0, len(cv_files), shard_size)]
    manifest = {
        "format": BATCH_FORMAT,
        "offers": _offers_digest(offers),
        "options": {
            "models": models,
            "reranker": reranker if rerank_top_k else "",
            "rerank_top_k": rerank_top_k,
            "top_k": top_k,
            "vector_store": vector_store,
            "ann_threshold": ann_threshold,
        },
        "shards": [
            [[str(path), path.stat().st_size, path.stat().st_mtime_ns] for path in shard]
            for shard in shards
        ],
    }
    out.mkdir(parents=True, exist_ok=True)
    _claim(out, manifest)
    written = [shard for shard in range(len(shards)) if shard_path(out, shard).is_file()]
    todo = [shard for shard in range(len(shards)) if shard not in written]
    params = {
        "cvs": len(cv_files),
        "offers": offers_source,
        "out": str(out),
        **manifest["options"],
        "shard_size": shard_size,
        "ray_address": resolved_address(ray_address) or "local",
    }
    timer = StageTimer()
    ranked, rows, skipped, warnings = 0, 0, {}, []
    with ray_session(ray_address), database.recorded_run("batch-rank", params) as run_id:
        workers = min(workers or cluster_cpus(), max(len(todo), 1))
        with timer.stage("storage"):
            database.upsert_offers(offers, source=offers_source)
            for shard in written:
                _store_scores(database, run_id, pd.read_parquet(shard_path(out, shard)))
        if progress is not None:
            progress(SHARDS_STAGE, len(written), len(shards))
        if todo:
            embedders = {model: load_embedder(model) for model in models}
            large = bool(models) and len(offers) > ann_threshold
            pgvector = database if large and vector_store == "pgvector" else None
            cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
            try:
                prepared = prepare_offers(
                    offers,
                    embedders,
                    cache,
                    workers=workers,
                    timer=timer,
                    database=pgvector,
                    progress=progress,
                )
                with timer.stage("offers to workers"):
                    shared = _share(prepared, list(embedders.values()), large, pgvector)
                    shared_ref, offers_ref = ray.put(shared), ray.put(list(offers))
                del prepared, shared
            finally:
                cache.close()
            actors = [_ShardRanker.remote(options, offers_ref, shared_ref) for _ in range(workers)]

            def submit(actor: ray.actor.ActorHandle, shard: int) -> ray.ObjectRef:
                cvs, unreadable = _read_cvs(shards[shard], settings.max_upload_bytes)
                skipped.update(unreadable)
                return actor.rank.remote(shard, cvs)

            try:
                for result in ActorPool(actors).map_unordered(submit, todo):
                    with timer.stage("storage"):
                        rows += _write_shard(database, run_id, out, result)
                    for stage, seconds in result.timings.items():
                        timer.seconds[stage] = timer.seconds.get(stage, 0.0) + seconds
                    ranked += len(result.documents)
                    skipped.update(result.skipped)
                    warnings += [
                        f"{file}: {warning}"
                        for file, document in result.documents.items()
                        for warning in document.warnings
                    ]
                    written.append(result.shard)
                    if progress is not None:
                        progress(SHARDS_STAGE, len(written), len(shards))
            finally:
                for actor in actors:
                    ray.kill(actor)
        folder = settings.runs_dir / run_id
        summary = {
            "out": str(out),
            "shards": len(shards),
            "resumed": len(shards) - len(todo),
            "ranked": ranked,
            "skipped": skipped,
            "rows": rows,
            "workers": workers,
        }
        atomic_write_text(folder / SUMMARY_FILE, json.dumps(summary, indent=2))
        atomic_write_text(folder / TIMINGS_FILE, json.dumps(timer.seconds, indent=2))
    return BatchRankRun(
        run_id=run_id,
        out=out,
        shards=len(shards),
        resumed=len(shards) - len(todo),
        ranked=ranked,
        skipped=skipped,
        warnings=warnings,
        rows=rows,
        workers=workers,
        timings=timer.seconds,
    )
