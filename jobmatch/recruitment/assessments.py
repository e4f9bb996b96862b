"""Tests for an offer: pydantic schemas, a deterministic generator from the offer's
requirements and a candidate's gaps, an LLM path that falls back to it, and the recruiter's
review (edit, send). Candidates only ever get :class:`CandidateQuestion` (no key, no rubric).
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Connection, delete, or_, select, update

from jobmatch.facts import offer_facts
from jobmatch.offers import Offer
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.accounts import User
from jobmatch.recruitment.applications import application_row, skill_evidence
from jobmatch.recruitment.errors import AccessDenied, RecruitmentError
from jobmatch.recruitment.offers import get_posting, posting_row
from jobmatch.storage import Database

if TYPE_CHECKING:
    from jobmatch.llm import LLM

Difficulty = Literal["easy", "medium", "hard"]
#: Default number of questions and time limit of a generated test.
DEFAULT_QUESTIONS = 6
DEFAULT_TIME_LIMIT_MINUTES = 20


class QuestionSpec(BaseModel):
    """One question with its key: an answer index (multiple choice) or a rubric and keywords
    (short answer)."""

    kind: Literal["mcq", "short"]
    prompt: str = Field(min_length=5, max_length=2000)
    choices: list[str] = Field(default_factory=list)
    answer_index: int | None = None
    rubric: str = ""
    keywords: list[str] = Field(default_factory=list)
    difficulty: Difficulty
    skill: str = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _key_matches_kind(self) -> QuestionSpec:
        if self.kind == "mcq":
            choices = [choice.strip() for choice in self.choices]
            if not 2 <= len(choices) <= 6 or not all(choices):
                raise ValueError("a multiple-choice question needs 2 to 6 non-empty choices")
            if len(set(choices)) != len(choices):
                raise ValueError("the choices of a multiple-choice question must differ")
            if self.answer_index is None or not 0 <= self.answer_index < len(choices):
                raise ValueError("answer_index must point at one of the choices")
        else:
            if len(self.rubric.strip()) < 10:
                raise ValueError("a short-answer question needs a rubric (10 characters or more)")
            if not [keyword for keyword in self.keywords if keyword.strip()]:
                raise ValueError("a short-answer question needs at least one rubric keyword")
            if self.choices or self.answer_index is not None:
                raise ValueError("a short-answer question has no choices and no answer_index")
        return self


class AssessmentSpec(BaseModel):
    """A whole test as generated or edited: a title and 1 to 20 questions."""

    title: str = Field(min_length=3, max_length=200)
    questions: list[QuestionSpec] = Field(min_length=1, max_length=20)


# --- Deterministic generator ----------------------------------------------------------------

# Knowledge questions for common skills (written for this project): prompt, choices (the
# first is right; they are shuffled per offer) and keywords.
_SKILL_QUESTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "python": (
        "In Python, which built-in type keeps unique items without order?",
        ("set", "list", "tuple", "str"),
    ),
    "sql": (
        "Which SQL clause filters groups after aggregation?",
        ("HAVING", "WHERE", "ORDER BY", "LIMIT"),
    ),
    "machine learning": (
        "A model scores far better on its training data than on new data. What is this?",
        ("Overfitting", "Underfitting", "Data augmentation", "Regularisation"),
    ),
    "git": (
        "Which git command records staged changes in the repository's history?",
        ("git commit", "git add", "git fetch", "git status"),
    ),
    "docker": (
        "What does a Dockerfile describe?",
        (
            "How to build a container image",
            "A running container's logs",
            "The host's network settings",
            "A virtual machine's disk",
        ),
    ),
    "javascript": (
        "In JavaScript, which operator compares value and type without conversion?",
        ("===", "==", "=", "!="),
    ),
    "excel": (
        "Which Excel function looks a value up in a table by its first column?",
        ("VLOOKUP", "SUMIF", "CONCAT", "ROUND"),
    ),
    "statistics": (
        "Which measure of central tendency is least affected by outliers?",
        ("The median", "The mean", "The range", "The variance"),
    ),
    "java": (
        "In Java, which keyword makes a class impossible to subclass?",
        ("final", "static", "abstract", "private"),
    ),
    "react": (
        "In React, which hook keeps state in a function component?",
        ("useState", "useEffect", "useRef", "useMemo"),
    ),
}
# Skills offered as wrong choices in "which skill does the offer require" questions.
_DISTRACTORS = (
    "cobol",
    "welding",
    "pastry",
    "forklift driving",
    "embroidery",
    "sheet metal work",
    "stenography",
    "horticulture",
)


def _rng(*parts: str) -> random.Random:
    seed = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return random.Random(int(seed[:16], 16))


def _mcq(
    prompt: str, right: str, wrong: Sequence[str], skill: str, difficulty: Difficulty, seed: str
) -> QuestionSpec:
    choices = [right, *wrong]
    _rng(seed, prompt).shuffle(choices)
    return QuestionSpec(
        kind="mcq",
        prompt=prompt,
        choices=choices,
        answer_index=choices.index(right),
        difficulty=difficulty,
        skill=skill,
    )


def _short(skill: str, title: str, difficulty: Difficulty, language: str) -> QuestionSpec:
    keywords = [skill, "project", "result"]
    if language == "fr":
        prompt = (
            f"Décrivez une situation concrète où vous avez utilisé « {skill} » : le contexte, "
            "ce que vous avez fait vous-même et le résultat obtenu."
        )
        rubric = (
            f"Un exemple concret et personnel d'utilisation de {skill} dans un projet : le "
            f"contexte, les actions du candidat avec {skill}, les outils ou méthodes employés "
            f"et un résultat mesurable, en lien avec le poste de {title}."
        )
        keywords = [skill, "projet", "résultat"]
    else:
        prompt = (
            f"Describe a concrete situation where you used {skill}: the context, what you did "
            "yourself and the result."
        )
        rubric = (
            f"A concrete, first-hand example of applying {skill} in a project: the context, the "
            f"candidate's own actions with {skill}, the tools or methods used and a measurable "
            f"result, relevant to the {title} role."
        )
    return QuestionSpec(
        kind="short",
        prompt=prompt,
        rubric=rubric,
        keywords=keywords,
        difficulty=difficulty,
        skill=skill,
    )


def fallback_assessment(
    offer: Offer, gaps: Sequence[str] = (), *, questions: int = DEFAULT_QUESTIONS
) -> AssessmentSpec:
    """A test built without any model from the offer's requirements and the candidate's gaps.

    Gaps come first and are asked harder (``"hard"``); the other requirements follow
    (``"medium"``). A skill with a knowledge question in this module's bank gets a multiple
    choice question, any other a short answer judged against a rubric; one easy multiple
    choice question checks the offer's requirements themselves. The same inputs always give
    the same test.

    Args:
        offer: The offer; its requirements are read by :func:`jobmatch.facts.extract_facts`.
        gaps: Skills of the offer the candidate's CV does not show; default none.
        questions: How many questions at most; default :data:`DEFAULT_QUESTIONS`.
    """
    facts = offer_facts(offer)
    required = list(dict.fromkeys(facts.hard_skills + facts.soft_skills))
    skills = list(dict.fromkeys([*gaps, *required])) or [offer.title.strip().lower() or "role"]
    title = offer.title.strip() or "this"
    items: list[QuestionSpec] = []
    if required:
        wrong = [skill for skill in _DISTRACTORS if skill not in required][:3]
        prompt = (
            f"Laquelle de ces compétences l'offre « {title} » demande-t-elle ?"
            if facts.language == "fr"
            else f"Which of these skills does the {title} offer ask for?"
        )
        items.append(
            _mcq(
                prompt,
                required[0],
                wrong,
                required[0],
                "easy",
                offer.id,
            )
        )
    for skill in skills:
        if len(items) >= questions:
            break
        difficulty: Difficulty = "hard" if skill in gaps else "medium"
        if skill in _SKILL_QUESTIONS:
            prompt, (right, *wrong) = _SKILL_QUESTIONS[skill]
            items.append(_mcq(prompt, right, wrong, skill, difficulty, offer.id))
        else:
            items.append(_short(skill, title, difficulty, facts.language))
    return AssessmentSpec(title=f"{title} — skills test", questions=items[:questions])


# --- LLM path -------------------------------------------------------------------------------


def _messages(offer: Offer, gaps: Sequence[str], questions: int) -> list[dict[str, str]]:
    schema = json.dumps(AssessmentSpec.model_json_schema(), ensure_ascii=False)
    focus = ", ".join(gaps) if gaps else "the offer's main requirements"
    return [
        {
            "role": "system",
            "content": (
                "You write short skills tests for job applicants. Reply with one JSON object "
                f"only, valid against this JSON schema: {schema}. Multiple-choice questions "
                "(kind mcq) have 4 choices and answer_index; short-answer questions (kind "
                "short) have a rubric describing a good answer and 2-5 keywords."
            ),
        },
        {
            "role": "user",
            "content": (
                f"Offer: {offer.title}\n{offer.description[:3000]}\n\n"
                f"Write {questions} questions, mixing multiple-choice and short-answer, each "
                f"checking one skill. Focus on: {focus}."
            ),
        },
    ]


def generate_spec(
    offer: Offer,
    gaps: Sequence[str] = (),
    *,
    llm: LLM | None = None,
    questions: int = DEFAULT_QUESTIONS,
) -> tuple[AssessmentSpec, str]:
    """A test for ``offer``: from the LLM when one is given and its output validates against
    :class:`AssessmentSpec` (one retry), else from :func:`fallback_assessment`.

    Returns:
        The test and its source, ``"llm"`` or ``"fallback"``.
    """

    def fallback() -> AssessmentSpec:
        return fallback_assessment(offer, gaps, questions=questions)

    if llm is None:
        return fallback(), "fallback"
    from jobmatch.llm import generate_structured  # the LLM layer is optional

    result = generate_structured(
        llm, _messages(offer, gaps, questions), AssessmentSpec, fallback, max_new_tokens=1500
    )
    return result.value, result.source


# --- Stored tests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """A stored question with its key (recruiters only)."""

    id: str
    position: int
    spec: QuestionSpec


@dataclass(frozen=True)
class Assessment:
    """A stored test with its keys (recruiters only).

    Args:
        id: The test's id.
        posting_id: The offer it tests for.
        application_id: The application it was tailored to; ``None`` for all applicants.
        title: Its title.
        time_limit_minutes: Time allowed once started.
        status: ``"draft"`` (the recruiter reviews it) or ``"sent"`` (candidates can take it).
        source: ``"llm"``, ``"fallback"`` or ``"edited"``.
        questions: The questions in order.
    """

    id: str
    posting_id: str
    application_id: str | None
    title: str
    time_limit_minutes: int
    status: str
    source: str
    questions: tuple[Question, ...]

    def spec(self) -> AssessmentSpec:
        """The test as an editable :class:`AssessmentSpec`."""
        return AssessmentSpec(title=self.title, questions=[q.spec for q in self.questions])


@dataclass(frozen=True)
class CandidateQuestion:
    """What a candidate sees of a question: no answer index, rubric or keywords."""

    id: str
    position: int
    kind: str
    prompt: str
    choices: tuple[str, ...]
    difficulty: str
    skill: str


def _now() -> datetime:
    return datetime.now(UTC)


def _question_rows(conn: Connection, assessment_id: str) -> list[Any]:
    query = (
        select(t.questions)
        .where(t.questions.c.assessment_id == assessment_id)
        .order_by(t.questions.c.position)
    )
    return conn.execute(query).all()


def question_spec(row: Any) -> QuestionSpec:
    """The :class:`QuestionSpec` of a ``questions`` row."""
    return QuestionSpec(
        kind=row.kind,
        prompt=row.prompt,
        choices=json.loads(row.choices),
        answer_index=row.answer_index,
        rubric=row.rubric,
        keywords=json.loads(row.keywords),
        difficulty=row.difficulty,
        skill=row.skill,
    )


def candidate_questions(conn: Connection, assessment_id: str) -> list[CandidateQuestion]:
    """The questions of a test as a candidate may see them."""
    return [
        CandidateQuestion(
            id=row.id,
            position=row.position,
            kind=row.kind,
            prompt=row.prompt,
            choices=tuple(json.loads(row.choices)),
            difficulty=row.difficulty,
            skill=row.skill,
        )
        for row in _question_rows(conn, assessment_id)
    ]


def _insert_questions(conn: Connection, assessment_id: str, spec: AssessmentSpec) -> None:
    conn.execute(
        t.questions.insert(),
        [
            {
                "id": uuid.uuid4().hex,
                "assessment_id": assessment_id,
                "position": position,
                "kind": question.kind,
                "prompt": question.prompt.strip(),
                "choices": json.dumps([c.strip() for c in question.choices], ensure_ascii=False),
                "answer_index": question.answer_index,
                "rubric": question.rubric.strip(),
                "keywords": json.dumps(
                    [k.strip() for k in question.keywords if k.strip()], ensure_ascii=False
                ),
                "difficulty": question.difficulty,
                "skill": question.skill.strip(),
            }
            for position, question in enumerate(spec.questions, start=1)
        ],
    )


def _assessment_row(conn: Connection, actor: User, assessment_id: str) -> Any:
    """The test's row for a recruiter of its organisation, else :class:`AccessDenied`."""
    if not actor.is_recruiter:
        raise AccessDenied("test")
    row = conn.execute(
        select(t.assessments).where(t.assessments.c.id == assessment_id)
    ).one_or_none()
    if row is None:
        raise AccessDenied("test")
    posting_row(conn, actor, row.posting_id)
    return row


