"""Embed whole documents: chunk, reuse cached vectors, embed only what is new."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from jobmatch.embeddings.cache import EmbeddingCache, cache_key
from jobmatch.embeddings.chunking import chunk_text
from jobmatch.embeddings.models import Embedder, Role

#: Called with (documents done, documents to embed) while embedding.
ProgressCallback = Callable[[int, int], None]


def embed_documents(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    role: Role = "passage",
    cache: EmbeddingCache | None = None,
    progress: ProgressCallback | None = None,
    batch_size: int = 32,
) -> list[np.ndarray]:
    """Chunk vectors of each text.

    Args:
        embedder: The bi-encoder.
        texts: Documents of any length.
        role: ``"query"`` (the CV) or ``"passage"`` (offers). Default ``"passage"``.
        cache: Where vectors are looked up and stored. Default none.
        progress: Progress callback over the documents that were not cached. Default none.
        batch_size: Chunks per call to the model. Default 32.

    Returns:
        One (n_chunks, dim) unit-row matrix per text, in input order.
    """
    keys = [cache_key(embedder.name, role, embedder.max_tokens, text) for text in texts]
    found = cache.get_many(keys) if cache is not None else {}
    first_index = {key: index for index, key in reversed(list(enumerate(keys)))}
    missing = [index for key, index in first_index.items() if key not in found]
    new: dict[str, np.ndarray] = {}
    pending: list[tuple[int, list[str]]] = []
    pending_chunks = 0

    def flush() -> None:
        nonlocal pending, pending_chunks
        vectors = embedder.encode([chunk for _, chunks in pending for chunk in chunks], role)
        offset = 0
        for index, chunks in pending:
            new[keys[index]] = vectors[offset : offset + len(chunks)]
            offset += len(chunks)
        if cache is not None:
            cache.put_many({keys[index]: new[keys[index]] for index, _ in pending})
        pending, pending_chunks = [], 0

    for done, index in enumerate(missing, start=1):
        chunks = chunk_text(texts[index], embedder.count_tokens, embedder.max_tokens)
        pending.append((index, chunks))
        pending_chunks += len(chunks)
        if pending_chunks >= batch_size:
            flush()
            if progress is not None:
                progress(done, len(missing))
    if pending:
        flush()
    if progress is not None and missing:
        progress(len(missing), len(missing))
    return [found.get(key, new.get(key)) for key in keys]


def mean_vector(chunks: np.ndarray) -> np.ndarray:
    """A document's single vector: the re-normalised mean of its chunk vectors."""
    vector = chunks.mean(axis=0)
    return vector / max(float(np.linalg.norm(vector)), 1e-12)
