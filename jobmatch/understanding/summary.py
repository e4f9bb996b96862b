"""What offer rewriting and CV synthesis share: the summary fields, the LLM's wording schema
and how the wording is asked for, checked and replaced by a deterministic one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from jobmatch.facts import Facts
from jobmatch.i18n import N_, _
from jobmatch.llm import LLM, LLMCache, TokenCallback, generate_structured
from jobmatch.text import fold_accents
from jobmatch.understanding.grounding import check_generated, check_grounding, sentences

#: Longest source excerpt put in a prompt (the small model reads slowly; facts carry the rest).
PROMPT_EXCERPT_CHARS = 600
#: One worked example per language (a small model follows an example far better than rules).
EXAMPLES = {
    "en": (
        "Title: Backend Developer\nSkills: python, django, postgresql\nText: We build a "
        "booking platform for clinics. You will design the APIs and keep the service fast.",
        '{"profile": "A backend developer who knows Python, Django and PostgreSQL.", '
        '"core_mission": "Design the APIs of a booking platform for clinics."}',
    ),
    "fr": (
        "Title: Comptable\nSkills: sage, excel\nText: Notre cabinet accompagne des PME. Vous "
        "tiendrez la comptabilité de vos clients et préparerez les bilans.",
        '{"profile": "Un comptable qui maîtrise Sage et Excel.", '
        '"core_mission": "Tenir la comptabilité des PME clientes et préparer leurs bilans."}',
    ),
}
_BULLET = re.compile(r"^\s*(?:[-•*·▪–]|\d+[.)])\s*")
#: How the coded values of the fields are shown (seniority, contract, languages, education);
#: values not listed (CDI, CDD, places, skills) are shown as written.
VALUE_LABELS = {
    "junior": N_("junior"),
    "mid": N_("mid-level"),
    "senior": N_("senior"),
    "lead": N_("lead"),
    "apprenticeship": N_("apprenticeship"),
    "internship": N_("internship"),
    "interim": N_("temporary work"),
    "freelance": N_("freelance"),
    "fr": N_("French"),
    "en": N_("English"),
    "english": N_("English"),
    "french": N_("French"),
    "german": N_("German"),
    "spanish": N_("Spanish"),
    "italian": N_("Italian"),
    "portuguese": N_("Portuguese"),
    "arabic": N_("Arabic"),
    "chinese": N_("Chinese"),
    "japanese": N_("Japanese"),
    "russian": N_("Russian"),
    "dutch": N_("Dutch"),
    "hindi": N_("Hindi"),
    "polish": N_("Polish"),
    "turkish": N_("Turkish"),
    "korean": N_("Korean"),
    "phd": N_("PhD"),
    "master": N_("master's degree (bac+5)"),
    "bachelor": N_("bachelor's degree (bac+3)"),
    "bac+2": N_("bac+2"),
    "secondary": N_("secondary school"),
}


def shown_value(value: str | None) -> str:
    """A field's value for people, in the current language; ``"—"`` when it is empty."""
    if not value:
        return "—"
    label = VALUE_LABELS.get(value)
    return value if label is None else _(label)


def shown_values(values: Sequence[str]) -> str:
    """Several values (skills, languages) as one comma-separated line; ``"—"`` for none."""
    return ", ".join(shown_value(value) for value in values) or "—"


class Summary(BaseModel):
    """The fields of an offer summary and of a CV profile.

    Attributes:
        language: "fr" or "en" (the source's; the wording is in it).
        title: The job title (offer) or the latest title held (CV), may be empty.
        profile: One sentence: the profile sought (offer) or the candidate's profile (CV).
        hard_skills: Canonical hard skills, from the deterministic facts only.
        soft_skills: Canonical soft skills, from the facts only.
        seniority: "junior", "mid", "senior", "lead" or ``None``.
        core_mission: One sentence: the job's core mission (offer) or the candidate's main
            work or goal (CV).
        contract: Contract type or ``None``.
        place: Place or ``None``.
        source: ``"llm"`` when the wording was generated, ``"fallback"`` when it is the
            deterministic one.
        flagged: Generated sentences removed by the grounding check.
    """

    language: str
    title: str = ""
    profile: str
    hard_skills: list[str]
    soft_skills: list[str]
    seniority: str | None = None
    core_mission: str
    contract: str | None = None
    place: str | None = None
    source: str = "fallback"
    flagged: list[str] = Field(default_factory=list)


class Wording(BaseModel):
    """What the LLM writes: two short sentences, in the language given as context."""

    profile: str = Field(min_length=15, max_length=400)
    core_mission: str = Field(min_length=15, max_length=400)

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> Wording:
        """See :func:`check_generated` (language, loops, support by the source)."""
        check_generated(f"{self.profile} {self.core_mission}", info.context)
        return self


