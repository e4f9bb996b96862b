"""Grounded match explanations: each requirement of the offer paired with the CV evidence
that covers it, a verdict that follows the calibrated score band, a few tailoring tips, and
an optional LLM paragraph checked against those facts.

Verdicts, tips and the standard paragraph are written in the interface language
(:func:`jobmatch.i18n.current_language`); skills are named as the offer writes them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from jobmatch.embeddings import Embedder, EmbeddingCache, embed_documents, mean_vector
from jobmatch.facts import Facts, anonymise, extract_facts, offer_facts
from jobmatch.facts.skills import extract_skills, gazetteer, is_soft_skill, normalise_skill
from jobmatch.i18n import N_, _, current_language, number
from jobmatch.insights import band_label
from jobmatch.llm import LLM, LLMCache, TokenCallback, generate_structured
from jobmatch.matching.calibration import band_of
from jobmatch.offers import Offer
from jobmatch.text import fold_accents
from jobmatch.understanding.grounding import check_generated, check_grounding, sentences
from jobmatch.understanding.summary import lines

PROMPT_VERSION = "explain-v2"
#: Cosine similarity (bundled multilingual-e5) from which a CV passage covers a requirement
#: sentence that names no skill, and from which it covers it in part (e5 puts unrelated
#: sentences near 0.83, so only the top of the scale counts).
COVERED_SIMILARITY = 0.88
PARTIAL_SIMILARITY = 0.865
#: Skills listed per kind (covered, missing) in a paragraph.
LISTED_SKILLS = 8
#: Requirement sentences kept per offer (besides its skills).
MAX_REQUIREMENT_SENTENCES = 8
#: Longest line (words) taken for a requirement outside a profile section: longer ones are
#: paragraphs about the company or the process.
MAX_REQUIREMENT_WORDS = 40
#: Tips kept per offer, most important first.
MAX_TIPS = 5
#: How each requirement status reads (translated when shown).
STATUS_LABELS = {
    "covered": N_("Covered"),
    "partial": N_("Partly covered"),
    "missing": N_("Missing"),
}
_REQUIREMENT_HEADING = re.compile(
    r"(?i)(profil|profile|requirements?|qualifications?|compétences|competences|you have|"
    r"vous avez|looking for|recherchons|attendu|must have|skills|about you|who you are|"
    r"what you bring|vous apportez|qui êtes-vous)"
)
_REQUIREMENT_CUE = re.compile(
    r"(?i)\b(ma[iî]trise|exp[ée]rience|connaissance|dipl[oô]m|bac\s*\+|requis|souhait|"
    r"experience|knowledge of|proficien|degree|required|you have|familiar|fluent|courant)"
)
#: Words that give a band away, so a paragraph cannot contradict the score's band.
BAND_WORDS = {
    "strong": ("strong", "excellent", "forte", "fort", "excellente"),
    "partial": ("partial", "partielle", "partiel"),
    "weak": ("weak", "poor", "faible"),
}
#: One worked example per language for the paragraph.
PARAGRAPH_EXAMPLES = {
    "en": (
        "Offer: Accountant\nVerdict: Partial match (42 %) — requirements covered: 3 of 6.\n"
        "Covered: Excel, Sage\nMissing: consolidation, IFRS",
        '{"paragraph": "Partial match: the CV shows Excel and Sage. It does not show '
        'consolidation or IFRS, which the offer asks for."}',
    ),
    "fr": (
        "Offer: Comptable\nVerdict: Adéquation partielle (42 %) — exigences couvertes : 3 sur "
        "6.\nCovered: Excel, Sage\nMissing: consolidation, IFRS",
        '{"paragraph": "Adéquation partielle : le CV montre Excel et Sage. Il ne montre pas la '
        "consolidation ni les normes IFRS, que l'offre demande.\"}",
    ),
}


class RequirementMatch(BaseModel):
    """One requirement of the offer and the CV's evidence for it.

    Attributes:
        requirement: A canonical skill or a requirement sentence of the offer.
        kind: ``"skill"`` or ``"sentence"``.
        status: ``"covered"``, ``"partial"`` or ``"missing"``.
        evidence: The CV passage quoted (``None`` when missing).
        similarity: Cosine similarity of that passage with the requirement.
        label: The requirement as the offer writes it ("Intelligence artificielle" for the
            skill ``artificial intelligence``). Default: ``requirement``.
    """

    requirement: str
    kind: str
    status: str
    evidence: str | None = None
    similarity: float | None = None
    label: str = Field(default="", validate_default=True)

    @field_validator("label")
    @classmethod
    def _as_written(cls, value: str, info: ValidationInfo) -> str:
        """The requirement itself where no spelling is given (records written before)."""
        return value or info.data.get("requirement", "")


class Explanation(BaseModel):
    """Why an offer scored what it did for a CV.

    Attributes:
        offer_id, title, company: The offer.
        rank: The offer's rank for the CV.
        final_score: Calibrated 0–100 score.
        band: Its band; ``verdict`` is the band's sentence.
        language: The language of the verdict, the advice and the paragraph (the interface's
            when explained, see :func:`reworded`).
        requirements: Each requirement with its evidence or marked missing; skills first,
            the offer's most mentioned first.
        missing_skills: Skills the offer asks for that the CV does not show.
        advice: At most :data:`MAX_TIPS` tips, most important first (see :func:`tips`).
        paragraph: A short text written from the facts above only.
        paragraph_source: ``"llm"`` (generated, then checked) or ``"fallback"`` (the standard
            wording, :func:`standard_paragraph`).
        flagged: Generated sentences removed by the grounding check, with the reason.
    """

    offer_id: str
    title: str
    company: str
    rank: int
    final_score: float
    band: str
    verdict: str
    language: str
    requirements: list[RequirementMatch]
    missing_skills: list[str]
    advice: list[str]
    paragraph: str
    paragraph_source: str
    flagged: list[str] = Field(default_factory=list)


class Paragraph(BaseModel):
    """The LLM's paragraph, in the language given as context."""

    paragraph: str = Field(min_length=20, max_length=800)

    @field_validator("paragraph")
    @classmethod
    def _checked(cls, value: str, info: ValidationInfo) -> str:
        """See :func:`check_generated` (language, loops, support by the facts)."""
        check_generated(value, info.context)
        return value


