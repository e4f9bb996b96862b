"""Nearest-neighbour search over unit vectors: exact up to a size, approximate beyond.

Both kinds answer the same call, ``index.search(queries, k)``, with inner products (cosines,
for unit vectors). Exact search is one matrix product: for 50,000 vectors of 384 floats it
takes milliseconds per query. Beyond that, :func:`build_index` returns a FAISS HNSW graph,
whose search time grows with the logarithm of the size; its recall is measured by
``benchmarks/bench_index.py`` (figures in ``docs/benchmarks.md``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from jobmatch.artifacts import atomic_write_bytes

#: Above this many vectors, :func:`build_index` builds an approximate index.
EXACT_UP_TO = 50_000
#: Above this many offers, the first-stage ranker (``jobmatch.matching.ranking.FirstStageRanker``)
#: looks up the CV's nearest offer chunks in an HNSW graph and scores exactly only the offers
#: found (and those that could still reach its top results); below, every offer is scored.
ANN_THRESHOLD = 50_000
#: Query-by-vector products computed at once by exact search (bounds its memory to 64 MB).
_EXACT_BLOCK = 1 << 24


class VectorIndex(ABC):
    """A fixed set of vectors, searched by inner product.

    Args:
        vectors: (n, dim) rows, unit length for cosine similarity.
    """

    def __init__(self, vectors: np.ndarray) -> None:
        if np.ndim(vectors) != 2:
            raise ValueError("vectors must be a (n, dim) matrix")
        self.size, self.dim = np.shape(vectors)

    def __len__(self) -> int:
        return self.size

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` rows most similar to each query, best first.

        Args:
            queries: (m, dim) vectors, or one (dim,) vector.
            k: Neighbours per query; at most the index size are returned.

        Returns:
            (m, k') similarities and (m, k') row numbers, ``k' = min(k, len(self))``.
        """
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if queries.shape[1] != self.dim:
            raise ValueError(f"queries have {queries.shape[1]} dimensions, the index {self.dim}")
        k = min(k, self.size)
        if k <= 0:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        return self._search(queries, k)

    @abstractmethod
    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`search` on validated float32 queries, ``1 <= k <= len(self)``."""


class ExactIndex(VectorIndex):
    """Brute force: every vector scored, the true nearest neighbours."""

    def __init__(self, vectors: np.ndarray) -> None:
        super().__init__(vectors)
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores, rows = [], []
        step = max(1, _EXACT_BLOCK // max(self.size, 1))
        for start in range(0, len(queries), step):
            similarity = queries[start : start + step] @ self._vectors.T
            top = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
            top_scores = np.take_along_axis(similarity, top, axis=1)
            order = np.argsort(-top_scores, axis=1, kind="stable")
            scores.append(np.take_along_axis(top_scores, order, axis=1))
            rows.append(np.take_along_axis(top, order, axis=1).astype(np.int64))
        return np.concatenate(scores), np.concatenate(rows)


class HnswIndex(VectorIndex):
    """FAISS's HNSW graph (approximate): a vector's neighbours are found by walking the graph.

    Args:
        vectors: (n, dim) rows, unit length for cosine similarity.
        links: Neighbours kept per vector (``M``). Default 32.
        build_breadth: Candidates examined when linking a vector (``efConstruction``).
            Default 128.
        search_breadth: Candidates examined per query (``efSearch``), raised to ``k`` when
            smaller. Default 256.
    """

    def __init__(
        self,
        vectors: np.ndarray,
        links: int = 32,
        build_breadth: int = 128,
        search_breadth: int = 256,
    ) -> None:
        import faiss

        super().__init__(vectors)
        self.search_breadth = search_breadth
        self._index = faiss.IndexHNSWFlat(self.dim, links, faiss.METRIC_INNER_PRODUCT)
        self._index.hnsw.efConstruction = build_breadth
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    @classmethod
    def read(cls, path: Path, search_breadth: int = 256) -> HnswIndex:
        """A graph saved by :meth:`write`.

        Raises:
            RuntimeError: FAISS cannot read it (missing or damaged).
            ValueError: It is not an HNSW graph.
        """
        import faiss

        graph = faiss.read_index(str(path))
        if not isinstance(graph, faiss.IndexHNSWFlat):
            raise ValueError(f"{path} is not an HNSW graph")
        index = cls.__new__(cls)  # the vectors are in the graph: nothing to add
        index.size, index.dim = graph.ntotal, graph.d
        index.search_breadth = search_breadth
        index._index = graph
        return index

    def write(self, path: Path) -> None:
        """Save the graph (vectors included) to ``path``, atomically."""
        import faiss

        atomic_write_bytes(path, faiss.serialize_index(self._index).tobytes())

    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        breadth = faiss.SearchParametersHNSW(efSearch=max(self.search_breadth, k))
        scores, rows = self._index.search(queries, k, params=breadth)
        return scores, rows.astype(np.int64)


def build_index(vectors: np.ndarray, exact_up_to: int = EXACT_UP_TO) -> VectorIndex:
    """The index suited to the number of vectors.

    Args:
        vectors: (n, dim) unit rows.
        exact_up_to: Largest size searched exactly. Default :data:`EXACT_UP_TO` (50,000).

    Returns:
        An :class:`ExactIndex` up to ``exact_up_to`` vectors, an :class:`HnswIndex` beyond.
    """
    if len(vectors) <= exact_up_to:
        return ExactIndex(vectors)
    return HnswIndex(vectors)
