"""Features of (CV, offer) pairs for the learned ranker: many signals per offer, one table.

For one CV against an offer set, :func:`match_features` returns one row per offer:

- **lexical** (:class:`~jobmatch.matching.lexical.LexicalScorer`, IDF learnt on the offers):
  ``tfidf``, ``tfidf_plain``, ``bm25``, ``bm25_reverse``, ``coverage``;
- **title**: ``title_tfidf`` (the CV's job titles and first line against the offer's title),
  ``title_in_cv`` (IDF-weighted share of the offer title's words found in the CV);
- **skills** (``jobmatch.facts`` gazetteer, no model): ``skill_coverage`` (IDF-weighted share
  of the offer's hard skills the CV names), ``skill_shared`` (log of 1 + skills in common),
  ``skill_share_cv`` (share of the CV's skills the offer names);
- **facts**: ``years_short`` (years the offer asks for beyond the CV's, 0–10),
  ``seniority_gap`` (levels apart), ``same_language``;
- no feature of the offer alone (its length, say): with one, a model learns which kinds of
  offer are often relevant in the training data, whoever the CV;
- **dense** (each bi-encoder's chunk similarities, :meth:`ChunkMatrix.signals`, averaged over
  the embedders after the mapping to 0–1 of :mod:`jobmatch.matching.scoring` for ``coverage``
  and ``mean``): ``dense_coverage``, ``dense_mean``;
- **relative**: ``z_<signal>``, each similarity's z-score within the offer set (0 when the set
  has fewer than :data:`MIN_RELATIVE` offers or the signal does not vary): how an offer
  stands among the others, whatever the CV's length or language does to raw values. The
  dense z-scores are averaged over the embedders.

Everything about the offers that does not depend on the CV (term counts, titles, skills,
years, language) is an :class:`OfferSetIndex`, saved per offer set beside the embedding
cache, so a new CV against known offers only reads it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from jobmatch.artifacts import atomic_write_bytes
from jobmatch.facts import fields
from jobmatch.facts.skills import extract_skills
from jobmatch.matching.lexical import LEXICAL_SIGNALS, LexicalScorer
from jobmatch.offers import Offer
from jobmatch.text import detect_language

#: Bump when what an index holds (or tokenisation, or weighting) changes: saved indexes of
#: older versions are ignored.
INDEX_VERSION = 1
#: Saved indexes kept in a folder; the least recently used beyond it are deleted.
MAX_SAVED_INDEXES = 8
#: Offer sets smaller than this get no relative (z-score) features.
MIN_RELATIVE = 3
#: Seniority levels in order (``jobmatch.facts.fields.seniority``).
SENIORITY_LEVELS = ("junior", "mid", "senior", "lead")
#: Signals that also get a within-set z-score.
RELATIVE_SIGNALS = (
    *LEXICAL_SIGNALS,
    "title_tfidf",
    "title_in_cv",
    "skill_coverage",
    "dense_coverage",
    "dense_cv_coverage",
    "dense_mean",
    "dense_max",
)
#: Every feature, in the order of :func:`match_features`' columns.
FEATURE_NAMES = (
    *LEXICAL_SIGNALS,
    "title_tfidf",
    "title_in_cv",
    "skill_coverage",
    "skill_shared",
    "skill_share_cv",
    "years_short",
    "seniority_gap",
    "same_language",
    "dense_coverage",
    "dense_mean",
    *(f"z_{name}" for name in RELATIVE_SIGNALS),
)
#: Features that need a bi-encoder.
DENSE_FEATURES = tuple(name for name in FEATURE_NAMES if "dense" in name)


def offer_title(offer: Offer) -> str:
    """The offer's title, or the first non-empty line of its text when it has none."""
    if offer.title.strip():
        return offer.title.strip()
    return next((line.strip() for line in offer.text.splitlines() if line.strip()), "")[:150]


@dataclass(frozen=True)
class TextFacts:
    """The facts of a text the features use (rules and gazetteer only: milliseconds).

    Attributes:
        language: ``"fr"`` or ``"en"``.
        skills: Hard skills, canonical names.
        titles: Job titles named in the text.
        years: Years of experience stated, ``nan`` when none.
        seniority: Index in :data:`SENIORITY_LEVELS`, ``nan`` when unknown.
    """

    language: str
    skills: tuple[str, ...]
    titles: tuple[str, ...]
    years: float
    seniority: float

    @classmethod
    def of(cls, text: str) -> TextFacts:
        """Read from ``text`` (cached per text)."""
        return _text_facts(text)


