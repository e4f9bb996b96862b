"""CV synthesis: a structured, anonymised profile in the offer summary's fields."""

from __future__ import annotations

import re

from jobmatch.facts import anonymise, extract_facts
from jobmatch.i18n import N_, _
from jobmatch.llm import LLM, LLMCache, TokenCallback
from jobmatch.understanding.summary import (
    Summary,
    Wording,
    by_mention,
    first_sentence,
    section,
    with_level,
    write_wording,
)

PROMPT_VERSION = "cv-v1"
_PROFILE_HEADING = re.compile(r"(?i)\b(profil|profile|summary|résumé|about|objecti)")
_SENIORITY_FR = {"junior": "junior", "mid": "confirmé·e", "senior": "senior", "lead": "lead"}
#: The kinds of identity items anonymisation removes, as people name them.
REMOVED_LABELS = {
    "name": N_("names"),
    "email": N_("e-mail addresses"),
    "phone": N_("phone numbers"),
    "address": N_("addresses"),
    "birthdate": N_("birth dates"),
    "age": N_("ages"),
    "url": N_("web links"),
    "photo": N_("photo captions"),
}


class CVProfile(Summary):
    """A CV's structured profile (``core_mission``: the candidate's main work or goal).

    Attributes:
        years_experience: Largest number of years stated, or ``None``.
        education_level: Highest degree level found, or ``None``.
        languages: Spoken languages.
        job_titles: Titles found in the CV.
        anonymised: Whether identity was removed before anything else read the CV.
        removed: Count of identity items removed, per kind ("name", "email"…).
    """

    years_experience: float | None = None
    education_level: str | None = None
    languages: list[str]
    job_titles: list[str]
    anonymised: bool
    removed: dict[str, int]


def removed_summary(removed: dict[str, int]) -> str:
    """What anonymisation removed, e.g. ``"names (2), e-mail addresses (1)"``; ``"nothing
    found"`` when it removed nothing (in the current language)."""
    parts = [
        _("{label} ({count})").format(label=_(REMOVED_LABELS.get(kind, kind)), count=count)
        for kind, count in removed.items()
    ]
    return ", ".join(parts) or _("nothing found")


def fallback_wording(text: str, profile: CVProfile) -> Wording:
    """The deterministic wording: a templated profile and the CV's own summary sentence."""
    skills = ", ".join(by_mention(profile.hard_skills, text)[:4])
    years = profile.years_experience
    if profile.language == "fr":
        lead = with_level(profile.title or "Profil", _SENIORITY_FR.get(profile.seniority or ""))
        lead += f", {years:g} ans d'expérience" if years else ""
        sentence = lead + (f", compétences : {skills}." if skills else ".")
    else:
        lead = with_level(profile.title or "Profile", profile.seniority, before=True)
        lead += f" with {years:g} years of experience" if years else ""
        sentence = lead + (f", skilled in {skills}." if skills else ".")
    sentence = sentence[:1].upper() + sentence[1:]
    summary = section(text, _PROFILE_HEADING)
    return Wording.model_construct(profile=sentence, core_mission=first_sentence(summary or text))


def synthesise_profile(
    text: str,
    llm: LLM | None,
    *,
    keep_identity: bool = False,
    cache: LLMCache | None = None,
    on_token: TokenCallback | None = None,
) -> CVProfile:
    """The CV's profile: identity removed first (names, e-mails, phones, addresses, birth
    dates, photo captions) so only skills and experience reach the facts, the LLM and the
    output; facts extracted deterministically; two sentences worded by the LLM (checked),
    else templated.

    Args:
        text: The CV as plain text.
        llm: The model, or ``None`` for the deterministic wording only.
        keep_identity: Skip anonymisation. Default ``False``.
        cache: LLM output cache. Default none.
        on_token: Streams the generation. Default none.

    Returns:
        The profile, in the CV's language.
    """
    removed: dict[str, int] = {}
    if not keep_identity:
        anonymised = anonymise(text)
        text, removed = anonymised.text, anonymised.removed
    facts = extract_facts(text)
    profile = CVProfile(
        language=facts.language,
        title=facts.job_titles[0] if facts.job_titles else "",
        profile="",
        core_mission="",
        hard_skills=list(facts.hard_skills),
        soft_skills=list(facts.soft_skills),
        seniority=facts.seniority,
        contract=facts.contract,
        place=facts.place,
        years_experience=facts.years_experience,
        education_level=facts.education_level,
        languages=list(facts.languages),
        job_titles=list(facts.job_titles),
        anonymised=not keep_identity,
        removed=removed,
    )
    wording, source, flagged = write_wording(
        llm,
        title=profile.title,
        kind="CV",
        text=text,
        facts=facts,
        fallback=fallback_wording(text, profile),
        cache=cache,
        prompt_version=PROMPT_VERSION,
        on_token=on_token,
    )
    return profile.model_copy(update={**wording.model_dump(), "source": source, "flagged": flagged})