def requirement_sentences(description: str) -> list[str]:
    """Sentences of an offer that state requirements: the lines of its profile section, else
    lines of at most :data:`MAX_REQUIREMENT_WORDS` words with a requirement cue ("maîtrise",
    "experience"…), at most :data:`MAX_REQUIREMENT_SENTENCES`."""
    found: list[str] = []
    inside = False
    for line in lines(description):
        if len(line.split()) <= 5 and not line.endswith((".", ";", ",")):
            inside = bool(_REQUIREMENT_HEADING.search(line))
            continue
        if inside:
            found.append(line)
    if not found:
        found = [
            line
            for line in lines(description)
            if _REQUIREMENT_CUE.search(line) and len(line.split()) <= MAX_REQUIREMENT_WORDS
        ]
    return found[:MAX_REQUIREMENT_SENTENCES]


def cv_passages(text: str) -> list[str]:
    """The CV's quotable passages: its lines, long ones split into sentences."""
    return [s for line in lines(text) for s in sentences(line) if len(s) >= 20]


def _vectors(
    embedder: Embedder, texts: Sequence[str], role: str, cache: EmbeddingCache | None
) -> np.ndarray:
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    chunks = embed_documents(embedder, texts, role=role, cache=cache)
    return np.stack([mean_vector(matrix) for matrix in chunks])


def skill_mentions(text: str) -> dict[str, list[str]]:
    """Each skill the gazetteer finds in ``text`` (canonical name) → how the text writes it,
    once per mention, in order (``{"artificial intelligence": ["IA", "intelligence
    artificielle"]}``)."""
    folded = fold_accents(text).replace("’", "'")
    original = text if len(text) == len(folded) else folded  # offsets index the folded text
    found: dict[str, list[str]] = {}
    for term, start, end in gazetteer().extract(folded):
        found.setdefault(normalise_skill(term), []).append(original[start:end])
    return found


