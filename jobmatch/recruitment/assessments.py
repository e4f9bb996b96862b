"""Tests for an offer: pydantic schemas, a deterministic generator from the offer's
requirements and a candidate's gaps, an LLM path that falls back to it, and the recruiter's
review (edit, send). Candidates only ever get :class:`CandidateQuestion` (no key, no rubric).

A generated test is written in the offer's language (French offer, French questions); the
labels of stored tests follow the interface language.
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

from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlalchemy import Connection, and_, delete, func, or_, select, update

from jobmatch.facts import normalise_skill, offer_facts
from jobmatch.i18n import N_, _, language, ngettext, short_datetime
from jobmatch.offers import Offer
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.accounts import User
from jobmatch.recruitment.applications import application_row, skill_evidence, skill_spellings
from jobmatch.recruitment.errors import AccessDenied, RecruitmentError
from jobmatch.recruitment.offers import get_posting, posting_row
from jobmatch.storage import Database
from jobmatch.text import detect_language, tokenize

if TYPE_CHECKING:
    from jobmatch.llm import LLM

Difficulty = Literal["easy", "medium", "hard"]
#: Default number of questions and time limit of a generated test.
DEFAULT_QUESTIONS = 6
DEFAULT_TIME_LIMIT_MINUTES = 20
#: Longest time limit, in minutes.
MAX_TIME_LIMIT_MINUTES = 240
#: How each difficulty and kind of question reads (translated when shown).
DIFFICULTY_LABELS = {"easy": N_("easy"), "medium": N_("medium"), "hard": N_("hard")}
KIND_LABELS = {"mcq": N_("Multiple choice"), "short": N_("Short answer")}


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
                raise ValueError(_("a multiple-choice question needs 2 to 6 non-empty choices"))
            if len(set(choices)) != len(choices):
                raise ValueError(_("the choices of a multiple-choice question must differ"))
            if self.answer_index is None or not 0 <= self.answer_index < len(choices):
                raise ValueError(_("the right choice (answer_index) must be one of the choices"))
        else:
            if len(self.rubric.strip()) < 10:
                raise ValueError(
                    _("a short-answer question needs a rubric (10 characters or more)")
                )
            if not [keyword for keyword in self.keywords if keyword.strip()]:
                raise ValueError(_("a short-answer question needs at least one rubric keyword"))
            if self.choices or self.answer_index is not None:
                raise ValueError(_("a short-answer question has no choices and no right choice"))
        return self


class AssessmentSpec(BaseModel):
    """A whole test as generated or edited: a title and 1 to 20 questions."""

    title: str = Field(min_length=3, max_length=200)
    questions: list[QuestionSpec] = Field(min_length=1, max_length=20)


#: What each field of a test must be, for the recruiter's edits (translated when shown).
_FIELD_RULES = {
    "title": N_("the title needs 3 to 200 characters"),
    "questions": N_("a test needs 1 to 20 questions"),
    "prompt": N_("the question needs 5 to 2,000 characters"),
    "skill": N_("the skill needs 1 to 100 characters"),
    "difficulty": N_("choose a difficulty"),
}

_INVALID = N_("a value is not valid")


def spec_error(exc: ValidationError) -> str:
    """The first problem of an edited test, in words of the current language
    (``"question 2: the question needs 5 to 2,000 characters"``)."""
    error = exc.errors()[0]
    where = error["loc"]
    if error["type"] == "value_error":
        reason = str(error["ctx"]["error"])
    else:
        field = next((part for part in reversed(where) if part in _FIELD_RULES), "")
        reason = _(_FIELD_RULES.get(field, _INVALID))
    if len(where) > 1 and where[0] == "questions" and isinstance(where[1], int):
        return _("question {number}: {reason}").format(number=where[1] + 1, reason=reason)
    return reason


# --- Deterministic generator ----------------------------------------------------------------

# Knowledge questions for common skills (written for this project), keyed by canonical skill:
# the prompt and the choices, the right one first (shuffled per test). Marked strings are
# translated into the offer's language; code and product names are not.
_SKILL_QUESTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "python": (
        N_("In Python, which built-in type keeps unique items without order?"),
        ("set", "list", "tuple", "str"),
    ),
    "sql": (
        N_("Which SQL clause filters groups after aggregation?"),
        ("HAVING", "WHERE", "ORDER BY", "LIMIT"),
    ),
    "machine learning": (
        N_("A model scores far better on its training data than on new data. What is this?"),
        (N_("Overfitting"), N_("Underfitting"), N_("Data augmentation"), N_("Regularisation")),
    ),
    "deep learning": (
        N_("Which technique switches off random neurons during training to limit overfitting?"),
        ("Dropout", "Batch normalisation", "Max pooling", "Early stopping"),
    ),
    "nlp": (
        N_("Which step splits a text into words or sub-words before a model reads it?"),
        (N_("Tokenisation"), N_("Lemmatisation"), N_("Stemming"), N_("Vectorisation")),
    ),
    "pytorch": (
        N_("In PyTorch, which call computes the gradients of the loss?"),
        ("loss.backward()", "optimizer.step()", "model.eval()", "torch.no_grad()"),
    ),
    "statistics": (
        N_("Which measure of central tendency is least affected by outliers?"),
        (N_("The median"), N_("The mean"), N_("The range"), N_("The variance")),
    ),
    "git": (
        N_("Which git command records staged changes in the repository's history?"),
        ("git commit", "git add", "git fetch", "git status"),
    ),
    "docker": (
        N_("What does a Dockerfile describe?"),
        (
            N_("How to build a container image"),
            N_("A running container's logs"),
            N_("The host's network settings"),
            N_("A virtual machine's disk"),
        ),
    ),
    "kubernetes": (
        N_("In Kubernetes, what is the smallest unit that can be deployed?"),
        (N_("A pod"), N_("A node"), N_("A namespace"), N_("A service")),
    ),
    "linux": (
        N_("Which Linux command changes a file's permissions?"),
        ("chmod", "chown", "grep", "ls"),
    ),
    "javascript": (
        N_("In JavaScript, which operator compares value and type without conversion?"),
        ("===", "==", "=", "!="),
    ),
    "java": (
        N_("In Java, which keyword makes a class impossible to subclass?"),
        ("final", "static", "abstract", "private"),
    ),
    "react": (
        N_("In React, which hook keeps state in a function component?"),
        ("useState", "useEffect", "useRef", "useMemo"),
    ),
    "excel": (
        N_("Which Excel function looks a value up in a table by its first column?"),
        (N_("VLOOKUP"), N_("SUMIF"), N_("CONCAT"), N_("ROUND")),
    ),
    "accounting": (
        N_("In double-entry bookkeeping, what must the total of the debits equal?"),
        (
            N_("The total of the credits"),
            N_("The total assets"),
            N_("The net income"),
            N_("The cash at bank"),
        ),
    ),
    "agile": (
        N_("In Scrum, who orders the product backlog?"),
        (
            N_("The product owner"),
            N_("The Scrum master"),
            N_("The development team"),
            N_("The sponsor"),
        ),
    ),
}
_SKILL_QUESTIONS["scrum"] = _SKILL_QUESTIONS["agile"]

#: Skills by field, as usually written (marked ones are translated into the offer's
#: language): the wrong choices of "which skill does the offer ask for" come from the field of
#: the right answer, so none is absurd.
SKILL_FIELDS: dict[str, tuple[str, ...]] = {
    "data": (
        "Python", "R", "SQL", "pandas", "NumPy", "scikit-learn", "PyTorch", "TensorFlow",
        "Keras", "XGBoost", "LightGBM", "Spark", "Hadoop", "Kafka", "Airflow", "dbt", "MLflow",
        "MLOps", "Databricks", "Snowflake", "BigQuery", "Tableau", "Power BI", "Looker", "SAS",
        "machine learning", "deep learning", "NLP", "big data", "ETL", "Hugging Face",
        N_("statistics"), N_("time series"), N_("computer vision"), N_("data visualisation"),
    ),
    "software": (
        "Python", "Java", "JavaScript", "TypeScript", "PHP", "C#", "C++", "Go", "Rust", "Ruby",
        "Kotlin", "Swift", "React", "Angular", "Vue.js", "Node.js", "Django", "Flask",
        "FastAPI", "Spring", "Symfony", "Laravel", "HTML", "CSS", "GraphQL", "REST API", "Git",
        N_("unit testing"),
    ),
    "infrastructure": (
        "Docker", "Kubernetes", "AWS", "Azure", "GCP", "Linux", "Terraform", "Ansible",
        "Jenkins", "GitLab CI", "Bash", "VMware", "CI/CD", "Prometheus", "Grafana",
        N_("networking"), N_("cybersecurity"),
    ),
    "finance": (
        "Sage", "SAP", "Cegid", "IFRS", "Excel", "VBA", N_("accounting"), N_("payroll"),
        N_("tax"), N_("auditing"), N_("consolidation"), N_("treasury"),
        N_("management control"), N_("financial analysis"),
    ),
    "management": (
        "Agile", "Scrum", "Kanban", "Jira", "Confluence", "Trello", "Microsoft Office", "Word",
        "PowerPoint", "Outlook", N_("project management"),
    ),
    "sales": (
        "Salesforce", "HubSpot", "CRM", "SEO", "Google Analytics", N_("customer service"),
        N_("negotiation"), N_("prospecting"), N_("digital marketing"),
    ),
}  # fmt: skip
#: Canonical skill → how :data:`SKILL_FIELDS` writes it (for skills the offer does not name).
_SKILL_NAMES = {normalise_skill(name): name for names in SKILL_FIELDS.values() for name in names}
#: Wrong choices of a "which skill" question (fewer available: the question is left out).
_WRONG_SKILLS = 3
_MIN_WRONG_SKILLS = 2


def _rng(*parts: str) -> random.Random:
    seed = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return random.Random(int(seed[:16], 16))


def shuffle_choices(spec: AssessmentSpec, seed: str) -> AssessmentSpec:
    """``spec`` with the choices of each multiple-choice question in an order set by ``seed``
    and the question (the same seed, the same order; the key follows its choice)."""
    questions = []
    for question in spec.questions:
        if question.kind == "mcq":
            right = question.choices[question.answer_index]
            choices = list(question.choices)
            _rng(seed, question.prompt).shuffle(choices)
            question = question.model_copy(
                update={"choices": choices, "answer_index": choices.index(right)}
            )
        questions.append(question)
    return spec.model_copy(update={"questions": questions})


def _mcq(
    prompt: str, right: str, wrong: Sequence[str], skill: str, difficulty: Difficulty
) -> QuestionSpec:
    """A multiple-choice question, the right choice first (see :func:`shuffle_choices`)."""
    return QuestionSpec(
        kind="mcq",
        prompt=prompt,
        choices=[right, *wrong],
        answer_index=0,
        difficulty=difficulty,
        skill=skill,
    )


def _knowledge(skill: str, written: str, difficulty: Difficulty) -> QuestionSpec:
    """The bank's question on ``skill``, in the current language."""
    prompt, (right, *wrong) = _SKILL_QUESTIONS[skill]
    return _mcq(_(prompt), _(right), [_(choice) for choice in wrong], written, difficulty)