def lines(text: str) -> list[str]:
    """Non-empty lines without bullet marks."""
    return [_BULLET.sub("", line).strip() for line in text.splitlines() if line.strip()]


def first_sentence(text: str, limit: int = 300) -> str:
    """The first sentence of ``text`` of at least five words, clipped to ``limit`` characters."""
    found = next((s for s in sentences(text) if len(s.split()) >= 5), text.strip())
    return found if len(found) <= limit else found[: limit - 1].rstrip() + "…"


def section(text: str, heading: re.Pattern[str]) -> str:
    """The lines after the first short line matching ``heading``, up to the next short
    heading-like line (no final period, at most five words); empty when there is none."""
    found: list[str] = []
    inside = False
    for line in lines(text):
        is_heading = len(line.split()) <= 5 and not line.endswith((".", ";", ","))
        if is_heading and heading.search(line):
            inside = True
            continue
        if inside and is_heading and found:
            break
        if inside:
            found.append(line)
    return "\n".join(found)


def by_mention(skills: Sequence[str], text: str) -> list[str]:
    """``skills`` in the order the text first names them (unnamed ones last)."""
    folded = fold_accents(text)

    def position(skill: str) -> int:
        found = folded.find(fold_accents(skill))
        return found if found >= 0 else len(folded)

    return sorted(skills, key=position)


def with_level(title: str, level: str | None, before: bool = False) -> str:
    """``title`` with the seniority ``level`` added, unless the title already says it."""
    if not level or fold_accents(level) in fold_accents(title):
        return title
    return f"{level} {title}" if before else f"{title} {level}"


def facts_lines(facts: Facts) -> str:
    """The facts as short ``key: value`` lines for a prompt (empty fields left out)."""
    values: dict[str, Any] = {
        "job titles": ", ".join(facts.job_titles),
        "hard skills": ", ".join(facts.hard_skills),
        "soft skills": ", ".join(facts.soft_skills),
        "seniority": facts.seniority,
        "years of experience": facts.years_experience,
        "contract": facts.contract,
        "place": facts.place,
    }
    return "\n".join(f"{key}: {value}" for key, value in values.items() if value)


def write_wording(
    llm: LLM | None,
    *,
    kind: str,
    title: str,
    text: str,
    facts: Facts,
    fallback: Wording,
    cache: LLMCache | None,
    prompt_version: str,
    on_token: TokenCallback | None = None,
) -> tuple[Wording, str, list[str]]:
    """Ask the LLM for the two sentences, check them against the source, else ``fallback``.

    Args:
        llm: The model, or ``None`` for the fallback.
        kind: What the text is, in the prompt (``"job offer"``, ``"CV"``).
        title: The job title shown to the model.
        text: The source text (already anonymised for CVs).
        facts: Its deterministic facts (the only skills the wording may name).
        fallback: The deterministic wording.
        cache: LLM output cache. Default none.
        prompt_version: Cache key part of the caller's prompt.
        on_token: Streams the generation.

    Returns:
        The wording, its source (``"llm"`` or ``"fallback"``) and the flagged sentences.
    """
    example, answer = EXAMPLES[facts.language]
    source = f"{facts_lines(facts)}\n{text}"
    messages = [
        {
            "role": "system",
            "content": f"Summarise the {kind} as JSON: the profile and the core mission, one short "
            "sentence each, in the language of the text, using only its words.",
        },
        {"role": "user", "content": example},
        {"role": "assistant", "content": answer},
        {
            "role": "user",
            "content": f"Title: {title}\nSkills: {', '.join(facts.hard_skills[:8])}\n"
            f"Text: {text[:PROMPT_EXCERPT_CHARS]}",
        },
    ]
    result = generate_structured(
        llm,
        messages,
        Wording,
        lambda: fallback,
        max_new_tokens=90,
        context={"language": facts.language, "source": source},
        cache=cache,
        prompt_version=prompt_version,
        on_token=on_token,
    )
    if result.source != "llm":
        return fallback, "fallback", []
    checked = {
        name: check_grounding(
            getattr(result.value, name),
            allowed_skills=facts.skills,
            evidence=source,
            language=facts.language,
        )
        for name in ("profile", "core_mission")
    }
    flagged = [line for grounded in checked.values() for line in grounded.flagged]
    wording = Wording.model_construct(
        **{name: grounded.text or getattr(fallback, name) for name, grounded in checked.items()}
    )
    return wording, "llm", flagged