@lru_cache(maxsize=4096)
def _text_facts(text: str) -> TextFacts:
    language = detect_language(text)
    hard, _soft = extract_skills(text, language)
    titles = fields.job_titles(text)
    years = fields.years_experience(text)
    level = fields.seniority(text, titles, years)
    return TextFacts(
        language=language,
        skills=hard,
        titles=titles,
        years=np.nan if years is None else years,
        seniority=np.nan if level is None else float(SENIORITY_LEVELS.index(level)),
    )


class OfferSetIndex:
    """What the features need of an offer set, independent of the CV.

    Args:
        offers: The offers, in ranking order.
    """

    def __init__(self, offers: Sequence[Offer] = ()) -> None:
        facts = [TextFacts.of(offer.text) for offer in offers]
        self.text = LexicalScorer([offer.text for offer in offers])
        self.titles = LexicalScorer([offer_title(offer) for offer in offers])
        codes, vocabulary = pd.factorize(
            pd.Series([skill for f in facts for skill in f.skills], dtype=object)
        )
        rows = np.repeat(np.arange(len(facts)), [len(f.skills) for f in facts])
        self._set_skills(
            pd.Index(vocabulary, dtype=object),
            sparse.csr_matrix(
                (np.ones(len(codes)), (rows, codes)), shape=(len(facts), len(vocabulary))
            ),
        )
        self.years = np.array([f.years for f in facts], dtype=np.float64)
        self.seniority = np.array([f.seniority for f in facts], dtype=np.float64)
        self.english = np.array([f.language == "en" for f in facts], dtype=np.float64)

    def _set_skills(self, vocabulary: pd.Index, skills: sparse.csr_matrix) -> None:
        skills.sum_duplicates()
        skills.data[:] = 1.0
        self.skill_vocabulary = vocabulary
        self.skills = skills
        count = skills.shape[0]
        frequency = np.bincount(skills.indices, minlength=skills.shape[1])
        self.skill_idf = np.log((1 + count) / (1 + frequency)) + 1
        self.skill_weight = np.asarray(skills @ self.skill_idf).ravel()

    def __len__(self) -> int:
        return len(self.years)

    def to_bytes(self) -> bytes:
        """The index as an ``.npz`` archive (no pickled objects)."""
        buffer = io.BytesIO()
        np.savez(
            buffer,
            text=np.frombuffer(self.text.to_bytes(), dtype=np.uint8),
            titles=np.frombuffer(self.titles.to_bytes(), dtype=np.uint8),
            skill_vocabulary=np.frombuffer(
                "\n".join(self.skill_vocabulary).encode("utf-8"), dtype=np.uint8
            ),
            skill_indices=self.skills.indices,
            skill_indptr=self.skills.indptr,
            years=self.years,
            seniority=self.seniority,
            english=self.english,
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> OfferSetIndex:
        """An index saved by :meth:`to_bytes`."""
        archive = np.load(io.BytesIO(data), allow_pickle=False)
        index = cls()
        index.text = LexicalScorer.from_bytes(archive["text"].tobytes())
        index.titles = LexicalScorer.from_bytes(archive["titles"].tobytes())
        words = archive["skill_vocabulary"].tobytes().decode("utf-8")
        vocabulary = pd.Index(words.split("\n") if words else [], dtype=object)
        indices, indptr = archive["skill_indices"], archive["skill_indptr"]
        shape = (len(indptr) - 1, len(vocabulary))
        skills = sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=shape)
        index._set_skills(vocabulary, skills)
        index.years, index.seniority = archive["years"], archive["seniority"]
        index.english = archive["english"]
        if not len(index.years) == len(index.english) == shape[0]:
            raise ValueError("inconsistent offer-set index")
        return index

    @classmethod
    def cached(cls, offers: Sequence[Offer], folder: Path) -> OfferSetIndex:
        """The index of these offers, read from ``folder`` if saved there, else built and saved.

        Keyed by a hash of the offers' titles and texts, so any change builds a new index;
        only the :data:`MAX_SAVED_INDEXES` most recently used are kept. An unreadable file is
        rebuilt.
        """
        digest = hashlib.sha256(f"v{INDEX_VERSION}".encode())
        for offer in offers:
            digest.update(hashlib.sha256(f"{offer_title(offer)}\0{offer.text}".encode()).digest())
        path = Path(folder) / f"offers-{digest.hexdigest()[:32]}.npz"
        try:
            index = cls.from_bytes(path.read_bytes())
            if len(index) != len(offers):
                raise ValueError("saved index has another number of offers")
            path.touch()
            return index
        except (OSError, ValueError, KeyError):
            pass
        index = cls(offers)
        atomic_write_bytes(path, index.to_bytes())
        saved = sorted(path.parent.glob("offers-*.npz"), key=lambda p: p.stat().st_mtime)
        for stale in saved[:-MAX_SAVED_INDEXES]:
            stale.unlink(missing_ok=True)
        return index