def _short(written: str, title: str, difficulty: Difficulty) -> QuestionSpec:
    """An open question on a skill, judged against a rubric, in the current language."""
    return QuestionSpec(
        kind="short",
        prompt=_(
            "Describe a concrete situation where you used “{skill}”: the context, what you did "
            "yourself and the result."
        ).format(skill=written),
        rubric=_(
            "A concrete, first-hand example of applying {skill} in a project: the context, the "
            "candidate's own actions with {skill}, the tools or methods used and a measurable "
            "result, relevant to the {title} role."
        ).format(skill=written, title=title),
        keywords=[written, _("project"), _("result")],
        difficulty=difficulty,
        skill=written,
    )


def _field_of(skill: str, asked: set[str]) -> tuple[str, ...]:
    """The field holding ``skill`` that shares the most skills with the offer (``asked``);
    empty when no field holds it."""
    fields = [
        skills
        for skills in SKILL_FIELDS.values()
        if skill in {normalise_skill(name) for name in skills}
    ]
    return max(
        fields,
        key=lambda skills: len(asked & {normalise_skill(name) for name in skills}),
        default=(),
    )


def _which_skill(
    title: str, asked: Sequence[str], written: dict[str, str], offer_words: set[str], seed: str
) -> QuestionSpec | None:
    """ "Which of these skills does the offer ask for?": the first skill the offer asks for
    whose field gives enough wrong choices that the offer does not name; skills its title
    names (which would give the answer away) come last."""
    asked_set = set(asked)
    title_words = set(tokenize(title))
    in_title = [skill for skill in asked if set(tokenize(written[skill])) <= title_words]
    for skill in [*(skill for skill in asked if skill not in in_title), *in_title]:
        wrong = [
            shown
            for shown in (_(name) for name in _field_of(skill, asked_set))
            if normalise_skill(shown) not in asked_set and not set(tokenize(shown)) <= offer_words
        ]
        if len(wrong) >= _MIN_WRONG_SKILLS:
            _rng(seed, "which", skill).shuffle(wrong)
            prompt = _("Which of these skills does the offer “{title}” ask for?")
            return _mcq(
                prompt.format(title=title), written[skill], wrong[:_WRONG_SKILLS], written[skill],
                "easy",
            )  # fmt: skip
    return None


