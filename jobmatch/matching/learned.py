"""The learned first stage: a model over the match features, calibrated into a probability.

The model file (``models/ranker-jobmatch/model.json``, plain JSON: no pickled code) holds two
variants fitted on the same data by ``python -m jobmatch.train ranker``:

- ``dense``: every feature of :data:`~jobmatch.matching.features.FEATURE_NAMES`, used when the
  ranker has at least one bi-encoder;
- ``lexical``: the same without the bi-encoder features, used by a lexical-only ranker.

Each variant gives a margin ``z``: a standardised logistic regression
(``z = w · standardise(x) + b``, :class:`LinearVariant`) or gradient-boosted trees (LightGBM's
raw score, the model stored as LightGBM's own text format inside the JSON,
:class:`BoostedVariant`), whichever the grouped cross-validation chose. A Platt scaling
``P(relevant) = sigmoid(a·z + c)`` fitted on held-out queries (the ``calib`` split) follows,
so ``100 × P`` is the 0–100 ``final_score``: the estimated probability that the offer is
relevant to the CV, the same meaning in every run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jobmatch.matching.calibration import sigmoid
from jobmatch.matching.features import DENSE_FEATURES, FEATURE_NAMES

#: The bundled model file.
DEFAULT_RANKER_PATH = (
    Path(__file__).resolve().parents[2] / "models" / "ranker-jobmatch" / "model.json"
)
#: Format version of the model file.
MODEL_FORMAT = 1


class RankerModelError(ValueError):
    """A ranker model file that cannot be used."""


class PlattScaled:
    """A variant's calibrated output: ``sigmoid(platt_a · decision + platt_b)``."""

    platt_a: float
    platt_b: float

    def decision(self, frame: pd.DataFrame) -> np.ndarray:
        """The model's margin per row (before the Platt scaling)."""
        raise NotImplementedError

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        """The calibrated probability of relevance per row, 0–1."""
        return sigmoid(self.platt_a * self.decision(frame) + self.platt_b)


@dataclass(frozen=True)
class LinearVariant(PlattScaled):
    """One variant: standardisation, logistic weights and Platt scaling.

    Args:
        features: Feature names, in the order of the other arrays.
        mean: Mean of each feature on the training data (missing values take it).
        scale: Standard deviation of each feature on the training data.
        weights: Logistic weight of each standardised feature.
        intercept: Logistic intercept.
        platt_a: Slope of the Platt scaling. Default 1.
        platt_b: Intercept of the Platt scaling. Default 0.
    """

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: float
    platt_a: float = 1.0
    platt_b: float = 0.0

    def standardise(self, frame: pd.DataFrame) -> np.ndarray:
        """The features of ``frame`` standardised; a missing value becomes 0 (the mean)."""
        values = frame.loc[:, list(self.features)].to_numpy(dtype=np.float64)
        standard = (values - self.mean) / self.scale
        return np.nan_to_num(standard, nan=0.0, posinf=0.0, neginf=0.0)

    def decision(self, frame: pd.DataFrame) -> np.ndarray:
        """The model's logit ``z`` per row (before the Platt scaling)."""
        return self.standardise(frame) @ self.weights + self.intercept

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": "logistic",
            "features": list(self.features),
            "mean": [round(float(v), 8) for v in self.mean],
            "scale": [round(float(v), 8) for v in self.scale],
            "weights": [round(float(v), 8) for v in self.weights],
            "intercept": round(float(self.intercept), 8),
            "platt_a": round(float(self.platt_a), 8),
            "platt_b": round(float(self.platt_b), 8),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinearVariant:
        """Read :meth:`to_dict`'s output, checking names and sizes."""
        features = _known_features(data)
        arrays = [np.asarray(data[key], dtype=np.float64) for key in ("mean", "scale", "weights")]
        if any(array.shape != (len(features),) for array in arrays):
            raise RankerModelError("model arrays do not match its feature list")
        if np.any(arrays[1] <= 0) or not all(np.isfinite(a).all() for a in arrays):
            raise RankerModelError("model scales must be positive and every value finite")
        return cls(
            features,
            *arrays,
            float(data["intercept"]),
            float(data["platt_a"]),
            float(data["platt_b"]),
        )