def get_assessment(database: Database, actor: User, assessment_id: str) -> Assessment:
    """A test with its keys, for a recruiter of its organisation only."""
    with database.engine.connect() as conn:
        row = _assessment_row(conn, actor, assessment_id)
        return Assessment(
            id=row.id,
            posting_id=row.posting_id,
            application_id=row.application_id,
            title=row.title,
            time_limit_minutes=row.time_limit_minutes,
            status=row.status,
            source=row.source,
            questions=tuple(
                Question(id=q.id, position=q.position, spec=question_spec(q))
                for q in _question_rows(conn, assessment_id)
            ),
        )


def list_assessments(database: Database, actor: User, posting_id: str) -> list[Assessment]:
    """The tests of one of the recruiter's postings, newest first."""
    if not actor.is_recruiter:
        raise AccessDenied("test")
    query = (
        select(t.assessments.c.id)
        .where(t.assessments.c.posting_id == posting_id)
        .order_by(t.assessments.c.created_at.desc())
    )
    with database.engine.connect() as conn:
        posting_row(conn, actor, posting_id)
        ids = list(conn.scalars(query))
    return [get_assessment(database, actor, assessment_id) for assessment_id in ids]


def create_assessment(
    database: Database,
    actor: User,
    posting_id: str,
    *,
    application_id: str | None = None,
    llm: LLM | None = None,
    questions: int = DEFAULT_QUESTIONS,
    time_limit_minutes: int = DEFAULT_TIME_LIMIT_MINUTES,
) -> Assessment:
    """Generate a draft test for a posting, tailored to one application's gaps if given.

    Args:
        database: The database.
        actor: A recruiter of the posting's organisation.
        posting_id: The posting.
        application_id: Tailor it to this application's gaps (those found by ranking, or
            computed now) and send it to this candidate only. Default ``None``: from the
            offer's requirements, for every applicant.
        llm: A model for the LLM path; default ``None`` (deterministic generator).
        questions: How many questions; default :data:`DEFAULT_QUESTIONS`.
        time_limit_minutes: Time allowed once started; default 20.

    Returns:
        The draft, for the recruiter to review, edit and send.
    """
    if not actor.is_recruiter:
        raise AccessDenied("test")
    if not 1 <= time_limit_minutes <= 240:
        raise RecruitmentError("The time limit must be between 1 and 240 minutes.")
    offer = get_posting(database, actor, posting_id).offer
    gaps: list[str] = []
    if application_id is not None:
        with database.engine.connect() as conn:
            application = application_row(conn, actor, application_id)
            cv_text = conn.scalar(
                select(t.cvs_table.c.text).where(t.cvs_table.c.id == application.cv_id)
            )
        if application.posting_id != posting_id:
            raise AccessDenied("application")
        evidence = json.loads(application.evidence)
        gaps = (
            evidence["gaps"] if "gaps" in evidence else skill_evidence(offer.text, cv_text)["gaps"]
        )
    spec, source = generate_spec(offer, gaps, llm=llm, questions=questions)
    assessment_id = uuid.uuid4().hex
    now = _now()
    with database.transaction() as conn:
        conn.execute(
            t.assessments.insert().values(
                id=assessment_id,
                posting_id=posting_id,
                application_id=application_id,
                title=spec.title,
                time_limit_minutes=time_limit_minutes,
                status="draft",
                source=source,
                created_by=actor.id,
                created_at=now,
                updated_at=now,
            )
        )
        _insert_questions(conn, assessment_id, spec)
    return get_assessment(database, actor, assessment_id)


