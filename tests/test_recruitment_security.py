"""Hardening of the recruitment services on a real database: sign-in answers that reveal
nothing and a backoff nobody can turn against someone else, e-mail and password rules, the
organisation check of every service function that takes an id, and grading that survives any
stored answer.

Backend-parametrized tests also run on PostgreSQL when ``JOBMATCH_TEST_POSTGRES_URL`` is set
(the ``db_url`` fixture of tests/conftest.py).
"""

# ruff: noqa: F811 (tests name the fixtures imported from test_recruitment as parameters)

from __future__ import annotations

import inspect as pyinspect
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from test_recruitment import (
    DESCRIPTION,
    PASSWORD,
    _candidate,
    _cv,
    _recruiter,
    _sent_test,
    embedder_for,  # noqa: F401 (a fixture, shared with that module)
    world,  # noqa: F401 (a fixture, shared with that module)
)

from jobmatch.config import Settings
from jobmatch.recruitment import accounts, applications, assessments, attempts, offers
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.errors import (
    AccessDenied,
    MalformedAnswer,
    RecruitmentError,
    SignInError,
)
from jobmatch.recruitment.grading import MALFORMED, grade_mcq
from jobmatch.storage import Database
from tests.hostile.corpus import HOSTILE_EMAILS, MALFORMED_ANSWERS, WEAK_PASSWORDS

BOSS = "boss@acme.example"
CV = "cv_ingenieure_ia.txt"


