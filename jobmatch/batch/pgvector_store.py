"""Offer chunk vectors in PostgreSQL with pgvector, searched by inner product.

An option of the PostgreSQL backend for large offer sets: the chunk vectors live in the
database, one table per model (``offer_chunks_<digest>``: the offer's embedding-cache key, the
chunk's number, its vector) with an HNSW index, instead of a FAISS graph file beside each
machine's chunk matrix, so every worker of a cluster searches the same index. The FAISS path
(:meth:`jobmatch.embeddings.offer_matrix.ChunkMatrix.ann_index`) stays the default.

The server needs the extension (Debian and Ubuntu: the ``postgresql-NN-pgvector`` package) and
each database needs it created once by a superuser (``CREATE EXTENSION vector``: it is not a
trusted extension); :meth:`PgvectorStore.open` creates it when the role may.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, Index, Integer, MetaData, Table, Text, func, select, text
from sqlalchemy.exc import DBAPIError

from jobmatch.embeddings.index import VectorIndex
from jobmatch.embeddings.offer_matrix import ChunkMatrix
from jobmatch.errors import JobmatchError
from jobmatch.storage import Database

#: The oldest pgvector with HNSW indexes.
MIN_PGVECTOR = (0, 5, 0)
#: The most candidates pgvector's HNSW search may examine per query (``hnsw.ef_search``).
MAX_EF_SEARCH = 1000
#: Offers written per statement.
_BATCH_OFFERS = 500


class PgvectorUnavailable(JobmatchError, RuntimeError):
    """The database cannot hold pgvector tables; the message says why and what to do."""


def require_postgresql(database: Database) -> None:
    """Raise :class:`PgvectorUnavailable` unless ``database`` is PostgreSQL."""
    if database.engine.dialect.name != "postgresql":
        raise PgvectorUnavailable(
            "pgvector needs the PostgreSQL backend (a postgresql+psycopg:// database URL)."
        )


def table_name(model: str) -> str:
    """The table of one model's vectors: ``offer_chunks_`` and a digest of the model's name."""
    return "offer_chunks_" + hashlib.sha256(model.encode("utf-8")).hexdigest()[:16]


class PgvectorStore:
    """One model's offer chunk vectors in PostgreSQL, keyed like the embedding cache.

    Open it with :meth:`open`, which creates the extension, the table and its index if needed.

    Args:
        database: A PostgreSQL database.
        model: The embedder's name (:attr:`jobmatch.embeddings.Embedder.name`).
        dim: The vectors' dimension.
    """

    def __init__(self, database: Database, model: str, dim: int) -> None:
        self.database = database
        self.model = model
        self.dim = dim
        name = table_name(model)
        self.table = Table(
            name,
            MetaData(),
            Column("key", Text, primary_key=True),
            Column("chunk", Integer, primary_key=True),
            Column("embedding", Vector(dim), nullable=False),
        )
        Index(
            f"{name}_hnsw",
            self.table.c.embedding,
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_ip_ops"},
        )

    @classmethod
    def open(cls, database: Database, model: str, dim: int) -> PgvectorStore:
        """The store of ``model``'s vectors, its extension, table and HNSW index created if
        missing.

        Raises:
            PgvectorUnavailable: The database is not PostgreSQL, the server lacks pgvector
                (0.5 or later), or this role may not create the extension.
        """
        require_postgresql(database)
        store = cls(database, model, dim)
        try:
            with database.transaction(write_lock=True) as conn:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
                version = conn.scalar(
                    text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
                )
                if tuple(int(part) for part in version.split(".")[:3]) < MIN_PGVECTOR:
                    raise PgvectorUnavailable(
                        f"pgvector {version} has no HNSW index: upgrade it to 0.5 or later."
                    )
                store.table.metadata.create_all(conn)
        except DBAPIError as exc:
            raise PgvectorUnavailable(
                "The pgvector extension is not available in this database: install it in the "
                "server (Debian: apt install postgresql-<version>-pgvector) and have a "
                f"superuser run CREATE EXTENSION vector in it ({exc.orig})."
            ) from exc
        return store

    def stored(self, keys: Sequence[str]) -> set[str]:
        """Which of these offer keys have vectors stored."""
        found: set[str] = set()
        unique = list(dict.fromkeys(keys))
        with self.database.engine.connect() as conn:
            for start in range(0, len(unique), _BATCH_OFFERS):
                batch = unique[start : start + _BATCH_OFFERS]
                found.update(
                    conn.scalars(
                        select(self.table.c.key).distinct().where(self.table.c.key.in_(batch))
                    )
                )
        return found

    def add(self, keys: Sequence[str], matrix: ChunkMatrix) -> int:
        """Store the chunk vectors of the offers not stored yet.

        Args:
            keys: Each offer's embedding-cache key, in the matrix's order.
            matrix: The offers' chunk vectors.

        Returns:
            How many offers were added.
        """
        if len(keys) != len(matrix):
            raise ValueError("one key per offer of the matrix is needed")
        stored = self.stored(keys)
        first = {key: offer for offer, key in reversed(list(enumerate(keys)))}
        new = [offer for key, offer in first.items() if key not in stored]
        insert = self.database.insert(self.table).on_conflict_do_nothing()
        for start in range(0, len(new), _BATCH_OFFERS):
            rows = [
                {"key": keys[offer], "chunk": chunk, "embedding": vector}
                for offer in new[start : start + _BATCH_OFFERS]
                for chunk, vector in enumerate(
                    np.asarray(
                        matrix.vectors[matrix.starts[offer] : matrix.starts[offer + 1]],
                        dtype=np.float32,
                    )
                )
            ]
            with self.database.engine.begin() as conn:
                conn.execute(insert, rows)
        return len(new)

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, int, float]]]:
        """The ``k`` stored chunks of greatest inner product with each query, best first.

        HNSW search is approximate; it examines ``max(k, 40)`` candidates per query, at most
        :data:`MAX_EF_SEARCH`.

        Args:
            queries: (m, dim) vectors.
            k: Chunks per query.

        Returns:
            Per query, (offer key, chunk number, inner product) triples.
        """
        breadth = min(max(k, 40), MAX_EF_SEARCH)
        found = []
        with self.database.engine.connect() as conn, conn.begin():
            conn.execute(select(func.set_config("hnsw.ef_search", str(breadth), True)))
            for query in np.asarray(queries, dtype=np.float32):
                distance = self.table.c.embedding.max_inner_product(query)  # minus the product
                rows = conn.execute(
                    select(self.table.c.key, self.table.c.chunk, distance)
                    .order_by(distance)
                    .limit(k)
                )
                found.append([(key, chunk, -float(negative)) for key, chunk, negative in rows])
        return found


class PgvectorIndex(VectorIndex):
    """The chunk rows of one offer set (a :class:`ChunkMatrix`'s) searched in PostgreSQL.

    Answers :meth:`search` with the matrix's row numbers. A neighbour found outside the set
    (the table may hold other offers) comes back as row -1 with its similarity, as FAISS pads
    a short answer, so the set's own neighbours may be fewer than ``k`` but the ``k``-th
    similarity still bounds every chunk left out. Offers with the same key (the same text)
    are found as the first of them.

    Args:
        store: Where the vectors are.
        keys: Each offer's embedding-cache key, in the matrix's order.
        starts: The matrix's :attr:`ChunkMatrix.starts`.
    """

    def __init__(self, store: PgvectorStore, keys: Sequence[str], starts: np.ndarray) -> None:
        # No vectors to hold here: the size and dimension are the matrix's.
        self.size, self.dim = int(starts[-1]), store.dim
        self.store = store
        self._rows = {
            key: (int(starts[offer]), int(starts[offer + 1] - starts[offer]))
            for offer, key in reversed(list(enumerate(keys)))
        }

    def _search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = np.full((len(queries), k), np.finfo(np.float32).min, dtype=np.float32)
        rows = np.full((len(queries), k), -1, dtype=np.int64)
        for number, found in enumerate(self.store.search(queries, k)):
            for place, (key, chunk, score) in enumerate(found):
                first, count = self._rows.get(key, (-1, 0))
                scores[number, place] = score
                rows[number, place] = first + chunk if chunk < count else -1
        return scores, rows