def cv_title_text(cv_text: str, facts: TextFacts) -> str:
    """What the CV says it is: its job titles and its first non-empty line."""
    first = next((line.strip() for line in cv_text.splitlines() if line.strip()), "")
    return "\n".join((*facts.titles, first[:150]))


def zscore(values: np.ndarray, population: np.ndarray | None = None) -> np.ndarray:
    """``values`` standardised within the set: 0 for small sets or constant values.

    Args:
        values: One value per offer.
        population: Values whose mean and spread stand for the set's (a random sample of the
            offers, when only some were computed exactly). Default ``values``.
    """
    values = np.asarray(values, dtype=np.float64)
    population = values if population is None else np.asarray(population, dtype=np.float64)
    spread = population.std() if len(population) >= MIN_RELATIVE else 0.0
    if spread < 1e-9:
        return np.zeros(len(values))
    return (values - population.mean()) / spread


def match_features(
    cv_text: str,
    index: OfferSetIndex,
    dense: Sequence[Mapping[str, np.ndarray]] = (),
) -> pd.DataFrame:
    """The feature table of one CV against an offer set (see the module docstring).

    Args:
        cv_text: The CV.
        index: The offers' :class:`OfferSetIndex`.
        dense: Per bi-encoder, its raw :meth:`ChunkMatrix.signals` plus ``"coverage_percent"``
            and ``"mean_percent"`` (the 0–100 mappings of
            :func:`jobmatch.matching.scoring.anchors_for`) and, when only some offers were
            computed exactly, ``"<signal>_population"``: the values of a random sample of the
            offers, which set the z-scores' mean and spread. Empty: the dense features are
            ``nan``.

    Returns:
        One row per offer, in index order, columns :data:`FEATURE_NAMES`.
    """
    count = len(index)
    facts = TextFacts.of(cv_text)
    values: dict[str, np.ndarray] = dict(index.text.signals(cv_text))
    values["title_tfidf"] = index.titles.score(cv_title_text(cv_text, facts))
    values["title_in_cv"] = index.titles.signals(cv_text)["coverage"]
    known = index.skill_vocabulary.get_indexer(list(facts.skills))
    present = np.zeros(len(index.skill_vocabulary))
    present[known[known >= 0]] = 1.0
    shared = np.asarray(index.skills @ present).ravel()
    values["skill_coverage"] = np.asarray(index.skills @ (present * index.skill_idf)).ravel() / (
        np.maximum(index.skill_weight, 1e-12)
    )
    values["skill_shared"] = np.log1p(shared)
    values["skill_share_cv"] = shared / max(len(facts.skills), 1)
    short = index.years - facts.years
    values["years_short"] = np.clip(np.nan_to_num(short, nan=0.0), 0, 10)
    values["seniority_gap"] = np.nan_to_num(np.abs(index.seniority - facts.seniority), nan=0.0)
    values["same_language"] = (index.english == float(facts.language == "en")).astype(float)
    for name in ("coverage", "mean"):
        values[f"dense_{name}"] = (
            np.mean([signals[f"{name}_percent"] for signals in dense], axis=0) / 100
            if dense
            else np.full(count, np.nan)
        )
    for name in RELATIVE_SIGNALS:
        if name.startswith("dense_"):
            raw = name.removeprefix("dense_")
            values[f"z_{name}"] = (
                np.mean(
                    [zscore(signals[raw], signals.get(f"{raw}_population")) for signals in dense],
                    axis=0,
                )
                if dense
                else np.full(count, np.nan)
            )
        else:
            values[f"z_{name}"] = zscore(values[name])
    return pd.DataFrame({name: values[name] for name in FEATURE_NAMES})
