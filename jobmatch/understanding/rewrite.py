"""Offer rewriting: a clean summary of each offer, in its language, facts first."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from jobmatch.facts import offer_facts
from jobmatch.llm import LLM, LLMCache, TokenCallback
from jobmatch.offers import Offer
from jobmatch.understanding.summary import (
    Summary,
    Wording,
    by_mention,
    first_sentence,
    section,
    with_level,
    write_wording,
)

PROMPT_VERSION = "offer-v1"
_MISSION_HEADING = re.compile(
    r"(?i)\b(missions?|vos missions|le poste|responsabilit|responsibilit|role|what you.ll do)"
)
_SENIORITY_FR = {"junior": "junior", "mid": "confirmé", "senior": "senior", "lead": "lead"}


class OfferSummary(Summary):
    """An offer's summary (``profile`` is the profile sought).

    Attributes:
        offer_id: The offer's id.
        company: The employer, may be empty.
    """

    offer_id: str
    company: str = ""


def fallback_wording(offer: Offer, summary: Summary) -> Wording:
    """The deterministic wording: a templated profile and the first mission sentence."""
    title = offer.title.strip() or "-"
    skills = ", ".join(by_mention(summary.hard_skills, offer.text)[:4])
    if summary.language == "fr":
        title = with_level(title, _SENIORITY_FR.get(summary.seniority or ""))
        profile = f"Profil {title}" + (f", maîtrisant {skills}." if skills else ".")
    else:
        profile = with_level(title, summary.seniority, before=True)
        profile = profile[:1].upper() + profile[1:] + (f" with {skills}." if skills else ".")
    missions = section(offer.description, _MISSION_HEADING)
    return Wording.model_construct(
        profile=profile, core_mission=first_sentence(missions or offer.description)
    )


def rewrite_offer(
    offer: Offer,
    llm: LLM | None,
    *,
    cache: LLMCache | None = None,
    on_token: TokenCallback | None = None,
) -> OfferSummary:
    """Summarise one offer: skills, seniority, contract and place from the deterministic
    facts; the profile sought and core mission worded by the LLM (checked), else templated.

    Args:
        offer: The offer.
        llm: The model, or ``None`` for the deterministic wording only.
        cache: LLM output cache. Default none.
        on_token: Streams the generation. Default none.

    Returns:
        The summary, in the offer's language.
    """
    facts = offer_facts(offer)
    summary = OfferSummary(
        offer_id=offer.id,
        company=offer.company,
        language=facts.language,
        title=offer.title,
        profile="",
        core_mission="",
        hard_skills=list(facts.hard_skills),
        soft_skills=list(facts.soft_skills),
        seniority=facts.seniority,
        contract=facts.contract,
        place=offer.location or facts.place,
    )
    wording, source, flagged = write_wording(
        llm,
        title=offer.title,
        kind="job offer",
        text=offer.text,
        facts=facts,
        fallback=fallback_wording(offer, summary),
        cache=cache,
        prompt_version=PROMPT_VERSION,
        on_token=on_token,
    )
    return summary.model_copy(update={**wording.model_dump(), "source": source, "flagged": flagged})


def rewrite_offers(
    offers: Sequence[Offer],
    llm: LLM | None,
    *,
    cache: LLMCache | None = None,
    on_token: TokenCallback | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[OfferSummary]:
    """:func:`rewrite_offer` for each offer, with an optional ``(done, total)`` callback."""
    summaries = []
    for done, offer in enumerate(offers, start=1):
        summaries.append(rewrite_offer(offer, llm, cache=cache, on_token=on_token))
        if progress is not None:
            progress(done, len(offers))
    return summaries