def _snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every row of every recruitment table (offers and CVs included)."""
    with db.engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(table.select())), key=repr)
            for table in t.metadata.sorted_tables
        }


def _failed_sign_in(db: Database, email: str, password: str, **options: Any) -> SignInError:
    with pytest.raises(SignInError) as refused:
        accounts.sign_in(db, email, password, **options)
    return refused.value


# --- Sign-in: no enumeration, no lockout of others --------------------------------------------


class CountingHasher(PasswordHasher):
    """The real Argon2id hasher, counting its verifications."""

    verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


def test_unknown_wrong_and_throttled_sign_ins_answer_the_same_after_the_same_work(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _recruiter(db)
    hasher = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", hasher)
    errors = [
        _failed_sign_in(db, "nobody@acme.example", PASSWORD),
        _failed_sign_in(db, BOSS, "wrong password"),
        _failed_sign_in(db, "a@b", PASSWORD),  # not even an address
    ]
    for email in (BOSS, "nobody@acme.example"):
        for _ in range(accounts.ACCOUNT_FAILURES_ALLOWED):
            _failed_sign_in(db, email, "guess", source="attacker")
    throttled = [
        _failed_sign_in(db, BOSS, PASSWORD, source="attacker"),  # right password, throttled
        _failed_sign_in(db, "nobody@acme.example", PASSWORD, source="attacker"),
    ]
    assert {(type(e), str(e)) for e in errors + throttled} == {(SignInError, str(errors[0]))}
    assert "Wrong e-mail or password" in str(errors[0])
    assert hasher.verified == 3 + 2 * accounts.ACCOUNT_FAILURES_ALLOWED + 2  # every try
    with db.engine.connect() as conn:  # an unknown e-mail is counted like a real account
        buckets = conn.execute(t.sign_in_failures.select()).all()
    # (each e-mail, local), (local), (each e-mail, attacker), (attacker); nothing in clear
    assert len(buckets) == 3 + 1 + 2 + 1
    assert sorted(row.failures for row in buckets) == [1, 1, 1, 3, 5, 5, 10]
    assert not any("@" in row.bucket for row in buckets)


def test_failures_from_one_source_never_lock_out_another_and_are_stored(
    db: Database, db_url: str
) -> None:
    _recruiter(db)
    now = datetime.now(UTC)
    for _ in range(accounts.ACCOUNT_FAILURES_ALLOWED):
        _failed_sign_in(db, BOSS, "guess", source="attacker", now=now)
    with Database(db_url) as reopened:  # the count lives in the database, not in a process
        _failed_sign_in(reopened, BOSS, PASSWORD, source="attacker", now=now)
        assert accounts.sign_in(reopened, BOSS, PASSWORD, source="office", now=now)
    assert accounts.sign_in(db, BOSS, PASSWORD, now=now)  # the default source is another one


def test_the_wait_doubles_with_each_further_failure_up_to_a_cap(db: Database) -> None:
    allowed, start = accounts.ACCOUNT_FAILURES_ALLOWED, accounts.BACKOFF_START
    assert accounts.backoff(allowed - 1, allowed) == timedelta(0)
    assert accounts.backoff(allowed, allowed) == start
    assert accounts.backoff(allowed + 1, allowed) == 2 * start
    assert accounts.backoff(10**9, allowed) == accounts.BACKOFF_CAP  # no overflow
    _recruiter(db)
    now = datetime.now(UTC)
    for _ in range(allowed):
        _failed_sign_in(db, BOSS, "guess", now=now)
    _failed_sign_in(db, BOSS, PASSWORD, now=now + start - timedelta(seconds=1))
    later = now + start + timedelta(seconds=1)
    _failed_sign_in(db, BOSS, "guess", now=later)  # one more failure: twice the wait
    _failed_sign_in(db, BOSS, PASSWORD, now=later + 2 * start - timedelta(seconds=1))
    token = accounts.sign_in(db, BOSS, PASSWORD, now=later + 2 * start + timedelta(seconds=1))
    assert accounts.current_user(db, token).email == BOSS
    _failed_sign_in(db, BOSS, "guess", now=later + 3 * start)  # a success cleared the count
    assert accounts.sign_in(db, BOSS, PASSWORD, now=later + 3 * start)
    quiet = later + 3 * start + accounts.FAILURES_KEPT + timedelta(seconds=1)
    _failed_sign_in(db, "nobody@acme.example", "guess", now=quiet)
    with db.engine.connect() as conn:  # old failures are forgotten
        rows = conn.execute(t.sign_in_failures.select()).all()
    assert {(row.failures, row.last_failure_at) for row in rows} == {(1, quiet)}


def test_a_source_failing_on_many_accounts_waits_even_after_a_success(db: Database) -> None:
    _recruiter(db)
    now = datetime.now(UTC)
    for number in range(accounts.SOURCE_FAILURES_ALLOWED - 1):
        _failed_sign_in(db, f"user{number}@acme.example", "guess", source="sprayer", now=now)
    assert accounts.sign_in(db, BOSS, PASSWORD, source="sprayer", now=now)
    _failed_sign_in(db, "last@acme.example", "guess", source="sprayer", now=now)
    _failed_sign_in(db, BOSS, PASSWORD, source="sprayer", now=now)
    assert accounts.sign_in(db, BOSS, PASSWORD, source="office", now=now)


# --- E-mails and passwords --------------------------------------------------------------------


@pytest.mark.parametrize("email, message", HOSTILE_EMAILS)
def test_invalid_e_mails_are_refused(db: Database, email: str, message: str) -> None:
    before = _snapshot(db)
    with pytest.raises(RecruitmentError, match="Enter a valid e-mail address") as refused:
        accounts.sign_up_candidate(db, email, "X", PASSWORD)
    assert message in str(refused.value)
    with pytest.raises(RecruitmentError, match=message):
        accounts.register_organisation(db, "Acme", email, "Boss", PASSWORD)
    assert _snapshot(db) == before


def test_e_mails_are_stored_normalised(db: Database) -> None:
    user = accounts.sign_up_candidate(db, "  Élodie.Dupont@Exemple.FR ", "Élodie", PASSWORD)
    assert user.email == "élodie.dupont@exemple.fr"
    assert accounts.sign_in(db, "ÉLODIE.DUPONT@exemple.fr", PASSWORD)
    with pytest.raises(RecruitmentError, match="already exists"):
        accounts.sign_up_candidate(db, "élodie.dupont@EXEMPLE.fr", "Twin", PASSWORD)


@pytest.mark.parametrize("password, message", WEAK_PASSWORDS)
def test_blank_short_and_common_passwords_are_refused(
    db: Database, password: str, message: str
) -> None:
    before = _snapshot(db)
    with pytest.raises(RecruitmentError, match=message):
        accounts.sign_up_candidate(db, "c@mail.example", "C", password)
    with pytest.raises(RecruitmentError, match=message):
        accounts.register_organisation(db, "Acme", BOSS, "Boss", password)
    assert _snapshot(db) == before


def test_the_common_password_list_holds_only_passwords_long_enough() -> None:
    assert len(accounts.COMMON_PASSWORDS) >= 50
    assert all(
        len(password) >= accounts.MIN_PASSWORD_LENGTH and password == password.lower()
        for password in accounts.COMMON_PASSWORDS
    )


# --- Every service that takes an id checks who asks -------------------------------------------


@pytest.fixture
def scene(db: Database, world: dict, tmp_path: Path, embedder_for) -> dict:
    """The ``world`` of tests/test_recruitment.py, plus: a closed Acme offer, a draft, a test
    sent to Alice only (started), Globex's own offer, Carol who applied nowhere, settings and
    grading's embedders."""
    recruiter = world["recruiter"]
    closed = offers.publish_offer(db, recruiter, "Comptable", "Comptable pour PME : bilans, TVA.")
    offers.set_posting_status(db, recruiter, closed.id, "closed")
    tailored = _sent_test(db, world, for_app=world["alice_app"].id)
    attempts.start_attempt(db, world["alice"], tailored.id)
    return {
        **world,
        "closed": closed,
        "draft": assessments.create_assessment(db, recruiter, world["posting"].id),
        "tailored": tailored,
        "globex_posting": offers.publish_offer(db, world["other"], "Analyste", DESCRIPTION),
        "carol": _candidate(db, "Carol"),
        "settings": Settings(data_dir=tmp_path),
        "embedder_for": embedder_for,
    }