def update_assessment(
    database: Database,
    actor: User,
    assessment_id: str,
    spec: AssessmentSpec,
    *,
    time_limit_minutes: int | None = None,
) -> Assessment:
    """Replace a draft's title and questions with the recruiter's edited version.

    Raises:
        RecruitmentError: The test was sent already (it cannot change under candidates).
    """
    spec = AssessmentSpec.model_validate(spec.model_dump())
    with database.transaction() as conn:
        row = _assessment_row(conn, actor, assessment_id)
        if row.status != "draft":
            raise RecruitmentError("This test was sent already: it can no longer be edited.")
        limit = row.time_limit_minutes if time_limit_minutes is None else time_limit_minutes
        if not 1 <= limit <= 240:
            raise RecruitmentError("The time limit must be between 1 and 240 minutes.")
        conn.execute(delete(t.questions).where(t.questions.c.assessment_id == assessment_id))
        _insert_questions(conn, assessment_id, spec)
        conn.execute(
            update(t.assessments)
            .where(t.assessments.c.id == assessment_id)
            .values(
                title=spec.title,
                time_limit_minutes=limit,
                source="edited",
                updated_at=_now(),
            )
        )
    return get_assessment(database, actor, assessment_id)


def send_assessment(database: Database, actor: User, assessment_id: str) -> Assessment:
    """Make a reviewed draft available to its candidate (or to every applicant)."""
    with database.transaction() as conn:
        _assessment_row(conn, actor, assessment_id)
        conn.execute(
            update(t.assessments)
            .where(t.assessments.c.id == assessment_id)
            .values(status="sent", updated_at=_now())
        )
    return get_assessment(database, actor, assessment_id)