def fallback_assessment(
    offer: Offer,
    gaps: Sequence[str] = (),
    *,
    questions: int = DEFAULT_QUESTIONS,
    seed: str = "",
) -> AssessmentSpec:
    """A test built without any model from the offer's requirements and the candidate's gaps,
    in the offer's language.

    One easy multiple-choice question checks the offer's requirements themselves (its wrong
    choices are other skills of the same field). Gaps come next and are asked harder
    (``"hard"``); the other requirements follow (``"medium"``), hard skills first. A skill with
    a knowledge question in this module's bank gets a multiple-choice question, any other a
    short answer judged against a rubric; a test of 3 questions or more has at least one short
    answer. Skills are named as the offer writes them. The same inputs always give the same
    test.

    Args:
        offer: The offer; its requirements are read by :func:`jobmatch.facts.offer_facts`.
        gaps: Canonical skills of the offer the candidate's CV does not show; default none.
        questions: How many questions at most; default :data:`DEFAULT_QUESTIONS`.
        seed: Sets which wrong choices are drawn and the order of every question's choices;
            default the offer's id.
    """
    facts = offer_facts(offer)
    spellings = skill_spellings(offer.text)
    order = {skill: position for position, skill in enumerate(spellings)}

    def in_offer_order(skills: Sequence[str]) -> list[str]:
        return sorted(skills, key=lambda skill: order.get(skill, len(order)))

    hard = in_offer_order(facts.hard_skills)
    required = [*hard, *in_offer_order(facts.soft_skills)]
    skills = list(dict.fromkeys([*gaps, *required]))
    seed = seed or offer.id
    with language(facts.language):
        written = {
            skill: spellings.get(skill) or _(_SKILL_NAMES.get(skill, skill)) for skill in skills
        }
        title = offer.title.strip()
        if not skills:
            skills = [title]
            written[title] = title
        items = [
            item
            for item in [_which_skill(title, hard, written, set(tokenize(offer.text)), seed)]
            if item is not None
        ]
        for skill in skills:
            if len(items) >= questions:
                break
            difficulty: Difficulty = "hard" if skill in gaps else "medium"
            if skill in _SKILL_QUESTIONS:
                items.append(_knowledge(skill, written[skill], difficulty))
            else:
                items.append(_short(written[skill], title, difficulty))
        items = items[:questions]
        if questions >= 3 and all(item.kind == "mcq" for item in items):
            open_skill = next((s for s in skills if s not in _SKILL_QUESTIONS), skills[0])
            items[-1] = _short(written[open_skill], title, items[-1].difficulty)
        spec = AssessmentSpec(title=_("{title} — skills test").format(title=title), questions=items)
    return shuffle_choices(spec, seed)