Call = Callable[[Database, dict], object]


def _case(name: str, call: Call, refusal: type[Exception] = AccessDenied, who: str = "other"):
    return pytest.param(name, call, refusal, id=f"{name}[{who}]")


CASES = [
    _case("offers.get_posting", lambda db, s: offers.get_posting(db, s["other"], s["posting"].id)),
    _case(
        "offers.promote_offer",
        lambda db, s: offers.promote_offer(db, s["other"], s["posting"].offer.id),
    ),
    _case(
        "offers.promote_offer",
        lambda db, s: offers.promote_offer(db, s["other"], s["closed"].offer.id),
        who="other, closed offer",
    ),
    _case(
        "offers.edit_offer",
        lambda db, s: offers.edit_offer(
            db,
            s["other"],
            s["posting"].id,
            title="Hijacked",
            description=DESCRIPTION,
            location="",
            company="Globex",
        ),
    ),
    _case(
        "offers.set_posting_status",
        lambda db, s: offers.set_posting_status(db, s["other"], s["posting"].id, "closed"),
    ),
    _case(
        "applications.get_application",
        lambda db, s: applications.get_application(db, s["other"], s["alice_app"].id),
    ),
    _case(
        "applications.get_application",
        lambda db, s: applications.get_application(db, s["bob"], s["alice_app"].id),
        who="another candidate",
    ),
    _case(
        "applications.apply",
        lambda db, s: applications.apply(
            db, s["other"], s["posting"].id, _cv("cv_ingenieure_ia.txt")
        ),
        RecruitmentError,
    ),
    _case(
        "applications.apply",
        lambda db, s: applications.apply(
            db, s["carol"], s["closed"].id, _cv("cv_ingenieure_ia.txt")
        ),
        who="candidate, closed offer",
    ),
    _case(
        "applications.list_applications",
        lambda db, s: applications.list_applications(db, s["other"], s["posting"].id),
    ),
    _case(
        "applications.rank_applications",
        lambda db, s: applications.rank_applications(
            db, s["other"], s["posting"].id, settings=s["settings"], embedders=[], reranker=None
        ),
    ),
    _case(
        "applications.set_status",
        lambda db, s: applications.set_status(db, s["other"], s["alice_app"].id, "rejected"),
    ),
    _case(
        "applications.applications_frame",
        lambda db, s: applications.applications_frame(db, s["other"], s["posting"].id),
    ),
    _case(
        "applications.export_applications",
        lambda db, s: applications.export_applications(
            db, s["other"], s["posting"].id, s["settings"]
        ),
    ),
    _case(
        "assessments.get_assessment",
        lambda db, s: assessments.get_assessment(db, s["other"], s["draft"].id),
    ),
    _case(
        "assessments.get_assessment",
        lambda db, s: assessments.get_assessment(db, s["alice"], s["tailored"].id),
        who="its candidate",
    ),
    _case(
        "assessments.list_assessments",
        lambda db, s: assessments.list_assessments(db, s["other"], s["posting"].id),
    ),
    _case(
        "assessments.create_assessment",
        lambda db, s: assessments.create_assessment(db, s["other"], s["posting"].id),
    ),
    _case(
        "assessments.create_assessment",
        lambda db, s: assessments.create_assessment(
            db, s["other"], s["globex_posting"].id, application_id=s["alice_app"].id
        ),
        who="other, own offer",
    ),
    _case(
        "assessments.update_assessment",
        lambda db, s: assessments.update_assessment(
            db, s["other"], s["draft"].id, s["draft"].spec(), time_limit_minutes=1
        ),
    ),
    _case(
        "assessments.send_assessment",
        lambda db, s: assessments.send_assessment(db, s["other"], s["draft"].id),
    ),
    _case(
        "attempts.get_candidate_test",
        lambda db, s: attempts.get_candidate_test(db, s["other"], s["tailored"].id),
    ),
    _case(
        "attempts.get_candidate_test",
        lambda db, s: attempts.get_candidate_test(db, s["bob"], s["tailored"].id),
        who="another candidate",
    ),
    _case(
        "attempts.start_attempt",
        lambda db, s: attempts.start_attempt(db, s["bob"], s["tailored"].id),
        who="another candidate",
    ),
    _case(
        "attempts.start_attempt",
        lambda db, s: attempts.start_attempt(db, s["other"], s["tailored"].id),
    ),
    _case(
        "attempts.save_answer",
        lambda db, s: attempts.save_answer(
            db, s["bob"], s["tailored"].id, s["tailored"].questions[0].id, "0"
        ),
        who="another candidate",
    ),
    _case(
        "attempts.save_answer",
        lambda db, s: attempts.save_answer(
            db, s["other"], s["tailored"].id, s["tailored"].questions[0].id, "0"
        ),
    ),
    _case(
        "attempts.submit_attempt",
        lambda db, s: attempts.submit_attempt(
            db, s["bob"], s["tailored"].id, embedder_for=s["embedder_for"]
        ),
        who="another candidate",
    ),
    _case(
        "attempts.submit_attempt",
        lambda db, s: attempts.submit_attempt(
            db, s["other"], s["tailored"].id, embedder_for=s["embedder_for"]
        ),
    ),
    _case(
        "attempts.graded_answers",
        lambda db, s: attempts.graded_answers(db, s["other"], s["posting"].id),
    ),
]


