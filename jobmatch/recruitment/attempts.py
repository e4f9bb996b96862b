"""Taking a test: once, within its time limit, answers saved one by one as the candidate goes
(a reload or a crash loses nothing), submitted once and graded on the server."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from jobmatch.i18n import _
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.accounts import User
from jobmatch.recruitment.assessments import (
    CandidateQuestion,
    candidate_assessment_row,
    candidate_questions,
    list_assessments,
)
from jobmatch.recruitment.errors import (
    AccessDenied,
    AttemptClosed,
    MalformedAnswer,
    RecruitmentError,
)
from jobmatch.recruitment.grading import EmbedderFor, chosen_index, grade_attempt, read_reasoning
from jobmatch.recruitment.offers import posting_row
from jobmatch.storage import Database

#: Longest answer kept, in characters.
MAX_ANSWER_CHARS = 5000


@dataclass(frozen=True)
class CandidateTest:
    """A test as its candidate sees it: questions without keys, their saved answers and the
    clock.

    Args:
        assessment_id: The test.
        title: Its title.
        time_limit_minutes: Time allowed once started.
        questions: The questions, without answer keys or rubrics.
        started_at: When they started; ``None`` before.
        deadline: When answers stop being accepted; ``None`` before starting.
        submitted_at: When it was submitted (or closed at the deadline); ``None`` before.
        score: Their total (0–100) once graded.
        answers: Question id → saved answer (a choice's index for multiple choice).
    """

    assessment_id: str
    title: str
    time_limit_minutes: int
    questions: tuple[CandidateQuestion, ...]
    started_at: datetime | None = None
    deadline: datetime | None = None
    submitted_at: datetime | None = None
    score: float | None = None
    answers: dict[str, str] = field(default_factory=dict)

    def seconds_left(self, now: datetime | None = None) -> float:
        """Seconds until the deadline (0 when over or not started)."""
        if self.deadline is None or self.submitted_at is not None:
            return 0.0
        return max((self.deadline - (now or _now())).total_seconds(), 0.0)


def _now() -> datetime:
    return datetime.now(UTC)


def _attempt(conn: Connection, actor: User, assessment_id: str) -> Any:
    return conn.execute(
        select(t.attempts).where(
            t.attempts.c.assessment_id == assessment_id, t.attempts.c.candidate_id == actor.id
        )
    ).one_or_none()


def _readable(question: CandidateQuestion, value: str) -> bool:
    """Whether a saved answer can be shown back (not a malformed multiple-choice one)."""
    if question.kind != "mcq":
        return True
    try:
        chosen_index(value, len(question.choices))
    except MalformedAnswer:
        return False
    return True


def get_candidate_test(database: Database, actor: User, assessment_id: str) -> CandidateTest:
    """The test as the candidate sees it (without starting it); a malformed saved answer is
    left out of ``answers`` (the question shows unanswered)."""
    with database.engine.connect() as conn:
        row = candidate_assessment_row(conn, actor, assessment_id)
        attempt = _attempt(conn, actor, assessment_id)
        questions = tuple(candidate_questions(conn, assessment_id))
        saved = {}
        if attempt is not None:
            query = select(t.answers).where(t.answers.c.attempt_id == attempt.id)
            saved = {answer.question_id: answer.value for answer in conn.execute(query)}
        answers = {
            question.id: saved[question.id]
            for question in questions
            if question.id in saved and _readable(question, saved[question.id])
        }
        return CandidateTest(
            assessment_id=row.id,
            title=row.title,
            time_limit_minutes=row.time_limit_minutes,
            questions=questions,
            started_at=None if attempt is None else attempt.started_at,
            deadline=None if attempt is None else attempt.deadline,
            submitted_at=None if attempt is None else attempt.submitted_at,
            score=None if attempt is None else attempt.score,
            answers=answers,
        )


def start_attempt(
    database: Database, actor: User, assessment_id: str, *, now: datetime | None = None
) -> CandidateTest:
    """Start the clock (once: starting again returns the running attempt unchanged)."""
    now = now or _now()
    with database.transaction(write_lock=True) as conn:
        row = candidate_assessment_row(conn, actor, assessment_id)
        if _attempt(conn, actor, assessment_id) is None:
            conn.execute(
                t.attempts.insert().values(
                    id=uuid.uuid4().hex,
                    assessment_id=assessment_id,
                    application_id=row.candidate_application_id,
                    candidate_id=actor.id,
                    started_at=now,
                    deadline=now + timedelta(minutes=row.time_limit_minutes),
                    submitted_at=None,
                    score=None,
                )
            )
    return get_candidate_test(database, actor, assessment_id)


def _open_attempt(conn: Connection, actor: User, assessment_id: str, now: datetime) -> Any:
    candidate_assessment_row(conn, actor, assessment_id)
    attempt = _attempt(conn, actor, assessment_id)
    if attempt is None:
        raise RecruitmentError(_("Start the test first."))
    if attempt.submitted_at is not None:
        raise AttemptClosed(_("This test was submitted already: it can be taken only once."))
    return attempt


def save_answer(
    database: Database,
    actor: User,
    assessment_id: str,
    question_id: str,
    value: str,
    *,
    now: datetime | None = None,
) -> None:
    """Save (or replace) one answer of a running attempt.

    Args:
        database: The database.
        actor: The candidate taking the test.
        assessment_id: The test.
        question_id: One of its questions.
        value: The answer: a choice's index (``"0"``, ``"1"``…) or ``""`` (none) for
            multiple choice, text for a short answer (cut to :data:`MAX_ANSWER_CHARS`).
        now: The current time; default the clock.

    Raises:
        AttemptClosed: Submitted already, or the deadline has passed.
        AccessDenied: The question is not part of this test, or the test is not theirs.
        MalformedAnswer: A multiple-choice answer that names none of the choices.
    """
    now = now or _now()
    with database.transaction() as conn:
        attempt = _open_attempt(conn, actor, assessment_id, now)
        if now >= attempt.deadline:
            raise AttemptClosed(_("Time is over: answers are no longer accepted."))
        question = conn.execute(
            select(t.questions.c.kind, t.questions.c.choices).where(
                t.questions.c.id == question_id, t.questions.c.assessment_id == assessment_id
            )
        ).one_or_none()
        if question is None:
            raise AccessDenied("question")
        if question.kind == "mcq":
            index = chosen_index(value, len(json.loads(question.choices)))
            value = "" if index is None else str(index)
        stmt = database.insert(t.answers).values(
            attempt_id=attempt.id,
            question_id=question_id,
            value=str(value)[:MAX_ANSWER_CHARS],
            saved_at=now,
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.answers.c.attempt_id, t.answers.c.question_id],
                set_={"value": stmt.excluded.value, "saved_at": stmt.excluded.saved_at},
            )
        )


def submit_attempt(
    database: Database,
    actor: User,
    assessment_id: str,
    *,
    embedder_for: EmbedderFor,
    now: datetime | None = None,
) -> float:
    """Submit once and grade on the server from the saved answers; nothing else is read.

    Submitting after the deadline is refused, but the answers saved before it are graded
    (the attempt closes at the deadline).

    Args:
        database: The database.
        actor: The candidate.
        assessment_id: The test.
        embedder_for: Gives a bundled embedder by name, for short answers.
        now: The current time; default the clock.

    Returns:
        The total score, 0–100.

    Raises:
        AttemptClosed: Submitted already, or past the deadline.
    """
    now = now or _now()
    with database.transaction(write_lock=True) as conn:
        attempt = _open_attempt(conn, actor, assessment_id, now)
        late = now >= attempt.deadline
        total = grade_attempt(conn, attempt, embedder_for, attempt.deadline if late else now)
        _mark_tested(conn, attempt.application_id)
    if late:
        raise AttemptClosed(
            _(
                "Time is over: the submission was refused; the answers saved before the "
                "deadline were graded."
            )
        )
    return total


def _mark_tested(conn: Connection, application_id: str) -> None:
    apps = t.applications
    conn.execute(
        apps.update()
        .where(apps.c.id == application_id, apps.c.status.in_(("new", "shortlisted")))
        .values(status="tested", updated_at=_now())
    )


def close_expired(
    database: Database, actor: User, *, embedder_for: EmbedderFor, now: datetime | None = None
) -> int:
    """Grade the attempts of the recruiter's organisation whose time ran out unsubmitted.

    Returns:
        How many were closed.
    """
    if not actor.is_recruiter:
        raise AccessDenied("page")
    now = now or _now()
    query = (
        select(t.attempts)
        .join(t.assessments, t.assessments.c.id == t.attempts.c.assessment_id)
        .join(t.postings, t.postings.c.id == t.assessments.c.posting_id)
        .where(
            t.postings.c.organisation_id == actor.organisation_id,
            t.attempts.c.submitted_at.is_(None),
            t.attempts.c.deadline <= now,
        )
    )
    with database.transaction(write_lock=True) as conn:
        expired = conn.execute(query).all()
        for attempt in expired:
            grade_attempt(conn, attempt, embedder_for, attempt.deadline)
            _mark_tested(conn, attempt.application_id)
    return len(expired)


#: Columns of :func:`graded_answers`.
RESULT_COLUMNS = (
    "candidate",
    "test",
    "position",
    "skill",
    "kind",
    "difficulty",
    "answer",
    "score",
    "reasoning",
    "malformed",
    "test_score",
    "submitted_at",
)


def _shown_answer(kind: str, choices: str, value: object) -> str:
    """A stored answer as the recruiter reads it: a choice's text, or the text written."""
    if value is None:
        return ""
    if kind == "mcq":
        options = json.loads(choices)
        try:
            index = chosen_index(value, len(options))
        except MalformedAnswer:
            return str(value)
        return "" if index is None else options[index]
    return str(value)


def graded_answers(database: Database, actor: User, posting_id: str) -> pd.DataFrame:
    """Every graded answer of a posting's tests (recruiters only): one row per (attempt,
    question), columns :data:`RESULT_COLUMNS`, in the current language: the test's label,
    the answer as chosen or written, the reasoning; ``malformed`` flags a stored answer that
    could not be read (scored 0)."""
    if not actor.is_recruiter:
        raise AccessDenied("page")
    q, a, g = t.questions, t.attempts, t.grades
    query = (
        select(
            t.users.c.name.label("candidate"),
            a.c.assessment_id,
            q.c.position,
            q.c.skill,
            q.c.kind,
            q.c.choices,
            q.c.difficulty,
            t.answers.c.value.label("answer"),
            g.c.score,
            g.c.reasoning,
            a.c.score.label("test_score"),
            a.c.submitted_at,
        )
        .select_from(g)
        .join(a, a.c.id == g.c.attempt_id)
        .join(q, q.c.id == g.c.question_id)
        .join(t.assessments, t.assessments.c.id == a.c.assessment_id)
        .join(t.users, t.users.c.id == a.c.candidate_id)
        .outerjoin(
            t.answers,
            (t.answers.c.attempt_id == g.c.attempt_id) & (t.answers.c.question_id == q.c.id),
        )
        .where(t.assessments.c.posting_id == posting_id)
        .order_by(a.c.submitted_at, a.c.id, q.c.position)
    )
    with database.engine.connect() as conn:
        posting_row(conn, actor, posting_id)
        rows = conn.execute(query).all()
    labels = {test.id: test.label() for test in list_assessments(database, actor, posting_id)}
    results = []
    for row in rows:
        reasoning, malformed = read_reasoning(row.reasoning)
        results.append(
            {
                **row._asdict(),
                "test": labels[row.assessment_id],
                "answer": _shown_answer(row.kind, row.choices, row.answer),
                "reasoning": reasoning,
                "malformed": malformed,
            }
        )
    return pd.DataFrame(results, columns=list(RESULT_COLUMNS))
