"""First-stage ranking: lexical and dense similarities of a CV with every offer, fused."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jobmatch.embeddings import Embedder, EmbeddingCache, embed_documents
from jobmatch.embeddings.index import ANN_THRESHOLD
from jobmatch.embeddings.offer_matrix import Aggregation, ChunkMatrix
from jobmatch.matching.lexical import LexicalScorer
from jobmatch.matching.scoring import LEXICAL, anchors_for, fuse
from jobmatch.offers import Offer

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
    return ChunkMatrix.stack(offer_chunks).similarity(cv_chunks, aggregation)


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
            :mod:`jobmatch.matching.scoring`.
        ann_threshold: With a cache and ``"coverage"``, above this many offers the dense
            similarity is exact only for the offers the approximate index finds near the CV
            and for those that could still enter the best ``ann_exact_top`` (see
            docs/ranking.md, "Large offer sets"). Default
            :data:`~jobmatch.embeddings.index.ANN_THRESHOLD` (50,000).
        ann_neighbours: Offer chunks looked up per CV chunk on that path. Default 256.
        ann_exact_top: Size of the top that path ranks as exact search would (when the index
            finds the true neighbours). Default 100.
    """

    embedders: Sequence[Embedder]
    cache: EmbeddingCache | None = None
    aggregation: Aggregation = "coverage"
    lexical_weight: float | None = None
    ann_threshold: int = ANN_THRESHOLD
    ann_neighbours: int = 256
    ann_exact_top: int = 100
    _lexical: tuple[tuple[str, ...], LexicalScorer] | None = field(
        default=None, init=False, repr=False
    )
    _matrices: dict[str, tuple[tuple[str, ...], ChunkMatrix]] = field(
        default_factory=dict, init=False, repr=False
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

    def _matrix(
        self, embedder: Embedder, texts: tuple[str, ...], progress: StageProgress | None
    ) -> ChunkMatrix:
        """The offers' chunk vectors, read (or built) once for all the CVs."""
        kept = self._matrices.get(embedder.name)
        if kept is None or kept[0] != texts:
            report = (
                (lambda done, total: progress(f"Embedding offers ({embedder.name})", done, total))
                if progress
                else None
            )
            matrix = (
                ChunkMatrix.cached(embedder, texts, self.cache, report)
                if self.cache is not None
                else ChunkMatrix.stack(embed_documents(embedder, texts, progress=report))
            )
            kept = self._matrices[embedder.name] = (texts, matrix)
        return kept[1]

    def _fuse(self, percent: dict[str, np.ndarray]) -> np.ndarray:
        """The fused 0–100 score of these signals, with this ranker's lexical weight."""
        weight = {} if self.lexical_weight is None else {"lexical_weight": self.lexical_weight}
        return fuse(percent, **weight)

    def _dense(
        self,
        cv_text: str,
        texts: tuple[str, ...],
        lexical: np.ndarray,
        progress: StageProgress | None,
    ) -> dict[str, np.ndarray]:
        """Each embedder's 0–100 dense score per offer (see docs/ranking.md, "Large offer sets").

        Small sets: every offer scored exactly. Large ones: exact for the offers with a chunk
        among the CV chunks' nearest (approximate index) and the ``ann_exact_top`` best by
        lexical score, then for any other offer whose fused score could still reach the
        ``ann_exact_top``-th exact one with its coverage at the bound; the rest get
        ``min(bound, lowest exact coverage)``, never above an exactly scored offer's.
        """
        approximate = (
            self.cache is not None
            and bool(self.embedders)
            and self.aggregation == "coverage"
            and len(texts) > self.ann_threshold
        )
        signals = {}  # name -> (matrix, CV chunks, anchors, raw, exact mask, bound)
        # The best offers by lexical score are scored exactly too: they make the fused score
        # the others must reach high, so that few of them remain in contention.
        seeds = np.argsort(-lexical, kind="stable")[: self.ann_exact_top] if approximate else None
        for embedder in self.embedders:
            matrix = self._matrix(embedder, texts, progress)
            cv_chunks = embed_documents(embedder, [cv_text], role="query", cache=self.cache)[0]
            anchors = anchors_for(f"{embedder.name}|{self.aggregation}")
            raw, exact, bound = np.zeros(len(texts)), np.ones(len(texts), bool), np.inf
            if approximate:
                found, bound = matrix.nearest_offers(cv_chunks, self.ann_neighbours)
                found = np.union1d(found, seeds)
                exact[:] = False
                exact[found] = True
                raw[found] = matrix.similarity(cv_chunks, self.aggregation, found)
            else:
                raw = matrix.similarity(cv_chunks, self.aggregation)
            signals[embedder.name] = (matrix, cv_chunks, anchors, raw, exact, bound)
        if approximate:
            upper = self._fuse(
                {
                    LEXICAL: lexical,
                    **{
                        name: anchors.to_percent(np.where(exact, raw, bound))
                        for name, (_, _, anchors, raw, exact, bound) in signals.items()
                    },
                }
            )
            all_exact = np.logical_and.reduce([s[4] for s in signals.values()])
            top = self.ann_exact_top
            contenders = (  # too few offers found: all of them are
                upper >= np.partition(upper[all_exact], -top)[-top]
                if all_exact.sum() >= top
                else np.ones(len(texts), bool)
            )
            for matrix, cv_chunks, _, raw, exact, bound in signals.values():
                todo = np.flatnonzero(contenders & ~exact)
                raw[todo] = matrix.similarity(cv_chunks, self.aggregation, todo)
                exact[todo] = True
                raw[~exact] = min(bound, raw[exact].min())
        return {name: s[2].to_percent(s[3]) for name, s in signals.items()}

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
        percent.update(self._dense(cv_text, texts, percent[LEXICAL], progress))
        final = self._fuse(percent)
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