@pytest.mark.parametrize("name, call, refusal", CASES)
def test_another_organisation_or_candidate_is_refused_and_nothing_changes(
    db: Database, scene: dict, tmp_path: Path, name: str, call: Call, refusal: type[Exception]
) -> None:
    before = _snapshot(db)
    with pytest.raises(refusal) as refused:
        call(db, scene)
    if refusal is AccessDenied:  # the same answer as for an id that does not exist
        assert str(refused.value).startswith("No such ")
    assert _snapshot(db) == before
    assert not list(tmp_path.rglob("*.csv"))


def test_every_service_taking_an_id_is_checked() -> None:
    services = {
        f"{module.__name__.rsplit('.', 1)[1]}.{name}"
        for module in (offers, applications, assessments, attempts)
        for name, function in pyinspect.getmembers(module, pyinspect.isfunction)
        if function.__module__ == module.__name__
        and not name.startswith("_")
        and "conn" not in pyinspect.signature(function).parameters  # helpers of the services
        and any(p.endswith("_id") for p in pyinspect.signature(function).parameters)
    }
    assert services == {case.values[0] for case in CASES}


def test_an_unknown_offer_and_another_organisations_get_the_same_answer(
    db: Database, scene: dict
) -> None:
    other = scene["other"]
    with pytest.raises(AccessDenied) as unknown:
        offers.promote_offer(db, other, "no-such-offer")
    with pytest.raises(AccessDenied) as foreign:
        offers.promote_offer(db, other, scene["posting"].offer.id)
    assert str(unknown.value) == str(foreign.value)
    own = offers.promote_offer(db, scene["recruiter"], scene["closed"].offer.id)
    assert own.offer.title == "Comptable" and own.status == "open"


# --- Grading survives any stored answer -------------------------------------------------------