def match_requirements(
    facts_of_offer: Facts,
    offer_sentences: Sequence[str],
    cv_facts: Facts,
    passages: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache | None = None,
    mentions: dict[str, list[str]] | None = None,
) -> list[RequirementMatch]:
    """Pair every requirement with its best CV passage.

    A skill is covered when the CV's facts hold it. A sentence naming skills is covered when
    the CV holds all of them, partly covered when it holds some; a sentence naming none is
    covered or partly covered by its closest passage from :data:`COVERED_SIMILARITY` /
    :data:`PARTIAL_SIMILARITY`. The quote is the closest passage naming the most of the
    requirement's skills, else the closest passage. The rest is missing.

    Args:
        facts_of_offer: The offer's facts (its skills are requirements).
        offer_sentences: The offer's requirement sentences.
        cv_facts: The CV's facts.
        passages: The CV's passages (see :func:`cv_passages`).
        embedder: The bi-encoder for similarities.
        cache: Embedding cache. Default none.
        mentions: How the offer writes each skill (:func:`skill_mentions` of its text).
            Default none: skills in the facts' order, by canonical name.

    Returns:
        Hard then soft skills, each those the requirement sentences name first, then the
        offer's most mentioned, labelled as the offer first writes them; then the sentences
        in the offer's order.
    """
    mentions = mentions or {}
    named_in = {
        sentence: [*chain(*extract_skills(sentence, facts_of_offer.language, "gazetteer"))]
        for sentence in offer_sentences
    }
    required = {skill for named in named_in.values() for skill in named}

    def by_importance(names: Sequence[str]) -> list[str]:
        return sorted(names, key=lambda name: (name not in required, -len(mentions.get(name, ()))))

    skills = [
        *by_importance(facts_of_offer.hard_skills),
        *by_importance(facts_of_offer.soft_skills),
    ]
    queries = [*skills, *offer_sentences]
    labels = [mentions.get(skill, [skill])[0] for skill in skills] + list(offer_sentences)
    if not passages:
        return [
            RequirementMatch(
                requirement=q,
                kind="skill" if i < len(skills) else "sentence",
                status="missing",
                label=labels[i],
            )
            for i, q in enumerate(queries)
        ]
    similarity = (
        _vectors(embedder, queries, "query", cache)
        @ _vectors(embedder, passages, "passage", cache).T
    )
    folded = [fold_accents(p) for p in passages]
    held = set(cv_facts.skills)
    matches = []
    for index, requirement in enumerate(queries):
        row = similarity[index]
        if index < len(skills):
            named = [requirement]
            status = "covered" if requirement in held else "missing"
        else:
            named = named_in[requirement]
            if named:
                count = sum(skill in held for skill in named)
                status = "covered" if count == len(named) else "partial" if count else "missing"
            else:
                best = float(row.max())
                status = (
                    "covered"
                    if best >= COVERED_SIMILARITY
                    else "partial"
                    if best >= PARTIAL_SIMILARITY
                    else "missing"
                )
        mentions = np.array([sum(fold_accents(s) in p for s in named) for p in folded])
        best = int(np.argmax(mentions * 10.0 + row))
        quoted = status != "missing"
        matches.append(
            RequirementMatch(
                requirement=requirement,
                kind="skill" if index < len(skills) else "sentence",
                status=status,
                evidence=passages[best] if quoted else None,
                similarity=round(float(row[best]), 3) if quoted else None,
                label=labels[index],
            )
        )
    return matches


def verdict(band: str, score: float, covered: int, total: int) -> str:
    """The verdict sentence in the current language: "Partial match (42 %) — requirements
    covered: 3 of 6."."""
    return _("{label} ({score} %) — requirements covered: {covered} of {total}.").format(
        label=band_label(band), score=number(score, 0), covered=covered, total=total
    )


def tips(requirements: Sequence[RequirementMatch]) -> list[str]:
    """At most :data:`MAX_TIPS` tips in the current language, most important first: hard
    skills the offer asks for and the CV lacks (in the requirements' order: the offer's most
    mentioned first), then requirements the CV covers only in part, then missing soft
    skills."""
    missing = [r for r in requirements if r.kind == "skill" and r.status == "missing"]
    add = _(
        "Add {skill} to your CV if you have it, with a concrete example: the offer asks for it."
    )
    found = [add.format(skill=r.label) for r in missing if not is_soft_skill(r.requirement)]
    found += [
        _(
            "Make this requirement explicit: “{requirement}” (closest in your CV: “{quote}”)."
        ).format(requirement=r.label, quote=r.evidence)
        for r in requirements
        if r.status == "partial"
    ]
    found += [add.format(skill=r.label) for r in missing if is_soft_skill(r.requirement)]
    return found[:MAX_TIPS]


