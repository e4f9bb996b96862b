"""The facts of an offer or CV, extracted deterministically and offline."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from jobmatch.facts import fields
from jobmatch.facts.entities import entities
from jobmatch.facts.skills import SkillMode, extract_skills, is_known_skill
from jobmatch.offers import Offer
from jobmatch.text import detect_language, model_view, tokenize


@dataclass(frozen=True)
class Facts:
    """What an offer asks for or a CV shows, normalised for matching.

    Attributes:
        language: "fr" or "en".
        hard_skills: Canonical lower-case names ("python", "machine learning").
        soft_skills: Canonical English names ("teamwork", "rigour").
        job_titles: Lower-case titles, gender markers ("H/F") removed.
        years_experience: Largest number of years stated, ``None`` when none is.
        seniority: "junior", "mid", "senior", "lead" or ``None``.
        education_level: "phd", "master", "bachelor", "bac+2", "secondary" or ``None``.
        languages: Spoken languages in English ("english", "french").
        contract: "CDI", "CDD", "internship", "apprenticeship", "interim", "freelance" or
            ``None``.
        place: Place as written ("Lyon (69)"), ``None`` when none is found.
        remote: "full", "hybrid", "none" or ``None`` (not said).
        salary: Normalised text ("45-55 k EUR / year", "2917 EUR / month") or ``None``.
    """

    language: str
    hard_skills: tuple[str, ...]
    soft_skills: tuple[str, ...]
    job_titles: tuple[str, ...]
    years_experience: float | None
    seniority: str | None
    education_level: str | None
    languages: tuple[str, ...]
    contract: str | None
    place: str | None
    remote: str | None
    salary: str | None

    @property
    def skills(self) -> tuple[str, ...]:
        """Hard then soft skills."""
        return self.hard_skills + self.soft_skills

    def to_dict(self) -> dict:
        """A JSON-ready dict (tuples become lists)."""
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}


def extract_facts(
    text: str, language: str | None = None, *, skill_mode: SkillMode = "gazetteer"
) -> Facts:
    """Extract the facts of an offer or CV.

    Args:
        text: Plain text (an offer with its title first, or a CV).
        language: "fr" or "en"; detected from the text when ``None`` (default).
        skill_mode: ``"gazetteer"`` (default: no model, a few milliseconds) or
            ``"classifier"`` (English hits checked in context by skill-extractor's MLP over
            MiniLM: slightly more precise, seconds per CV on a small CPU).

    Returns:
        The :class:`Facts` of the text's first :data:`~jobmatch.config.MAX_MODEL_CHARS`
        characters (:func:`~jobmatch.text.model_view`); the same text always gives the same
        facts.
    """
    text = model_view(text)
    language = language or detect_language(text)
    hard, soft = extract_skills(text, language, skill_mode)
    titles = fields.job_titles(text)
    years = fields.years_experience(text)
    where = fields.place(text)
    if where is None:
        places = (e.text for e in entities(text, language) if e.kind == "place")
        where = next((p for p in places if not is_known_skill(p)), None)
    return Facts(
        language=language,
        hard_skills=hard,
        soft_skills=soft,
        job_titles=titles,
        years_experience=years,
        seniority=fields.seniority(text, titles, years),
        education_level=fields.education_level(text),
        languages=fields.spoken_languages(text),
        contract=fields.contract_type(text),
        place=where,
        remote=fields.remote_policy(text),
        salary=fields.salary(text),
    )


def offer_facts(offer: Offer, skill_mode: SkillMode = "gazetteer") -> Facts:
    """:func:`extract_facts` of an offer's text, without "skills" that are only words of the
    company's name ("Verbatim Labs" is no requirement for "labs")."""
    facts = extract_facts(offer.text, skill_mode=skill_mode)
    company = set(tokenize(offer.company))
    if not company:
        return facts

    def named_after_company(skill: str) -> bool:
        words = set(tokenize(skill))
        return bool(words) and words <= company

    hard, soft = (
        tuple(skill for skill in skills if not named_after_company(skill))
        for skills in (facts.hard_skills, facts.soft_skills)
    )
    return replace(facts, hard_skills=hard, soft_skills=soft)