def test_a_malformed_multiple_choice_answer_is_refused_when_saved(
    db: Database, world: dict
) -> None:
    test = _sent_test(db, world)
    attempts.start_attempt(db, world["alice"], test.id)
    mcq = next(q for q in test.questions if q.spec.kind == "mcq")
    before = _snapshot(db)
    for value in MALFORMED_ANSWERS:
        with pytest.raises(MalformedAnswer, match="Choose one of the question's choices"):
            attempts.save_answer(db, world["alice"], test.id, mcq.id, value)
    assert _snapshot(db) == before
    attempts.save_answer(db, world["alice"], test.id, mcq.id, " 1 ")
    assert attempts.get_candidate_test(db, world["alice"], test.id).answers == {mcq.id: "1"}


def _store_answers(db: Database, attempt_id: str, values: dict[str, object]) -> None:
    """Write answers as an older version (or anything else) could have left them."""
    now = datetime.now(UTC)
    with db.transaction() as conn:
        conn.execute(
            t.answers.insert(),
            [
                {"attempt_id": attempt_id, "question_id": question, "value": value, "saved_at": now}
                for question, value in values.items()
            ],
        )


def _attempt_id(db: Database, candidate_id: str, test_id: str) -> str:
    with db.engine.connect() as conn:
        return conn.scalar(
            select(t.attempts.c.id).where(
                t.attempts.c.assessment_id == test_id, t.attempts.c.candidate_id == candidate_id
            )
        )


def test_stored_malformed_answers_score_0_and_are_flagged_never_raise(
    db: Database,
    world: dict,
    embedder_for,
) -> None:
    test = _sent_test(db, world)
    alice, bob, recruiter = world["alice"], world["bob"], world["recruiter"]
    mcqs = [q for q in test.questions if q.spec.kind == "mcq"]
    assert mcqs
    for candidate, start in ((alice, datetime.now(UTC)), (bob, datetime(2020, 1, 1, tzinfo=UTC))):
        attempts.start_attempt(db, candidate, test.id, now=start)
        values = {q.id: MALFORMED_ANSWERS[n % len(MALFORMED_ANSWERS)] for n, q in enumerate(mcqs)}
        _store_answers(db, _attempt_id(db, candidate.id, test.id), values)
    shown = attempts.get_candidate_test(db, alice, test.id)
    assert shown.answers == {}  # shown unanswered, not a broken page
    score = attempts.submit_attempt(db, alice, test.id, embedder_for=embedder_for)
    assert score == 0
    assert attempts.close_expired(db, recruiter, embedder_for=embedder_for) == 1  # Bob's
    results = attempts.graded_answers(db, recruiter, world["posting"].id)
    flagged = results[results["kind"] == "mcq"]
    assert len(flagged) == 2 * len(mcqs)
    assert flagged["malformed"].all() and (flagged["score"] == 0).all()
    assert flagged["reasoning"].str.startswith(MALFORMED).all()
    assert not results.loc[results["kind"] == "short", "malformed"].any()


@pytest.mark.parametrize("value", [None, 1, [0], b"0", "2.0", "c"])
def test_grading_a_multiple_choice_answer_of_any_type_flags_it(value: object) -> None:
    question = assessments.QuestionSpec(
        kind="mcq",
        prompt="Which one?",
        choices=["a", "b", "c"],
        answer_index=1,
        difficulty="easy",
        skill="x",
    )
    grade = grade_mcq(question, value)
    assert (grade.score, grade.malformed) == (0.0, True)
    assert grade.reasoning.startswith(MALFORMED) and "'b'" in grade.reasoning
    assert grade_mcq(question, "").malformed is False
    assert grade_mcq(question, "1").score == 1


def test_a_stored_answer_that_is_not_text_is_flagged(
    db: Database,
    world: dict,
    embedder_for,
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite keeps a blob in a text column")
    test = _sent_test(db, world)
    attempts.start_attempt(db, world["alice"], test.id)
    values = {q.id: b"\x00\xff" for q in test.questions}
    _store_answers(db, _attempt_id(db, world["alice"].id, test.id), values)
    assert attempts.submit_attempt(db, world["alice"], test.id, embedder_for=embedder_for) == 0
    results = attempts.graded_answers(db, world["recruiter"], world["posting"].id)
    assert results["malformed"].all() and len(results) == len(test.questions)
