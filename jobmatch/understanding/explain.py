"""Grounded match explanations: each requirement of the offer paired with the CV evidence
that covers it, a verdict that follows the calibrated score band, tailoring advice, and an
optional LLM paragraph checked against those facts."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from jobmatch.embeddings import Embedder, EmbeddingCache, embed_documents, mean_vector
from jobmatch.facts import Facts, anonymise, extract_facts, offer_facts
from jobmatch.facts.skills import extract_skills
from jobmatch.llm import LLM, LLMCache, TokenCallback, generate_structured
from jobmatch.matching.calibration import band_of
from jobmatch.offers import Offer
from jobmatch.text import fold_accents
from jobmatch.understanding.grounding import check_generated, check_grounding, sentences
from jobmatch.understanding.summary import lines

PROMPT_VERSION = "explain-v1"
#: Cosine similarity (bundled multilingual-e5) from which a CV passage covers a requirement
#: sentence that names no skill, and from which it covers it in part (e5 puts unrelated
#: sentences near 0.83, so only the top of the scale counts).
COVERED_SIMILARITY = 0.88
PARTIAL_SIMILARITY = 0.865
#: Skills listed per kind (covered, missing) in a paragraph.
LISTED_SKILLS = 8
#: Requirement sentences kept per offer (besides its skills).
MAX_REQUIREMENT_SENTENCES = 8
_REQUIREMENT_HEADING = re.compile(
    r"(?i)(profil|profile|requirements?|qualifications?|compétences|competences|you have|"
    r"vous avez|looking for|recherchons|attendu|must have|skills)"
)
_REQUIREMENT_CUE = re.compile(
    r"(?i)\b(ma[iî]trise|exp[ée]rience|connaissance|dipl[oô]m|bac\s*\+|requis|souhait|"
    r"experience|knowledge of|proficien|degree|required|you have|familiar|fluent|courant)"
)
#: Verdict label and sentence per band and language (the band comes from ``final_score``).
VERDICTS = {
    "en": {
        "strong": "Strong match",
        "partial": "Partial match",
        "weak": "Weak match",
        "sentence": "{label} ({score:.0f}/100): the CV covers {covered} of {total} requirements.",
    },
    "fr": {
        "strong": "Forte adéquation",
        "partial": "Adéquation partielle",
        "weak": "Faible adéquation",
        "sentence": "{label} ({score:.0f}/100) : le CV couvre {covered} exigences sur {total}.",
    },
}
#: Words that give a band away, so a paragraph cannot contradict the score's band.
BAND_WORDS = {
    "strong": ("strong", "excellent", "forte", "fort", "excellente"),
    "partial": ("partial", "partielle", "partiel"),
    "weak": ("weak", "poor", "faible"),
}
ADVICE = {
    "en": {
        "missing": "Add {item} to your CV if you have it, with a concrete example: the offer "
        "asks for it.",
        "partial": "Make this requirement explicit: “{item}” (closest in your CV: “{quote}”).",
    },
    "fr": {
        "missing": "Ajoutez {item} à votre CV si vous le maîtrisez, avec un exemple concret : "
        "l'offre le demande.",
        "partial": "Rendez cette exigence explicite : « {item} » (le plus proche dans votre CV : "
        "« {quote} »).",
    },
}


#: One worked example per language for the paragraph.
PARAGRAPH_EXAMPLES = {
    "en": (
        "Offer: Accountant\nVerdict: Partial match (42/100): the CV covers 3 of 6 "
        "requirements.\nCovered: excel, sage\nMissing: consolidation, ifrs",
        '{"paragraph": "Partial match: the CV shows Excel and Sage. It does not show '
        'consolidation or IFRS, which the offer asks for."}',
    ),
    "fr": (
        "Offer: Comptable\nVerdict: Adéquation partielle (42/100) : le CV couvre 3 exigences "
        "sur 6.\nCovered: excel, sage\nMissing: consolidation, ifrs",
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
    """

    requirement: str
    kind: str
    status: str
    evidence: str | None = None
    similarity: float | None = None