def requirements_table(explanation: Explanation) -> pd.DataFrame:
    """One row per requirement, for people: ``requirement`` as the offer writes it,
    ``status`` in words of the current language, ``evidence`` (the CV passage quoted; empty
    when missing)."""
    requirements = explanation.requirements
    return pd.DataFrame(
        {
            "requirement": [r.label for r in requirements],
            "status": [_(STATUS_LABELS[r.status]) for r in requirements],
            "evidence": [r.evidence or "" for r in requirements],
        }
    )


def _skill_lists(requirements: Sequence[RequirementMatch]) -> tuple[str, str]:
    """Covered and missing skills as the offer writes them, each at most
    :data:`LISTED_SKILLS`, comma separated."""
    skills = [r for r in requirements if r.kind == "skill"]
    return tuple(  # type: ignore[return-value]
        ", ".join(items[:LISTED_SKILLS]) + ("…" if len(items) > LISTED_SKILLS else "")
        for items in (
            [r.label for r in skills if r.status == "covered"],
            [r.label for r in skills if r.status == "missing"],
        )
    )


def standard_paragraph(requirements: Sequence[RequirementMatch]) -> str:
    """The paragraph without an LLM, in the current language: the skills the CV shows and
    those it lacks (empty when the offer names no skill)."""
    covered, missing = _skill_lists(requirements)
    parts = [
        template.format(skills=items) + ("" if items.endswith("…") else ".")
        for template, items in (
            (_("In the CV: {skills}"), covered),
            (_("Not in the CV: {skills}"), missing),
        )
        if items
    ]
    return " ".join(parts)


def reworded(explanation: Explanation) -> Explanation:
    """``explanation`` with its verdict, tips and standard paragraph in the current language
    (an LLM's paragraph is kept as written)."""
    requirements = explanation.requirements
    update = {
        "language": current_language(),
        "verdict": verdict(
            explanation.band,
            explanation.final_score,
            sum(r.status == "covered" for r in requirements),
            len(requirements),
        ),
        "advice": tips(requirements),
    }
    if explanation.paragraph_source != "llm":
        update["paragraph"] = standard_paragraph(requirements)
    return explanation.model_copy(update=update)


def _paragraph_messages(explanation: Explanation) -> list[dict[str, str]]:
    covered, missing = _skill_lists(explanation.requirements)
    example, answer = PARAGRAPH_EXAMPLES[explanation.language]
    return [
        {
            "role": "system",
            "content": "Explain the job match as JSON in two short sentences, in the language "
            "of the verdict, using only the facts given.",
        },
        {"role": "user", "content": example},
        {"role": "assistant", "content": answer},
        {
            "role": "user",
            "content": f"Offer: {explanation.title}\nVerdict: {explanation.verdict}\n"
            f"Covered: {covered or '-'}\nMissing: {missing or '-'}",
        },
    ]


def word_paragraph(
    explanation: Explanation,
    llm: LLM | None,
    *,
    cache: LLMCache | None = None,
    on_token: TokenCallback | None = None,
) -> Explanation:
    """Add the paragraph: the LLM's, checked by :func:`check_grounding` (skills outside the
    requirements, names outside the evidence, words of another band are removed), else
    :func:`standard_paragraph`."""
    fallback_text = standard_paragraph(explanation.requirements)
    messages = _paragraph_messages(explanation)
    result = generate_structured(
        llm,
        messages,
        Paragraph,
        lambda: Paragraph.model_construct(paragraph=fallback_text),
        max_new_tokens=120,
        context={
            "language": explanation.language,
            # the facts, and the example's wording (its skills are then removed as ungrounded)
            "source": f"{messages[-1]['content']}\n{messages[-2]['content']}",
        },
        cache=cache,
        prompt_version=PROMPT_VERSION,
        on_token=on_token,
    )
    if result.source != "llm":
        return explanation.model_copy(
            update={"paragraph": fallback_text, "paragraph_source": "fallback"}
        )
    evidence = "\n".join(
        [explanation.title, explanation.company, explanation.verdict]
        + [f"{r.requirement}\n{r.label}" for r in explanation.requirements]
        + [r.evidence or "" for r in explanation.requirements]
    )
    grounded = check_grounding(
        result.value.paragraph,
        allowed_skills=[r.requirement for r in explanation.requirements if r.kind == "skill"],
        evidence=evidence,
        language=explanation.language,
        forbidden=[
            w for band, words in BAND_WORDS.items() if band != explanation.band for w in words
        ],
    )
    if not grounded.text:
        return explanation.model_copy(
            update={
                "paragraph": fallback_text,
                "paragraph_source": "fallback",
                "flagged": grounded.flagged,
            }
        )
    return explanation.model_copy(
        update={"paragraph": grounded.text, "paragraph_source": "llm", "flagged": grounded.flagged}
    )


