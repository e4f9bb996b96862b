"""The ranking stage end to end: offers and CV documents in, a recorded run and its CSV out.

Shared by the CLI and the app so both store the same things in the same places.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from jobmatch.artifacts import atomic_write_csv, atomic_write_text
from jobmatch.config import Settings
from jobmatch.documents import ExtractedDocument
from jobmatch.embeddings import Embedder, EmbeddingCache
from jobmatch.matching.ranking import FirstStageRanker, StageProgress
from jobmatch.matching.reranking import Reranker, load_reranker, rerank_matches
from jobmatch.offers import Offer, unique_labels
from jobmatch.storage import Database, ScoreRow

MATCHES_FILE = "matches.csv"
TIMINGS_FILE = "timings.json"


class StageTimer:
    """Seconds spent per named stage, summed over the CVs of a run."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the ``with`` block and add it to ``name``'s total."""
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed


@dataclass(frozen=True)
class RankRun:
    """A finished ranking run.

    Args:
        run_id: The run's id in the database and its folder name under ``runs/``.
        matches: All offers for every CV: a ``cv_id`` column, then the ranking columns.
        artifact: The run's ``matches.csv``.
        timings: Seconds per stage (``first stage``, ``reranking``, ``storage``), also written
            to the run's ``timings.json``.
    """

    run_id: str
    matches: pd.DataFrame
    artifact: Path
    timings: dict[str, float] = field(default_factory=dict)


def cv_labels(documents: Sequence[ExtractedDocument]) -> list[str]:
    """The ``cv_id`` shown for each CV: its file stem, or its file name where stems collide
    (``cv.pdf`` and ``cv.txt``), with ``~2``, ``~3``… where even names repeat."""
    stems = [Path(document.name).stem for document in documents]
    names = stems if len(set(stems)) == len(stems) else [d.name for d in documents]
    return unique_labels(names)


def score_rows(cv_id: str, frame: pd.DataFrame) -> list[ScoreRow]:
    """The database rows of one CV's ranking (output of :func:`rank_documents`'s ranker)."""
    return [
        ScoreRow(
            cv_id=cv_id,
            offer_id=str(row.offer_id),
            rank=int(row.rank),
            lexical_score=float(row.lexical_score),
            bi_score=None if pd.isna(row.bi_score) else float(row.bi_score),
            final_score=float(row.final_score),
            cross_score=None if pd.isna(row.cross_score) else float(row.cross_score),
            extra={"first_stage_score": float(row.first_stage_score), "band": row.band},
        )
        for row in frame.itertuples()
    ]


def rank_documents(
    documents: Sequence[ExtractedDocument],
    offers: Sequence[Offer],
    *,
    settings: Settings,
    database: Database,
    embedders: Sequence[Embedder],
    reranker: Reranker | Literal["settings"] | None = "settings",
    rerank_top_k: int | None = None,
    offers_source: str = "",
    progress: StageProgress | None = None,
    explain_features: bool = False,
) -> RankRun:
    """Rank ``offers`` for each CV document and record everything.

    The first stage scores every offer; the cross-encoder rescores its ``rerank_top_k`` best
    (batched), and every offer gets the calibrated ``final_score`` and its ``band`` (see
    :func:`jobmatch.matching.reranking.rerank_matches`). Offers and CVs are stored in the database,
    every score row is committed per CV as soon as it is computed, and
    ``runs/<run-id>/matches.csv`` is written atomically at the end.

    Args:
        documents: Extracted CVs.
        offers: Offers to rank; every one appears once per CV.
        settings: Paths and defaults.
        database: Where offers, CVs, the run and its scores are stored.
        embedders: Bi-encoders to fuse (none: lexical only).
        reranker: Cross-encoder for the best offers, ``None`` for the first stage only.
            Default ``"settings"``: ``settings.reranker`` (the bundled offline model).
        rerank_top_k: Offers reranked per CV. Default ``settings.rerank_top_k``.
        offers_source: Where the offers came from, stored with them. Default ``""``.
        progress: Optional ``(stage, done, total)`` callback.
        explain_features: Add the learned model's features as ``feature[<name>]`` columns.
            Default ``False``.

    Returns:
        The run.
    """
    top_k = settings.rerank_top_k if rerank_top_k is None else rerank_top_k
    if reranker == "settings":
        reranker = load_reranker(settings.reranker) if top_k else None
    texts = {offer.id: offer.text for offer in offers}
    database.upsert_offers(offers, source=offers_source)
    params = {
        "cvs": [d.name for d in documents],
        "offers": offers_source,
        "models": [e.name for e in embedders],
        "reranker": reranker.name if reranker is not None else "",
        "rerank_top_k": top_k,
    }
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    timer = StageTimer()
    with database.recorded_run("rank", params) as run_id:
        try:
            ranker = FirstStageRanker(embedders, cache=cache, explain_features=explain_features)
            frames = []
            labels = cv_labels(documents)
            for number, (document, label) in enumerate(
                zip(documents, labels, strict=True), start=1
            ):
                with timer.stage("storage"):
                    cv_id = database.add_cv(
                        document.name, document.text, document.sha256, document.file_type
                    )
                with timer.stage("first stage"):
                    frame = ranker.rank(document.text, offers, progress=progress)
                with timer.stage("reranking"):
                    frame = rerank_matches(frame, document.text, texts, reranker, top_k).drop(
                        columns="cross_logit"
                    )
                with timer.stage("storage"):
                    database.add_scores(run_id, score_rows(cv_id, frame))
                frame.insert(0, "cv_id", label)
                frames.append(frame)
                if progress is not None:
                    progress("CVs", number, len(documents))
            matches = pd.concat(frames, ignore_index=True)
            folder = settings.runs_dir / run_id
            atomic_write_text(folder / TIMINGS_FILE, json.dumps(timer.seconds, indent=2))
            artifact = atomic_write_csv(folder / MATCHES_FILE, matches)
        finally:
            cache.close()
    return RankRun(run_id=run_id, matches=matches, artifact=artifact, timings=timer.seconds)


def load_rank_run(settings: Settings, run_id: str) -> RankRun | None:
    """A finished ranking run read back from ``runs/<run-id>/`` (``None`` if it has no matches).

    Lets a reloaded page or a second browser tab find a run again.
    """
    folder = settings.runs_dir / run_id
    artifact = folder / MATCHES_FILE
    if not run_id.isalnum() or not artifact.is_file():  # ids are hex: never a path
        return None
    matches = pd.read_csv(artifact, dtype={"cv_id": str, "offer_id": str})
    timings_path = folder / TIMINGS_FILE
    timings = json.loads(timings_path.read_text("utf-8")) if timings_path.is_file() else {}
    return RankRun(run_id=run_id, matches=matches, artifact=artifact, timings=timings)
