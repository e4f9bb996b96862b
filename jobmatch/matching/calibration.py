"""The calibrated 0–100 ``final_score`` and its bands: the one place for these numbers.

The first stage is already calibrated: the learned model (:mod:`jobmatch.matching.learned`)
gives 100 × the estimated probability that the offer is relevant to the CV, Platt-scaled on
held-out queries. ``final_score`` keeps it, and for offers a cross-encoder reread combines it
with the cross-encoder's logit through a :class:`Calibration`:

- ``x1 = logit(first_stage_score / 100)``;
- ``x2``: the cross-encoder's raw logit.

For the bundled cross-encoder the weights are ``(0, 1, 0)``: the final score equals the first
stage's. On CV–offer pairs that model has no usable signal (pfe2025 pairs: ROC-AUC 0.48–0.52,
docs/reranker.md), so its ``cross_score`` is shown, not used, and reranking is off by default.
A reranker that helps on CVs would enter through the same formula, fitted by
``benchmarks/fit_calibration.py``. No per-run normalisation: "70" means the same in every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Name of the bundled reranker (its calibration is the one fitted here).
BUNDLED_RERANKER = "bundled/reranker-minilm-jobmatch"

#: First-stage scores are kept inside (0.01, 99.99) % before the logit.
_EPSILON = 1e-4


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """The logistic function, 0–1 (numerically stable for large logits; NaN stays NaN)."""
    x = np.asarray(logits, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.exp(-np.logaddexp(0.0, -x))


def first_stage_logit(first_stage: np.ndarray) -> np.ndarray:
    """``logit(first_stage / 100)``, the first-stage feature of the calibration."""
    p = np.clip(np.asarray(first_stage, dtype=np.float64) / 100.0, _EPSILON, 1 - _EPSILON)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Calibration:
    """``P(match) = sigmoid(intercept + first_stage_weight·x1 + cross_weight·x2)``.

    Args:
        intercept: Constant term.
        first_stage_weight: Weight of ``x1 = logit(first_stage_score / 100)``.
        cross_weight: Weight of the cross-encoder logit ``x2``. Default 0 (first stage only).
    """

    intercept: float
    first_stage_weight: float
    cross_weight: float = 0.0

    def probability(
        self, first_stage: np.ndarray, cross_logit: np.ndarray | None = None
    ) -> np.ndarray:
        """Match probability 0–1 from first-stage scores (0–100) and, if used, cross logits."""
        z = self.intercept + self.first_stage_weight * first_stage_logit(first_stage)
        if self.cross_weight:
            z = z + self.cross_weight * np.asarray(cross_logit, dtype=np.float64)
        return sigmoid(z)


#: Used for offers that were not reranked: the learned first stage is calibrated already.
FIRST_STAGE_ONLY = Calibration(intercept=0.0, first_stage_weight=1.0)
#: Per reranker name; used for offers that were reranked. The bundled cross-encoder ranks CVs
#: no better than chance (docs/reranker.md): its weight is 0, and a reranker is never used
#: inverted.
WITH_CROSS: dict[str, Calibration] = {BUNDLED_RERANKER: FIRST_STAGE_ONLY}

#: Bands, best first: (name, lowest final_score in the band), chosen from the reliability of
#: the calibrated score on held-out queries (models/ranker-jobmatch/reliability.csv): offers
#: scored 70 or more were relevant 50–100 % of the time in every test set, 30–70: 16–55 %,
#: under 30: 2–20 %.
BANDS: tuple[tuple[str, float], ...] = (("strong", 70.0), ("partial", 30.0), ("weak", 0.0))


def calibration_for(reranker: str) -> Calibration:
    """The with-cross calibration of a reranker; others borrow the bundled model's weights
    (an approximation until fitted for them)."""
    return WITH_CROSS.get(reranker, WITH_CROSS[BUNDLED_RERANKER])


def final_score(
    first_stage: np.ndarray, cross_logit: np.ndarray, name: str = BUNDLED_RERANKER
) -> np.ndarray:
    """The calibrated 0–100 score of each offer.

    Args:
        first_stage: First-stage fused scores, 0–100.
        cross_logit: Cross-encoder logits; NaN for offers that were not reranked.
        name: The reranker's name (picks its calibration). Default the bundled one.

    Returns:
        100 × the match probability.
    """
    first_stage = np.asarray(first_stage, dtype=np.float64)
    cross_logit = np.asarray(cross_logit, dtype=np.float64)
    reranked = ~np.isnan(cross_logit)
    probability = FIRST_STAGE_ONLY.probability(first_stage)
    if reranked.any():
        probability[reranked] = calibration_for(name).probability(
            first_stage[reranked], cross_logit[reranked]
        )
    return 100.0 * probability


def band_of(scores: np.ndarray) -> np.ndarray:
    """The band name of each 0–100 score (see :data:`BANDS`)."""
    scores = np.asarray(scores, dtype=np.float64)
    names = np.full(scores.shape, BANDS[-1][0], dtype=object)
    for name, lowest in reversed(BANDS[:-1]):
        names[scores >= lowest] = name
    return names


def fit_calibration(
    first_stage: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    cross_logit: np.ndarray | None = None,
) -> Calibration:
    """Fit a :class:`Calibration` by weighted logistic regression (almost unregularised).

    Args:
        first_stage: First-stage scores, 0–100.
        labels: 1 for a match, 0 otherwise.
        weights: Weight of each pair (e.g. so every data set counts the same).
        cross_logit: Cross-encoder logits, or ``None`` to fit the first-stage-only model.

    Returns:
        The fitted calibration.
    """
    from sklearn.linear_model import LogisticRegression

    columns: Sequence[np.ndarray] = [first_stage_logit(first_stage)]
    if cross_logit is not None:
        columns = [*columns, np.asarray(cross_logit, dtype=np.float64)]
    model = LogisticRegression(C=1e4, max_iter=1000)
    model.fit(np.column_stack(columns), np.asarray(labels, dtype=int), sample_weight=weights)
    coefficients = [float(c) for c in model.coef_[0]]
    return Calibration(
        intercept=float(model.intercept_[0]),
        first_stage_weight=coefficients[0],
        cross_weight=coefficients[1] if cross_logit is not None else 0.0,
    )