@dataclass(frozen=True)
class BoostedVariant(PlattScaled):
    """One variant: LightGBM trees (binary objective) and a Platt scaling of their margin.

    Args:
        features: Feature names, in the model's column order.
        booster: The model in LightGBM's text format.
        platt_a: Slope of the Platt scaling. Default 1.
        platt_b: Intercept of the Platt scaling. Default 0.
    """

    features: tuple[str, ...]
    booster: str
    platt_a: float = 1.0
    platt_b: float = 0.0

    @cached_property
    def _model(self):
        import lightgbm

        return lightgbm.Booster(model_str=self.booster)

    def decision(self, frame: pd.DataFrame) -> np.ndarray:
        """The trees' raw margin per row (missing values follow the trees' own default)."""
        values = frame.loc[:, list(self.features)].to_numpy(dtype=np.float64)
        return np.asarray(self._model.predict(values, raw_score=True), dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": "lightgbm",
            "features": list(self.features),
            "booster": self.booster,
            "platt_a": round(float(self.platt_a), 8),
            "platt_b": round(float(self.platt_b), 8),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BoostedVariant:
        """Read :meth:`to_dict`'s output."""
        features = _known_features(data)
        if not isinstance(data["booster"], str) or not data["booster"].startswith("tree"):
            raise RankerModelError("the model's trees are not in LightGBM's text format")
        return cls(features, data["booster"], float(data["platt_a"]), float(data["platt_b"]))


Variant = LinearVariant | BoostedVariant


def _known_features(data: Mapping[str, Any]) -> tuple[str, ...]:
    features = tuple(str(name) for name in data["features"])
    unknown = set(features) - set(FEATURE_NAMES)
    if unknown:
        raise RankerModelError(f"unknown features in the model: {sorted(unknown)}")
    return features


def variant_from_dict(data: Mapping[str, Any]) -> Variant:
    """A variant of either kind from its dict."""
    kinds = {"logistic": LinearVariant, "lightgbm": BoostedVariant}
    if data.get("kind") not in kinds:
        raise RankerModelError(f"unknown model kind {data.get('kind')!r}")
    return kinds[data["kind"]].from_dict(data)


@dataclass(frozen=True)
class LearnedRanker:
    """The two variants of the learned first stage and what was measured when it was fitted.

    Args:
        dense: Variant for rankers with a bi-encoder.
        lexical: Variant for lexical-only rankers.
        info: Training facts written to the model file (data, metrics). Default empty.
    """

    dense: Variant
    lexical: Variant
    info: Mapping[str, Any] | None = None

    def variant_for(self, frame: pd.DataFrame) -> Variant:
        """``dense`` when ``frame`` has bi-encoder features, else ``lexical``."""
        has_dense = frame[list(DENSE_FEATURES)].notna().to_numpy().any()
        return self.dense if has_dense else self.lexical

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        """The calibrated probability of relevance of each row of a feature table, 0–1."""
        return self.variant_for(frame).probability(frame)

    def save(self, path: Path) -> None:
        """Write the model file (JSON)."""
        from jobmatch.artifacts import atomic_write_text

        document = {
            "format": MODEL_FORMAT,
            "variants": {"dense": self.dense.to_dict(), "lexical": self.lexical.to_dict()},
            "info": dict(self.info or {}),
        }
        atomic_write_text(path, json.dumps(document, indent=1, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path = DEFAULT_RANKER_PATH) -> LearnedRanker:
        """Read a model file.

        Raises:
            RankerModelError: The file is missing, not JSON, or not a model of this format.
        """
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
            if document.get("format") != MODEL_FORMAT:
                raise RankerModelError(f"{path}: not a ranker model of format {MODEL_FORMAT}")
            variants = document["variants"]
            return cls(
                dense=variant_from_dict(variants["dense"]),
                lexical=variant_from_dict(variants["lexical"]),
                info=document.get("info", {}),
            )
        except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
            raise RankerModelError(f"cannot read the ranker model {path}: {error}") from error


def fit_variant(
    features: pd.DataFrame,
    labels: np.ndarray,
    weights: np.ndarray,
    names: Sequence[str],
    regularisation: float,
) -> LinearVariant:
    """Fit one variant's standardisation and logistic weights (Platt scaling left at 1, 0).

    Args:
        features: Feature table (training rows).
        labels: 0/1 relevance per row.
        weights: Weight of each row (so that every data set and query counts as wanted).
        names: Features used.
        regularisation: scikit-learn's ``C`` (inverse L2 strength).
    """
    from sklearn.linear_model import LogisticRegression

    values = features.loc[:, list(names)].to_numpy(dtype=np.float64)
    mean = np.nanmean(values, axis=0)
    scale = np.nanstd(values, axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    standard = np.nan_to_num((values - mean) / scale, nan=0.0)
    model = LogisticRegression(C=regularisation, max_iter=2000)
    model.fit(standard, labels.astype(int), sample_weight=weights)
    return LinearVariant(tuple(names), mean, scale, model.coef_[0], float(model.intercept_[0]))


def fit_boosted(
    features: pd.DataFrame,
    labels: np.ndarray,
    weights: np.ndarray,
    names: Sequence[str],
    trees: int,
    seed: int = 0,
) -> BoostedVariant:
    """Fit LightGBM trees (binary objective, seeded, one thread: reproducible).

    Args:
        features: Feature table (training rows).
        labels: 0/1 relevance per row.
        weights: Weight of each row.
        names: Features used.
        trees: Number of boosting rounds (learning rate 0.03, 15 leaves, 50 rows a leaf).
        seed: Seed of the row and feature sampling. Default 0.
    """
    import lightgbm

    model = lightgbm.LGBMClassifier(
        n_estimators=trees,
        learning_rate=0.03,
        num_leaves=15,
        min_child_samples=50,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        reg_lambda=1.0,
        random_state=seed,
        n_jobs=1,
        deterministic=True,
        verbose=-1,
    )
    model.fit(
        features.loc[:, list(names)].to_numpy(dtype=np.float64),
        labels.astype(int),
        sample_weight=weights,
    )
    return BoostedVariant(tuple(names), model.booster_.model_to_string())


def fit_platt(
    variant: Variant, features: pd.DataFrame, labels: np.ndarray, weights: np.ndarray
) -> Variant:
    """``variant`` with its Platt scaling fitted on held-out rows."""
    from sklearn.linear_model import LogisticRegression

    decision = variant.decision(features).reshape(-1, 1)
    fit = LogisticRegression(C=1e4, max_iter=1000).fit(
        decision, labels.astype(int), sample_weight=weights
    )
    return replace(variant, platt_a=float(fit.coef_[0, 0]), platt_b=float(fit.intercept_[0]))
