"""A set of offers' chunk vectors stacked in one matrix, saved beside the embedding cache.

Ranking a new CV against known offers needs every offer's chunk vectors. Reading them from
the SQLite cache costs one blob per offer (seconds at 100,000 offers), so
:meth:`ChunkMatrix.cached` saves them, per offer set and embedder, as one float16 ``.npy``
matrix (memory-mapped when read) with the first row of each offer, and, for large sets, the
FAISS HNSW graph of its rows (:meth:`ChunkMatrix.ann_index`). Files are keyed by a hash of
the offers' cache keys (model, window and text), written atomically, the
:data:`MAX_SAVED_MATRICES` most recently used kept; a missing or damaged file is rebuilt.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

from jobmatch.artifacts import atomic_write_bytes
from jobmatch.embeddings.cache import EmbeddingCache, cache_key
from jobmatch.embeddings.documents import ProgressCallback, embed_documents, mean_vector
from jobmatch.embeddings.index import HnswIndex
from jobmatch.embeddings.models import Embedder

#: How chunk vectors of a CV and an offer give one similarity.
#: ``"mean"``: cosine of the documents' mean vectors. ``"coverage"``: for each offer chunk, its
#: best-matching CV chunk, averaged over the offer's chunks (how much of the offer the CV covers).
Aggregation = Literal["mean", "coverage"]
#: The similarities :meth:`ChunkMatrix.signals` returns (the aggregations among them).
DENSE_SIGNALS = ("coverage", "cv_coverage", "mean", "max")

#: Bump when the saved format changes: files of older versions are ignored.
MATRIX_VERSION = 1
#: Saved matrices (with their graphs) kept in a folder; the least recently used are deleted.
MAX_SAVED_MATRICES = 4
#: Offers scored at once (bounds the float32 copy of their rows to tens of MB).
_BLOCK_OFFERS = 1 << 14
_SUFFIXES = (".vectors.npy", ".starts.npy", ".hnsw.faiss")


class ChunkMatrix:
    """Chunk vectors of a set of offers, offer after offer, in one (chunks, dim) matrix.

    Args:
        vectors: (chunks, dim) unit rows (float16 or float32; may be a memory map).
        starts: (offers + 1,) integers: the first row of each offer, then the row count.
        stem: Where it is saved (``<stem>.vectors.npy`` ...), if it is. Default none.

    Raises:
        ValueError: ``starts`` does not cut ``vectors`` into offers of at least one chunk.
    """

    def __init__(self, vectors: np.ndarray, starts: np.ndarray, stem: Path | None = None) -> None:
        starts = np.asarray(starts, dtype=np.int64)
        if (
            np.ndim(vectors) != 2
            or starts.ndim != 1
            or len(starts) < 1
            or starts[0] != 0
            or starts[-1] != len(vectors)
            or np.any(np.diff(starts) <= 0)
        ):
            raise ValueError("chunk offsets do not match the matrix")
        self.vectors = vectors
        self.starts = starts
        self.stem = stem
        self._index: HnswIndex | None = None

    @classmethod
    def stack(cls, chunks: Sequence[np.ndarray]) -> ChunkMatrix:
        """One matrix from one (n_i, dim) chunk matrix per offer."""
        counts = [len(matrix) for matrix in chunks]
        return cls(np.concatenate(chunks), np.concatenate([[0], np.cumsum(counts)]))

    def __len__(self) -> int:
        """The number of offers."""
        return len(self.starts) - 1

    def offers_of(self, rows: np.ndarray) -> np.ndarray:
        """The offer (position in the set) of each chunk row."""
        return np.searchsorted(self.starts, rows, side="right") - 1

    def similarity(
        self, cv_chunks: np.ndarray, aggregation: Aggregation, offers: np.ndarray | None = None
    ) -> np.ndarray:
        """Raw cosine similarity of one CV with each offer, computed exactly.

        Args:
            cv_chunks: (n, dim) unit rows of the CV.
            aggregation: See :data:`Aggregation`.
            offers: Positions of the offers to score, in the order wanted. Default all.

        Returns:
            One similarity per offer scored.
        """
        return self.signals(cv_chunks, offers)[aggregation]

    def signals(
        self, cv_chunks: np.ndarray, offers: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Every chunk-level similarity of one CV with each offer, computed exactly.

        Args:
            cv_chunks: (n, dim) unit rows of the CV.
            offers: Positions of the offers to score, in the order wanted. Default all.

        Returns:
            :data:`DENSE_SIGNALS` → one raw cosine per offer scored: ``coverage`` (each offer
            chunk's best CV chunk, averaged over the offer), ``cv_coverage`` (each CV chunk's
            best offer chunk, averaged over the CV), ``mean`` (cosine of the mean vectors) and
            ``max`` (the closest pair of chunks).
        """
        offers = np.arange(len(self)) if offers is None else np.asarray(offers, dtype=np.int64)
        cv_chunks = np.asarray(cv_chunks, dtype=np.float32)
        cv_mean = mean_vector(cv_chunks)
        result = {name: np.empty(len(offers)) for name in DENSE_SIGNALS}
        for first in range(0, len(offers), _BLOCK_OFFERS):
            part = offers[first : first + _BLOCK_OFFERS]
            counts = self.starts[part + 1] - self.starts[part]
            local = np.concatenate([[0], np.cumsum(counts)[:-1]])
            if part[-1] - part[0] == len(part) - 1:  # consecutive offers: one slice of rows
                block = self.vectors[self.starts[part[0]] : self.starts[part[-1] + 1]]
            else:
                rows = np.repeat(self.starts[part] - local, counts) + np.arange(counts.sum())
                block = self.vectors[rows]
            block = np.asarray(block, dtype=np.float32)
            done = slice(first, first + len(part))
            result["mean"][done] = self.mean_vectors[part] @ cv_mean
            pairs = block @ cv_chunks.T  # (offer chunks, CV chunks)
            best = pairs.max(axis=1).astype(np.float64)
            result["coverage"][done] = np.add.reduceat(best, local) / counts
            per_offer = np.maximum.reduceat(pairs, local, axis=0).astype(np.float64)
            result["cv_coverage"][done] = per_offer.mean(axis=1)
            result["max"][done] = per_offer.max(axis=1)
        return result

    @cached_property
    def mean_vectors(self) -> np.ndarray:
        """Each offer's mean chunk vector, re-normalised: (offers, dim) float32, computed once."""
        means = np.empty((len(self), self.vectors.shape[1]), dtype=np.float32)
        for first in range(0, len(self), _BLOCK_OFFERS):
            last = min(first + _BLOCK_OFFERS, len(self))
            block = np.asarray(
                self.vectors[self.starts[first] : self.starts[last]], dtype=np.float32
            )
            sums = np.add.reduceat(block, self.starts[first:last] - self.starts[first], axis=0)
            means[first:last] = sums / np.maximum(
                np.linalg.norm(sums, axis=1, keepdims=True), 1e-12
            )
        return means

    def nearest_offers(self, cv_chunks: np.ndarray, neighbours: int) -> tuple[np.ndarray, float]:
        """Offers found near the CV by the approximate index, and a bound for the others.

        Args:
            cv_chunks: (n, dim) unit rows of the CV.
            neighbours: Offer chunks looked up per CV chunk.

        Returns:
            The positions of the offers that own one of the chunks found (sorted), and the
            highest similarity of a CV chunk with its ``neighbours``-th chunk: with exact
            search, no chunk left out is closer than that to any CV chunk, so no offer left
            out has a coverage above it.
        """
        scores, rows = self.ann_index().search(cv_chunks, neighbours)
        return np.unique(self.offers_of(rows[rows >= 0])), float(scores[:, -1].max())

    def ann_index(self) -> HnswIndex:
        """The HNSW graph of the chunk rows: read from beside the matrix, else built (and saved)."""
        path = None if self.stem is None else _file(self.stem, ".hnsw.faiss")
        if self._index is None and path is not None:
            try:
                graph = HnswIndex.read(path)
                if (len(graph), graph.dim) == self.vectors.shape:
                    self._index = graph
            except (ValueError, RuntimeError):
                pass  # missing or damaged: built again
        if self._index is None:
            self._index = HnswIndex(np.asarray(self.vectors, dtype=np.float32))
            if path is not None:
                self._index.write(path)
        return self._index

    def save(self, stem: Path) -> None:
        """Write ``<stem>.starts.npy`` then ``<stem>.vectors.npy`` (float16), atomically."""
        for suffix, array in (
            (".starts.npy", self.starts),
            (".vectors.npy", np.asarray(self.vectors, dtype=np.float16)),
        ):
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            atomic_write_bytes(_file(stem, suffix), buffer.getvalue())
        self.stem = stem

    @classmethod
    def load(cls, stem: Path) -> ChunkMatrix:
        """A matrix saved by :meth:`save`, its vectors memory-mapped (read-only)."""
        vectors = np.load(_file(stem, ".vectors.npy"), mmap_mode="r", allow_pickle=False)
        starts = np.load(_file(stem, ".starts.npy"), allow_pickle=False)
        if vectors.dtype != np.float16 or starts.dtype != np.int64:
            raise ValueError("unexpected types in a saved chunk matrix")
        return cls(vectors, starts, stem)

    @classmethod
    def cached(
        cls,
        embedder: Embedder,
        texts: Sequence[str],
        cache: EmbeddingCache,
        progress: ProgressCallback | None = None,
    ) -> ChunkMatrix:
        """The matrix of these offers (passages): read if saved beside ``cache``, else built.

        Built from :func:`~jobmatch.embeddings.embed_documents` (cached vectors reused, new
        offers embedded) and saved under ``<cache folder>/matrices/``. Keyed by every offer's
        cache key, so a changed offer, model or window gives a new matrix.

        Args:
            embedder: The bi-encoder.
            texts: The offers' texts, in ranking order (at least one).
            cache: The embedding cache.
            progress: Progress callback over the offers to embed. Default none.
        """
        digest = hashlib.sha256(f"v{MATRIX_VERSION}".encode())
        for text in texts:
            digest.update(cache_key(embedder.name, "passage", embedder.max_tokens, text).encode())
        stem = cache.path.parent / "matrices" / f"chunks-{digest.hexdigest()[:32]}"
        try:
            matrix = cls.load(stem)
            if len(matrix) != len(texts):
                raise ValueError("saved matrix has another number of offers")
            _file(stem, ".vectors.npy").touch()  # most recently used
            return matrix
        except (OSError, ValueError):
            pass
        matrix = cls.stack(embed_documents(embedder, texts, cache=cache, progress=progress))
        _file(stem, ".hnsw.faiss").unlink(missing_ok=True)  # may belong to a damaged matrix
        matrix.save(stem)
        saved = sorted(stem.parent.glob("chunks-*.vectors.npy"), key=lambda p: p.stat().st_mtime)
        for stale in saved[:-MAX_SAVED_MATRICES]:
            stale_stem = stale.parent / stale.name.removesuffix(".vectors.npy")
            for suffix in _SUFFIXES:
                _file(stale_stem, suffix).unlink(missing_ok=True)
        return matrix


def _file(stem: Path, suffix: str) -> Path:
    """One of the files of a saved matrix."""
    return stem.parent / f"{stem.name}{suffix}"