# --- LLM path -------------------------------------------------------------------------------


def _messages(offer: Offer, gaps: Sequence[str], questions: int) -> list[dict[str, str]]:
    schema = json.dumps(AssessmentSpec.model_json_schema(), ensure_ascii=False)
    focus = ", ".join(gaps) if gaps else "the offer's main requirements"
    written_in = "French" if detect_language(offer.text) == "fr" else "English"
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
                f"Write {questions} questions in {written_in}, mixing multiple-choice and "
                f"short-answer, each checking one skill. Focus on: {focus}."
            ),
        },
    ]


def generate_spec(
    offer: Offer,
    gaps: Sequence[str] = (),
    *,
    llm: LLM | None = None,
    questions: int = DEFAULT_QUESTIONS,
    seed: str = "",
) -> tuple[AssessmentSpec, str]:
    """A test for ``offer``, in its language: from the LLM when one is given and its output
    validates against :class:`AssessmentSpec` (one retry; its choices are then shuffled by
    ``seed``), else from :func:`fallback_assessment`.

    Returns:
        The test and its source, ``"llm"`` or ``"fallback"`` (the standard wording).
    """

    def fallback() -> AssessmentSpec:
        return fallback_assessment(offer, gaps, questions=questions, seed=seed)

    if llm is None:
        return fallback(), "fallback"
    from jobmatch.llm import generate_structured  # the LLM layer is optional

    result = generate_structured(
        llm, _messages(offer, gaps, questions), AssessmentSpec, fallback, max_new_tokens=1500
    )
    if result.source != "llm":
        return result.value, result.source
    return shuffle_choices(result.value, seed or offer.id), "llm"


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
        source: ``"llm"``, ``"fallback"`` (the standard wording) or ``"edited"``.
        questions: The questions in order.
        number: Its place among the offer's tests, the first created being 1.
        created_at: When it was generated (aware, UTC).
        sent_at: When it was sent; ``None`` for a draft.
        candidate: The name of the candidate it is tailored to; ``None`` for all applicants.
    """

    id: str
    posting_id: str
    application_id: str | None
    title: str
    time_limit_minutes: int
    status: str
    source: str
    questions: tuple[Question, ...]
    number: int
    created_at: datetime
    sent_at: datetime | None = None
    candidate: str | None = None

    def spec(self) -> AssessmentSpec:
        """The test as an editable :class:`AssessmentSpec`."""
        return AssessmentSpec(title=self.title, questions=[q.spec for q in self.questions])

    def label(self) -> str:
        """How the recruiter tells it from the offer's other tests, in the current language:
        ``"Test 2 · sent 4 Dec 14:02 · 6 questions · for Alice"``."""
        if self.sent_at is None:
            when = _("draft")
        else:
            when = _("sent {date}").format(date=short_datetime(self.sent_at))
        audience = (
            _("every applicant")
            if self.candidate is None
            else _("for {name}").format(name=self.candidate)
        )
        return _("Test {number} · {when} · {questions} · {audience}").format(
            number=self.number,
            when=when,
            questions=questions_label(len(self.questions)),
            audience=audience,
        )


def questions_label(count: int) -> str:
    """``"6 questions"``, in the current language."""
    return ngettext("{count} question", "{count} questions", count).format(count=count)


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


def _number(conn: Connection, row: Any) -> int:
    """The test's place among its offer's tests by creation (1: the first)."""
    tests = t.assessments
    earlier = or_(
        tests.c.created_at < row.created_at,
        and_(tests.c.created_at == row.created_at, tests.c.id <= row.id),
    )
    query = select(func.count()).where(tests.c.posting_id == row.posting_id, earlier)
    return int(conn.scalar(query))


def get_assessment(database: Database, actor: User, assessment_id: str) -> Assessment:
    """A test with its keys, for a recruiter of its organisation only."""
    with database.engine.connect() as conn:
        row = _assessment_row(conn, actor, assessment_id)
        candidate = None
        if row.application_id is not None:
            candidate = conn.scalar(
                select(t.users.c.name)
                .join(t.applications, t.applications.c.candidate_id == t.users.c.id)
                .where(t.applications.c.id == row.application_id)
            )
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
            number=_number(conn, row),
            created_at=row.created_at,
            # a sent test is never edited again, so its last change is its sending
            sent_at=row.updated_at if row.status == "sent" else None,
            candidate=candidate,
        )


def list_assessments(database: Database, actor: User, posting_id: str) -> list[Assessment]:
    """The tests of one of the recruiter's postings, newest first."""
    if not actor.is_recruiter:
        raise AccessDenied("test")
    query = (
        select(t.assessments.c.id)
        .where(t.assessments.c.posting_id == posting_id)
        .order_by(t.assessments.c.created_at.desc(), t.assessments.c.id.desc())
    )
    with database.engine.connect() as conn:
        posting_row(conn, actor, posting_id)
        ids = list(conn.scalars(query))
    return [get_assessment(database, actor, assessment_id) for assessment_id in ids]