def candidate_assessment_row(conn: Connection, actor: User, assessment_id: str) -> tuple[Any, Any]:
    """A sent test meant for this candidate, with their application row, else
    :class:`AccessDenied`."""
    apps, tests = t.applications, t.assessments
    query = (
        select(tests, apps.c.id.label("candidate_application_id"))
        .join(apps, apps.c.posting_id == tests.c.posting_id)
        .where(
            tests.c.id == assessment_id,
            tests.c.status == "sent",
            apps.c.candidate_id == actor.id,
            or_(tests.c.application_id.is_(None), tests.c.application_id == apps.c.id),
        )
    )
    row = None if actor.is_recruiter else conn.execute(query).one_or_none()
    if row is None:
        raise AccessDenied("test")
    return row


def _state(
    started: datetime | None, deadline: datetime | None, submitted: datetime | None, now: datetime
) -> str:
    if submitted is not None:
        return "submitted"
    if started is None:
        return "not started"
    return "in progress" if deadline > now else "time over"


def list_candidate_tests(database: Database, actor: User) -> list[dict[str, Any]]:
    """The sent tests meant for this candidate: id, title, offer title, time limit, state
    (``"not started"``, ``"in progress"``, ``"time over"``, ``"submitted"``) and their score
    once graded."""
    apps, tests, attempts = t.applications, t.assessments, t.attempts
    query = (
        select(
            tests.c.id,
            tests.c.title,
            tests.c.time_limit_minutes,
            t.offers_table.c.title.label("offer_title"),
            attempts.c.submitted_at,
            attempts.c.started_at,
            attempts.c.deadline,
            attempts.c.score,
        )
        .join(apps, apps.c.posting_id == tests.c.posting_id)
        .join(t.postings, t.postings.c.id == tests.c.posting_id)
        .join(t.offers_table, t.offers_table.c.id == t.postings.c.offer_id)
        .outerjoin(
            attempts,
            (attempts.c.assessment_id == tests.c.id) & (attempts.c.candidate_id == actor.id),
        )
        .where(
            tests.c.status == "sent",
            apps.c.candidate_id == actor.id,
            or_(tests.c.application_id.is_(None), tests.c.application_id == apps.c.id),
        )
        .order_by(tests.c.created_at.desc())
    )
    if actor.is_recruiter:
        return []
    now = _now()
    with database.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "id": row.id,
            "title": row.title,
            "offer": row.offer_title,
            "time_limit_minutes": row.time_limit_minutes,
            "state": _state(row.started_at, row.deadline, row.submitted_at, now),
            "score": row.score,
        }
        for row in rows
    ]
