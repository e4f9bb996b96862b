"""First-stage ranking: lexical and dense similarities of a CV with every offer, fused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from jobmatch.embeddings import Embedder, EmbeddingCache, embed_documents, mean_vector
from jobmatch.lexical import LexicalScorer
from jobmatch.offers import Offer
from jobmatch.scoring import LEXICAL, anchors_for, fuse

#: How chunk vectors of a CV and an offer give one similarity.
#: ``"mean"``: cosine of the documents' mean vectors. ``"coverage"``: for each offer chunk, its
#: best-matching CV chunk, averaged over the offer's chunks (how much of the offer the CV covers).
Aggregation = Literal["mean", "coverage"]

#: Columns of the ranking output, in order (others follow).
RANK_COLUMNS = (
    "offer_id",
    "rank",
    "final_score",
    "lexical_score",
    "bi_score",
    "title",
    "company",
    "location",
    "url",
)

#: Called with (stage label, done, total).
StageProgress = Callable[[str, int, int], None]


def dense_similarity(
    cv_chunks: np.ndarray, offer_chunks: Sequence[np.ndarray], aggregation: Aggregation
) -> np.ndarray:
    """Raw cosine similarity of one CV with each offer from their chunk vectors.

    Args:
        cv_chunks: (n, dim) unit rows of the CV.
        offer_chunks: One (m_i, dim) unit-row matrix per offer.
        aggregation: See :data:`Aggregation`.

    Returns:
        One similarity per offer.
    """
    if not offer_chunks:
        return np.zeros(0)
    # All offers' chunks in one matrix, each offer a segment starting at ``starts``.
    counts = np.array([len(chunks) for chunks in offer_chunks])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    stacked = np.concatenate(offer_chunks)
    if aggregation == "mean":
        sums = np.add.reduceat(stacked, starts, axis=0)
        offers = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        return offers @ mean_vector(cv_chunks)
    best = (stacked @ cv_chunks.T).max(axis=1)
    return np.add.reduceat(best.astype(np.float64), starts) / counts


@dataclass
class FirstStageRanker:
    """Ranks offers for CVs by fusing TF-IDF with one or more bi-encoders.

    Args:
        embedders: Bi-encoders to fuse (may be empty: lexical only).
        cache: Embedding cache; offers embedded once are reused for every new CV, and the
            offers' TF-IDF index is saved beside it (``lexical/``). Default none.
        aggregation: How chunk vectors combine. Default ``"coverage"`` (measured best with
            the default model, see docs/ranking.md).
        lexical_weight: Share of the lexical signal in the fused score. Default from
            :mod:`jobmatch.scoring`.
    """

    embedders: Sequence[Embedder]
    cache: EmbeddingCache | None = None
    aggregation: Aggregation = "coverage"
    lexical_weight: float | None = None
    _lexical: tuple[tuple[str, ...], LexicalScorer] | None = field(
        default=None, init=False, repr=False
    )

    def _lexical_scorer(self, texts: tuple[str, ...]) -> LexicalScorer:
        """The TF-IDF model of these offers, fitted (or read from disk) once for all the CVs."""
        if self._lexical is None or self._lexical[0] != texts:
            scorer = (
                LexicalScorer.cached(texts, self.cache.path.parent / "lexical")
                if self.cache is not None
                else LexicalScorer(texts)
            )
            self._lexical = (texts, scorer)
        return self._lexical[1]

    def rank(
        self, cv_text: str, offers: Sequence[Offer], progress: StageProgress | None = None
    ) -> pd.DataFrame:
        """Score every offer for one CV.

        Args:
            cv_text: Clean CV text.
            offers: Offers to rank (each appears exactly once in the result).
            progress: Optional callback ``(stage, done, total)``.

        Returns:
            A frame sorted by ``final_score`` (ties keep input order) with the columns of
            :data:`RANK_COLUMNS`, one ``bi_score[<model>]`` column per model when several are
            fused, and the offers' extra columns.
        """
        if not offers:
            raise ValueError("No offers to rank.")
        texts = tuple(offer.text for offer in offers)
        lexical = self._lexical_scorer(texts).score(cv_text)
        percent: dict[str, np.ndarray] = {LEXICAL: anchors_for(LEXICAL).to_percent(lexical)}
        for embedder in self.embedders:
            offer_chunks = embed_documents(
                embedder,
                texts,
                role="passage",
                cache=self.cache,
                progress=(lambda d, t, n=embedder.name: progress(f"Embedding offers ({n})", d, t))
                if progress
                else None,
            )
            cv_chunks = embed_documents(embedder, [cv_text], role="query", cache=self.cache)[0]
            raw = dense_similarity(cv_chunks, offer_chunks, self.aggregation)
            percent[embedder.name] = anchors_for(f"{embedder.name}|{self.aggregation}").to_percent(
                raw
            )
        weight = {} if self.lexical_weight is None else {"lexical_weight": self.lexical_weight}
        final = fuse(percent, **weight)
        dense = [percent[e.name] for e in self.embedders]
        frame = pd.DataFrame(
            {
                "offer_id": [offer.id for offer in offers],
                "final_score": final,
                "lexical_score": percent[LEXICAL],
                "bi_score": np.mean(dense, axis=0) if dense else np.nan,
                "title": [offer.title for offer in offers],
                "company": [offer.company for offer in offers],
                "location": [offer.location for offer in offers],
                "url": [offer.url for offer in offers],
            }
        )
        if len(self.embedders) > 1:
            for embedder in self.embedders:
                frame[f"bi_score[{embedder.name}]"] = percent[embedder.name]
        extra = pd.DataFrame([offer.extra for offer in offers])
        for column in extra.columns:
            if column not in frame.columns:
                frame[column] = extra[column].to_numpy()
        frame = frame.sort_values("final_score", ascending=False, kind="stable").reset_index(
            drop=True
        )
        frame.insert(1, "rank", np.arange(1, len(frame) + 1))
        score_columns = [
            c for c in frame.columns if c.endswith("score") or c.startswith("bi_score[")
        ]
        frame[score_columns] = frame[score_columns].round(2)
        return frame