def _check_time_limit(minutes: int) -> None:
    if not 1 <= minutes <= MAX_TIME_LIMIT_MINUTES:
        raise RecruitmentError(
            _("The time limit must be between 1 and {most} minutes.").format(
                most=MAX_TIME_LIMIT_MINUTES
            )
        )


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
        The draft, for the recruiter to review, edit and send. Its choices are shuffled with
        its own id as seed, so two tests of one offer differ.
    """
    if not actor.is_recruiter:
        raise AccessDenied("test")
    _check_time_limit(time_limit_minutes)
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
    assessment_id = uuid.uuid4().hex
    spec, source = generate_spec(offer, gaps, llm=llm, questions=questions, seed=assessment_id)
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
            raise RecruitmentError(_("This test was sent already: it can no longer be edited."))
        limit = row.time_limit_minutes if time_limit_minutes is None else time_limit_minutes
        _check_time_limit(limit)
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


AttemptState = Literal["not started", "in progress", "time over", "submitted"]
#: How each state of a candidate's test reads (translated when shown).
STATE_LABELS: dict[str, str] = {
    "not started": N_("not started"),
    "in progress": N_("in progress"),
    "time over": N_("time over"),
    "submitted": N_("submitted"),
}


def attempt_state(
    started: datetime | None, deadline: datetime | None, submitted: datetime | None, now: datetime
) -> AttemptState:
    """Where a candidate is with a test at ``now``."""
    if submitted is not None:
        return "submitted"
    if started is None:
        return "not started"
    return "in progress" if deadline > now else "time over"


@dataclass(frozen=True)
class SentTest:
    """A test sent to the candidate, as their list shows it.

    Args:
        id: The test's id.
        title: Its title.
        offer: The title of the offer it tests for.
        number: Its place among the tests this candidate got for that offer (1: the first
            sent).
        sent_at: When it was sent (aware, UTC).
        questions: How many questions it has.
        time_limit_minutes: Time allowed once started.
        state: One of :data:`STATE_LABELS`' keys.
        score: Their total (0–100) once graded, else ``None``.
    """

    id: str
    title: str
    offer: str
    number: int
    sent_at: datetime
    questions: int
    time_limit_minutes: int
    state: AttemptState
    score: float | None

    def label(self) -> str:
        """What tells it from the candidate's other tests, in the current language:
        ``"Data analyst · test 2 · sent 4 Dec 14:02 · 6 questions · not started"``."""
        return _("{offer} · test {number} · sent {date} · {questions} · {state}").format(
            offer=self.offer,
            number=self.number,
            date=short_datetime(self.sent_at),
            questions=questions_label(self.questions),
            state=_(STATE_LABELS[self.state]),
        )


def list_candidate_tests(database: Database, actor: User) -> list[SentTest]:
    """The sent tests meant for this candidate, the latest sent first (a recruiter gets
    none)."""
    if actor.is_recruiter:
        return []
    apps, tests, attempts = t.applications, t.assessments, t.attempts
    counts = (
        select(t.questions.c.assessment_id, func.count().label("questions"))
        .group_by(t.questions.c.assessment_id)
        .subquery()
    )
    query = (
        select(
            tests.c.id,
            tests.c.posting_id,
            tests.c.title,
            tests.c.time_limit_minutes,
            tests.c.updated_at.label("sent_at"),  # sent tests are never edited again
            t.offers_table.c.title.label("offer_title"),
            counts.c.questions,
            attempts.c.submitted_at,
            attempts.c.started_at,
            attempts.c.deadline,
            attempts.c.score,
        )
        .join(apps, apps.c.posting_id == tests.c.posting_id)
        .join(t.postings, t.postings.c.id == tests.c.posting_id)
        .join(t.offers_table, t.offers_table.c.id == t.postings.c.offer_id)
        .join(counts, counts.c.assessment_id == tests.c.id)
        .outerjoin(
            attempts,
            (attempts.c.assessment_id == tests.c.id) & (attempts.c.candidate_id == actor.id),
        )
        .where(
            tests.c.status == "sent",
            apps.c.candidate_id == actor.id,
            or_(tests.c.application_id.is_(None), tests.c.application_id == apps.c.id),
        )
        .order_by(tests.c.updated_at, tests.c.id)
    )
    now = _now()
    with database.engine.connect() as conn:
        rows = conn.execute(query).all()
    numbers: dict[str, int] = {}
    sent = []
    for row in rows:
        numbers[row.posting_id] = numbers.get(row.posting_id, 0) + 1
        sent.append(
            SentTest(
                id=row.id,
                title=row.title,
                offer=row.offer_title,
                number=numbers[row.posting_id],
                sent_at=row.sent_at,
                questions=row.questions,
                time_limit_minutes=row.time_limit_minutes,
                state=attempt_state(row.started_at, row.deadline, row.submitted_at, now),
                score=row.score,
            )
        )
    return sent[::-1]
