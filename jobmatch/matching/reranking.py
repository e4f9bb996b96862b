"""Second stage: a cross-encoder rescores the first stage's best offers for a CV.

A reranker reads the CV and one offer together and returns one raw logit per pair; the
probability shown to users is ``sigmoid(logit)``, applied exactly once, here
(:meth:`Reranker.score`). Loading a sentence-transformers ``CrossEncoder`` therefore sets its
activation to the identity: its default sigmoid on top of ours is what squeezed the older
tool's scores into 50–73 %.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from jobmatch.config import DEFAULT_RERANKER_DIR, RERANKER_MODEL
from jobmatch.errors import JobmatchError
from jobmatch.matching.calibration import BUNDLED_RERANKER, band_of, final_score, sigmoid
from jobmatch.text import model_view

#: A (CV text, offer text) pair.
Pair = tuple[str, str]

#: Name of the bundled reranker in reports and calibration tables.
BUNDLED_NAME = BUNDLED_RERANKER


class RerankerError(JobmatchError, RuntimeError):
    """A reranker cannot be loaded or run; the message says why and what to do."""


class Reranker(ABC):
    """A cross-encoder: one relevance logit per (CV, offer) pair.

    Subclasses set :attr:`name` (used in reports and to pick the calibration) and implement
    :meth:`logits`.
    """

    name: str

    @abstractmethod
    def logits(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Raw scores (logits, any real number) of the pairs, in order, batched."""

    def score(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Match probability 0–1 of each pair: one sigmoid on :meth:`logits`."""
        return sigmoid(self.logits(pairs))


class CrossEncoderReranker(Reranker):
    """Any sentence-transformers ``CrossEncoder`` with one output, by id or local path.

    Args:
        model: Model id (e.g. ``"BAAI/bge-reranker-v2-m3"``,
            ``"cross-encoder/ms-marco-MiniLM-L6-v2"``) or a local folder. Ids are looked up in
            the local Hugging Face cache; a download needs network access.
        batch_size: Pairs per forward pass. Default 16.
        max_length: Tokens read per pair (longer pairs are cut, longest side first). Default
            the model's own.
        name: Identity in reports. Default ``"ce/<model>"``.
    """

    def __init__(
        self,
        model: str,
        batch_size: int = 16,
        max_length: int | None = None,
        name: str | None = None,
    ) -> None:
        self.model_ref = model
        self.batch_size = batch_size
        self.max_length = max_length
        self.name = name or f"ce/{model}"

    @cached_property
    def _model(self):
        import torch
        from sentence_transformers import CrossEncoder

        try:
            model = CrossEncoder(
                self.model_ref,
                device="cpu",
                max_length=self.max_length,
                activation_fn=torch.nn.Identity(),
                model_kwargs={"dtype": torch.float32},
            )
        except Exception as exc:  # any loading failure becomes one clear message
            raise RerankerError(
                f"Cannot load the cross-encoder {self.model_ref!r}: {exc}. Give a local folder, "
                "or a Hugging Face id already in the local cache (downloads need network access)."
            ) from exc
        if model.num_labels != 1:
            raise RerankerError(
                f"{self.model_ref!r} has {model.num_labels} outputs; a reranker needs exactly one."
            )
        return model

    def logits(self, pairs: Sequence[Pair]) -> np.ndarray:
        if not pairs:
            return np.zeros(0)
        import torch

        raw = self._model.predict(
            [list(pair) for pair in pairs],
            batch_size=self.batch_size,
            activation_fn=torch.nn.Identity(),
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(raw, dtype=np.float64).reshape(len(pairs))


@lru_cache(maxsize=4)
def load_reranker(spec: str) -> Reranker | None:
    """Build the reranker named in settings or on the command line (one instance per spec).

    Args:
        spec: ``"bundled"`` (the offline model under ``models/``), a ``CrossEncoder`` id or
            local path, or ``""`` for no reranking.

    Returns:
        The reranker (weights load on first use), or ``None`` for ``""``.
    """
    spec = spec.strip()
    if not spec:
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if spec == RERANKER_MODEL:
        if not (DEFAULT_RERANKER_DIR / "model.safetensors").is_file():
            raise RerankerError(
                f"The bundled reranker is missing from {DEFAULT_RERANKER_DIR}; train it with "
                "`python -m jobmatch.train reranker --data ../shared/data`."
            )
        return CrossEncoderReranker(str(DEFAULT_RERANKER_DIR), name=BUNDLED_NAME)
    return CrossEncoderReranker(spec)


def rerank_matches(
    frame: pd.DataFrame,
    cv_text: str,
    offer_texts: Mapping[str, str],
    reranker: Reranker | None,
    top_k: int,
) -> pd.DataFrame:
    """Rescore the first stage's ``top_k`` offers and give every offer its calibrated score.

    Args:
        frame: :meth:`jobmatch.matching.ranking.FirstStageRanker.rank` output for one CV, best
            first.
        cv_text: The CV.
        offer_texts: Offer id → text read by the cross-encoder (each side read up to
            :data:`~jobmatch.config.MAX_MODEL_CHARS` characters, the model's window inside).
        reranker: The cross-encoder; ``None`` keeps the first-stage order.
        top_k: Offers reranked (the first ``top_k`` rows); 0 for none.

    Returns:
        The same offers sorted by the new ``final_score`` (calibrated 0–100, see
        :mod:`jobmatch.matching.calibration`), ranks renumbered, with ``band``, ``cross_score``
        (0–100, empty outside the top-K) and ``first_stage_score`` (the first stage's fused
        score) after ``final_score``, and ``cross_logit`` (the raw logit) last.
    """
    frame = frame.rename(columns={"final_score": "first_stage_score"})
    logits = np.full(len(frame), np.nan)
    count = min(top_k, len(frame)) if reranker is not None else 0
    if count:
        head = frame["offer_id"].head(count)
        cv_view = model_view(cv_text)
        logits[:count] = reranker.logits([(cv_view, model_view(offer_texts[str(i)])) for i in head])
    final = final_score(frame["first_stage_score"].to_numpy(), logits, name=_name(reranker))
    position = frame.columns.get_loc("first_stage_score")
    frame.insert(position, "final_score", np.round(final, 2))
    frame.insert(position + 1, "band", band_of(final))
    frame.insert(position + 2, "cross_score", np.round(100 * sigmoid(logits), 2))
    frame["cross_logit"] = logits
    frame = frame.sort_values("final_score", ascending=False, kind="stable")
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame.reset_index(drop=True)


def _name(reranker: Reranker | None) -> str:
    return reranker.name if reranker is not None else ""