def explain_match(
    cv_text: str,
    offer: Offer,
    *,
    rank: int,
    final_score: float,
    embedder: Embedder,
    llm: LLM | None = None,
    cv_facts: Facts | None = None,
    cache: EmbeddingCache | None = None,
    llm_cache: LLMCache | None = None,
    on_token: TokenCallback | None = None,
) -> Explanation:
    """Explain one (CV, offer) match, in the current language.

    Args:
        cv_text: The CV.
        offer: The offer.
        rank: Its rank for the CV.
        final_score: Its calibrated score; the verdict follows its band.
        embedder: Bi-encoder for the evidence search.
        llm: Writes the paragraph; ``None`` for the deterministic one. Default none.
        cv_facts: The CV's facts if already extracted. Default: extracted here.
        cache: Embedding cache. Default none.
        llm_cache: LLM output cache. Default none.
        on_token: Streams the paragraph. Default none.

    Returns:
        The explanation.
    """
    cv_facts = cv_facts or extract_facts(cv_text)
    requirements = match_requirements(
        offer_facts(offer),
        requirement_sentences(offer.description),
        cv_facts,
        cv_passages(cv_text),
        embedder,
        cache,
        skill_mentions(offer.text),
    )
    explanation = Explanation(
        offer_id=offer.id,
        title=offer.title,
        company=offer.company,
        rank=rank,
        final_score=round(float(final_score), 1),
        band=str(band_of(np.array([final_score]))[0]),
        verdict="",
        language="",
        requirements=requirements,
        missing_skills=[
            r.requirement for r in requirements if r.kind == "skill" and r.status == "missing"
        ],
        advice=[],
        paragraph="",
        paragraph_source="fallback",
    )
    return word_paragraph(reworded(explanation), llm, cache=llm_cache, on_token=on_token)


def explain_matches(
    cv_text: str,
    offers: Sequence[Offer],
    matches: pd.DataFrame,
    *,
    top_k: int,
    embedder: Embedder,
    llm: LLM | None = None,
    cache: EmbeddingCache | None = None,
    llm_cache: LLMCache | None = None,
    on_token: TokenCallback | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Explanation]:
    """Explain the ``top_k`` best matches of one CV.

    Args:
        cv_text: The CV.
        offers: The offers ranked.
        matches: One CV's ranking (``offer_id``, ``rank``, ``final_score`` columns).
        top_k: How many of the best offers to explain.
        embedder: Bi-encoder for the evidence search.
        llm: Writes the paragraphs; ``None`` for deterministic ones. Default none.
        cache: Embedding cache. Default none.
        llm_cache: LLM output cache. Default none.
        on_token: Streams the paragraphs. Default none.
        progress: ``(done, total)`` callback. Default none.

    The CV is anonymised first, so no quote carries the candidate's identity.

    Returns:
        One explanation per offer, best first.
    """
    by_id = {offer.id: offer for offer in offers}
    best = matches.sort_values("rank").head(top_k)
    cv_text = anonymise(cv_text).text
    cv_facts = extract_facts(cv_text)
    explanations = []
    for done, row in enumerate(best.itertuples(), start=1):
        explanations.append(
            explain_match(
                cv_text,
                by_id[str(row.offer_id)],
                rank=int(row.rank),
                final_score=float(row.final_score),
                embedder=embedder,
                llm=llm,
                cv_facts=cv_facts,
                cache=cache,
                llm_cache=llm_cache,
                on_token=on_token,
            )
        )
        if progress is not None:
            progress(done, len(best))
    return explanations
