"""On-disk embedding cache keyed by (model, role, window, content hash)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np


def cache_key(model: str, role: str, max_tokens: int, text: str) -> str:
    """The key of one document's chunk vectors: changes with the model, role, window or text."""
    return hashlib.sha256(f"{model}\x1f{role}\x1f{max_tokens}\x1f{text}".encode()).hexdigest()


class EmbeddingCache:
    """A SQLite file of chunk-vector matrices (stored as float16), safe for concurrent use.

    Args:
        path: The cache file; parent folders are created.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY,"
            " rows INTEGER NOT NULL, dim INTEGER NOT NULL, data BLOB NOT NULL)"
        )
        self._connection.commit()

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors found for ``keys`` (missing keys are absent from the result)."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            placeholders = ",".join("?" * len(batch))
            rows = self._connection.execute(
                f"SELECT key, rows, dim, data FROM vectors WHERE key IN ({placeholders})", batch
            )
            for key, n_rows, dim, data in rows:
                found[key] = (
                    np.frombuffer(data, dtype=np.float16).reshape(n_rows, dim).astype(np.float32)
                )
        return found

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        """Store matrices by key in one transaction."""
        with self._connection:
            self._connection.executemany(
                "INSERT OR REPLACE INTO vectors (key, rows, dim, data) VALUES (?, ?, ?, ?)",
                [
                    (key, matrix.shape[0], matrix.shape[1], matrix.astype(np.float16).tobytes())
                    for key, matrix in items.items()
                ],
            )

    def __len__(self) -> int:
        return int(self._connection.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        self._connection.close()
