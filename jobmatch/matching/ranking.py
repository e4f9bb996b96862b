"""First-stage ranking: many lexical, dense and facts signals of a CV with every offer, scored
by the learned model into a calibrated 0–100 ``final_score``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jobmatch.embeddings import Embedder, EmbeddingCache, embed_documents
from jobmatch.embeddings.index import ANN_THRESHOLD
from jobmatch.embeddings.offer_matrix import Aggregation, ChunkMatrix
from jobmatch.matching.features import OfferSetIndex, match_features
from jobmatch.matching.learned import LearnedRanker
from jobmatch.matching.scoring import LEXICAL, anchors_for, fuse
from jobmatch.offers import Offer
from jobmatch.text import model_view

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
    """Ranks offers for CVs with the learned model over lexical, dense and facts features.

    Args:
        embedders: Bi-encoders to fuse (may be empty: lexical only).
        cache: Embedding cache; offers embedded once are reused for every new CV, and the
            offers' TF-IDF index is saved beside it (``lexical/``). Default none.
        aggregation: How chunk vectors combine. Default ``"coverage"`` (measured best with
            the default model, see docs/ranking.md).
        model: The learned model. Default the bundled one
            (:data:`~jobmatch.matching.learned.DEFAULT_RANKER_PATH`, read on first use).
        explain_features: Add the model's features to the output as ``feature[<name>]``
            columns. Default ``False``.
        lexical_weight: Share of the lexical signal in the old fixed fusion, which now only
            bounds the large-set path below. Default from :mod:`jobmatch.matching.scoring`.
        ann_threshold: With a cache and ``"coverage"``, above this many offers the dense
            similarity is exact only for the offers the approximate index finds near the CV
            and for those that could still enter the best ``ann_exact_top`` (see
            docs/ranking.md, "Large offer sets"). Default
            :data:`~jobmatch.embeddings.index.ANN_THRESHOLD` (50,000).
        ann_neighbours: Offer chunks looked up per CV chunk on that path. Default 256.
        ann_exact_top: Offers by lexical score, and the least number of offers by the old
            fusion's bound, scored exactly on that path. Default 100.
        ann_sample: Offers drawn at random (seeded) on that path, scored exactly too: their
            values set the mean and spread of the dense z-scores. Default 2,000.
    """

    embedders: Sequence[Embedder]
    cache: EmbeddingCache | None = None
    aggregation: Aggregation = "coverage"
    model: LearnedRanker | None = None
    explain_features: bool = False
    lexical_weight: float | None = None
    ann_threshold: int = ANN_THRESHOLD
    ann_neighbours: int = 256
    ann_exact_top: int = 100
    ann_sample: int = 2000
    _index: tuple[tuple[str, ...], OfferSetIndex] | None = field(
        default=None, init=False, repr=False
    )
    _matrices: dict[str, tuple[tuple[str, ...], ChunkMatrix]] = field(
        default_factory=dict, init=False, repr=False
    )

    def _offer_index(self, offers: Sequence[Offer], texts: tuple[str, ...]) -> OfferSetIndex:
        """The offers' feature index, built (or read from disk) once for all the CVs; keyed
        by their texts (``texts``), which hold their titles."""
        if self._index is None or self._index[0] != texts:
            index = (
                OfferSetIndex.cached(offers, self.cache.path.parent / "lexical")
                if self.cache is not None
                else OfferSetIndex(offers)
            )
            self._index = (texts, index)
        return self._index[1]

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
    ) -> dict[str, dict[str, np.ndarray]]:
        """Each embedder's dense signals per offer (see docs/ranking.md, "Large offer sets").

        Returns, per embedder name, the raw :meth:`ChunkMatrix.signals` plus
        ``coverage_percent`` and ``mean_percent`` (0–100 through the signal's anchors).

        Small sets: every offer scored exactly, once (:meth:`_dense_signals`). Large ones:
        exact for the offers with a chunk among the CV chunks' nearest (approximate index) and
        the ``ann_exact_top`` best by lexical score, then for any other offer whose old fused
        score could still reach the ``ann_exact_top``-th exact one with its coverage at the
        bound, and for a random sample; the rest get floors (:meth:`_dense_signals`).
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
            for kept in signals.values():
                np.logical_or(kept[4], contenders, out=kept[4])
        sample = (
            np.random.default_rng(0).choice(len(texts), min(self.ann_sample, len(texts)), False)
            if approximate
            else None
        )
        return {
            name: self._dense_signals(name, matrix, cv_chunks, exact, bound, sample)
            for name, (matrix, cv_chunks, _, _, exact, bound) in signals.items()
        }

    @staticmethod
    def _dense_signals(
        name: str,
        matrix: ChunkMatrix,
        cv_chunks: np.ndarray,
        exact: np.ndarray,
        bound: float,
        sample: np.ndarray | None,
    ) -> dict[str, np.ndarray]:
        """Every dense signal of every offer. On the large-set path the offers in ``exact``
        and in the random ``sample`` are computed exactly (the sample's values are kept as
        ``<signal>_population``); the others get each signal's lowest exact value (capped by
        ``bound`` for the chunk maxima), never above an exactly scored offer's."""
        if sample is None:
            values = matrix.signals(cv_chunks)
        else:
            rows = np.union1d(np.flatnonzero(exact), sample)
            found = matrix.signals(cv_chunks, rows)
            values = {}
            for signal, exact_values in found.items():
                floor = exact_values.min()
                if signal != "mean":
                    floor = min(floor, bound)
                values[signal] = np.full(len(exact), floor)
                values[signal][rows] = exact_values
                values[f"{signal}_population"] = values[signal][sample]
        for aggregation in ("coverage", "mean"):
            anchors = anchors_for(f"{name}|{aggregation}")
            values[f"{aggregation}_percent"] = anchors.to_percent(values[aggregation])
        return values

    def features(
        self, cv_text: str, offers: Sequence[Offer], progress: StageProgress | None = None
    ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """The learned model's feature table of one CV against the offers, and the 0–100
        display scores (``"lexical"`` and each embedder's name, through their anchors).

        Every text is read up to :data:`~jobmatch.config.MAX_MODEL_CHARS` characters
        (:func:`~jobmatch.text.model_view`), so time and memory stay bounded.

        Args:
            cv_text: Clean CV text.
            offers: The offers, in the table's row order (at least one).
            progress: Optional callback ``(stage, done, total)``.
        """
        cv_text = model_view(cv_text)
        offers = [offer.for_models() for offer in offers]
        texts = tuple(offer.text for offer in offers)
        index = self._offer_index(offers, texts)
        lexical = anchors_for(LEXICAL).to_percent(index.text.score(cv_text))
        dense = self._dense(cv_text, texts, lexical, progress)
        percent = {LEXICAL: lexical}
        percent.update(
            {name: values[f"{self.aggregation}_percent"] for name, values in dense.items()}
        )
        return match_features(cv_text, index, list(dense.values())), percent

    def rank(
        self, cv_text: str, offers: Sequence[Offer], progress: StageProgress | None = None
    ) -> pd.DataFrame:
        """Score every offer for one CV.

        Args:
            cv_text: Clean CV text.
            offers: Offers to rank (each appears exactly once in the result).
            progress: Optional callback ``(stage, done, total)``.

        Returns:
            A frame sorted by ``final_score`` (the learned model's calibrated probability of
            relevance, 0–100; ties keep input order) with the columns of
            :data:`RANK_COLUMNS`, one ``bi_score[<model>]`` column per model when several are
            used, the features when asked, and the offers' extra columns.
        """
        if not offers:
            raise ValueError("No offers to rank.")
        features, percent = self.features(cv_text, offers, progress)
        if self.model is None:
            self.model = LearnedRanker.load()
        dense = [percent[e.name] for e in self.embedders]
        frame = pd.DataFrame(
            {
                "offer_id": [offer.id for offer in offers],
                # An offer without a single word has nothing to match: 0.
                "final_score": np.where(
                    self._index[1].text.lengths > 0,  # the index features() just used
                    100 * self.model.probability(features),
                    0.0,
                ),
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
        if self.explain_features:
            for name in features.columns:
                frame[f"feature[{name}]"] = features[name].round(4).to_numpy()
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