class Explanation(BaseModel):
    """Why an offer scored what it did for a CV.

    Attributes:
        offer_id, title, company: The offer.
        rank: The offer's rank for the CV.
        final_score: Calibrated 0–100 score.
        band: Its band; ``verdict`` is the band's sentence in the offer's language.
        language: The offer's language.
        requirements: Each requirement with its evidence or marked missing.
        missing_skills: Skills the offer asks for that the CV does not show.
        advice: What to add or stress in the CV for this offer.
        paragraph: A short text written from the facts above only.
        paragraph_source: ``"llm"`` (generated, then checked) or ``"fallback"``.
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
    lines with a requirement cue ("maîtrise", "experience"…), at most
    :data:`MAX_REQUIREMENT_SENTENCES`."""
    found: list[str] = []
    inside = False
    for line in lines(description):
        if len(line.split()) <= 5 and not line.endswith((".", ";", ",")):
            inside = bool(_REQUIREMENT_HEADING.search(line))
            continue
        if inside:
            found.append(line)
    if not found:
        found = [line for line in lines(description) if _REQUIREMENT_CUE.search(line)]
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


def match_requirements(
    facts_of_offer: Facts,
    offer_sentences: Sequence[str],
    cv_facts: Facts,
    passages: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache | None = None,
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

    Returns:
        Skills first, then sentences, in the offer's order.
    """
    skills = list(facts_of_offer.skills)
    queries = [*skills, *offer_sentences]
    if not passages:
        return [
            RequirementMatch(
                requirement=q, kind="skill" if i < len(skills) else "sentence", status="missing"
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
            hard, soft = extract_skills(requirement, facts_of_offer.language, "gazetteer")
            named = [*hard, *soft]
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
            )
        )
    return matches


def tailoring_advice(requirements: Sequence[RequirementMatch], language: str) -> list[str]:
    """What to add (missing skills) or make explicit (partly covered sentences)."""
    templates = ADVICE[language]
    advice = [
        templates["missing"].format(item=r.requirement)
        for r in requirements
        if r.kind == "skill" and r.status == "missing"
    ]
    advice += [
        templates["partial"].format(item=r.requirement, quote=r.evidence)
        for r in requirements
        if r.status == "partial"
    ]
    return advice


def _skill_lists(explanation: Explanation) -> tuple[str, str]:
    """Covered and missing skills, each at most :data:`LISTED_SKILLS`, comma separated."""
    covered = [
        r.requirement
        for r in explanation.requirements
        if r.kind == "skill" and r.status == "covered"
    ]
    return tuple(  # type: ignore[return-value]
        ", ".join(items[:LISTED_SKILLS]) + ("…" if len(items) > LISTED_SKILLS else "")
        for items in (covered, explanation.missing_skills)
    )


def _paragraph_messages(explanation: Explanation) -> list[dict[str, str]]:
    covered, missing = _skill_lists(explanation)
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
    requirements, names outside the evidence, words of another band are removed), else the
    verdict and the lists of covered and missing requirements."""
    labels = (
        ("Couvert :", "Manquant :") if explanation.language == "fr" else ("Covered:", "Missing:")
    )
    fallback_text = " ".join(
        [explanation.verdict]
        + [
            f"{label} {items}" + ("" if items.endswith("…") else ".")
            for label, items in zip(labels, _skill_lists(explanation), strict=True)
            if items
        ]
    )
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
        + [r.requirement for r in explanation.requirements]
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
    """Explain one (CV, offer) match.

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
    facts_of_offer = offer_facts(offer)
    language = facts_of_offer.language
    requirements = match_requirements(
        facts_of_offer,
        requirement_sentences(offer.description),
        cv_facts,
        cv_passages(cv_text),
        embedder,
        cache,
    )
    band = str(band_of(np.array([final_score]))[0])
    texts = VERDICTS[language]
    verdict = texts["sentence"].format(
        label=texts[band],
        score=final_score,
        covered=sum(r.status == "covered" for r in requirements),
        total=len(requirements),
    )
    explanation = Explanation(
        offer_id=offer.id,
        title=offer.title,
        company=offer.company,
        rank=rank,
        final_score=round(float(final_score), 1),
        band=band,
        verdict=verdict,
        language=language,
        requirements=requirements,
        missing_skills=[
            r.requirement for r in requirements if r.kind == "skill" and r.status == "missing"
        ],
        advice=tailoring_advice(requirements, language),
        paragraph="",
        paragraph_source="fallback",
    )
    return word_paragraph(explanation, llm, cache=llm_cache, on_token=on_token)


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
