"""The Recruitment section of the app, driven with AppTest through Home.py: a fresh install's
first recruiter, a candidate who signs up, applies and takes a test, and access control."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.recruitment.session import TOKEN_KEY
from jobmatch.config import PROJECT_ROOT, Settings
from jobmatch.demo import demo_cv_paths
from jobmatch.documents import extract_document
from jobmatch.recruitment import accounts, applications, assessments, offers
from jobmatch.storage import Database

TIMEOUT = 300
PASSWORD = "correct horse battery"
PAGES = "app_pages/recruitment"
DESCRIPTION = (
    "Nous recherchons un·e ingénieur·e machine learning maîtrisant Python, SQL et Docker, "
    "à l'aise avec le deep learning (PyTorch). Travail en équipe et rigueur."
)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """An empty data folder; ranking with the small English model and no reranker (fast)."""
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("JOBMATCH_EMBEDDERS", "minilm")
    monkeypatch.setenv("JOBMATCH_RERANK_TOP_K", "0")
    return tmp_path


@pytest.fixture
def database(workspace):
    with Database.from_settings(Settings()) as opened:
        yield opened


def home(token: str | None = None) -> AppTest:
    app = AppTest.from_file(str(PROJECT_ROOT / "Home.py"), default_timeout=TIMEOUT)
    if token is not None:
        app.session_state[TOKEN_KEY] = token
    return app


def open_page(app: AppTest, name: str) -> AppTest:
    app.switch_page(f"{PAGES}/{name}").run()
    assert not app.exception, app.exception
    return app


def _setup(database: Database) -> tuple[accounts.User, offers.Posting]:
    accounts.create_first_recruiter(database, "Acme", "boss@acme.example", "Boss", PASSWORD)
    token = accounts.sign_in(database, "boss@acme.example", PASSWORD)
    recruiter = accounts.current_user(database, token)
    return recruiter, offers.publish_offer(database, recruiter, "Ingénieur·e ML", DESCRIPTION)


def _signed_in_candidate(database: Database, name: str) -> str:
    email = f"{name.lower()}@mail.example"
    accounts.sign_up_candidate(database, email, name, PASSWORD)
    return accounts.sign_in(database, email, PASSWORD)


def test_fresh_install_first_recruiter_publishes_an_offer(database):
    app = home().run()
    assert not app.exception
    app = open_page(app, "sign_in.py")
    assert "First run" in app.info[0].value
    for label, value in [
        ("Organisation", "Acme"),
        ("Your name", "Boss"),
        ("E-mail", "boss@acme.example"),
        ("Password", PASSWORD),
    ]:
        next(w for w in app.text_input if w.label == label).input(value)
    app.button[0].click().run()
    assert not app.exception
    assert app.session_state[TOKEN_KEY]
    assert "Sign out" in [b.label for b in app.sidebar.button]

    app = open_page(app, "offers.py")
    assert app.title[0].value == "Published offers"
    next(w for w in app.text_input if w.label == "Title").input("Data analyst")
    next(w for w in app.text_area if w.label.startswith("Description")).input(DESCRIPTION)
    next(b for b in app.button if b.label == "Publish").click().run()
    assert not app.exception
    assert app.success[0].value == "Published: Data analyst"
    recruiter = accounts.current_user(database, app.session_state[TOKEN_KEY])
    assert [p.offer.title for p in offers.list_postings(database, recruiter)] == ["Data analyst"]

    next(b for b in app.sidebar.button if b.label == "Sign out").click().run()
    assert TOKEN_KEY not in app.session_state
    assert accounts.current_user(database, token=None) is None


def test_candidate_signs_up_applies_and_takes_a_test(database, minilm):
    recruiter, posting = _setup(database)
    app = open_page(home().run(), "sign_in.py")
    for key, value in [
        ("sign_up.name", "Alice"),
        ("sign_up.email", "alice@mail.example"),
        ("sign_up.password", PASSWORD),
    ]:
        app.text_input(key=key).input(value)
    next(b for b in app.button if b.label == "Create my account").click().run()
    assert not app.exception
    alice = accounts.current_user(database, app.session_state[TOKEN_KEY])
    assert alice.role == "candidate"

    app = open_page(app, "jobs.py")
    app.radio[0].set_value("Paste text").run()
    cv = next(p for p in demo_cv_paths() if p.name == "cv_ingenieure_ia.txt")
    app.text_area[0].input(cv.read_text(encoding="utf-8")).run()
    next(b for b in app.button if b.label == "Apply").click().run()
    assert not app.exception
    assert app.success[0].value == "Application sent."
    (application,) = applications.list_applications(database, alice)

    draft = assessments.create_assessment(
        database, recruiter, posting.id, application_id=application.id, questions=3
    )
    assessments.send_assessment(database, recruiter, draft.id)
    app = open_page(app, "take_test.py")
    next(b for b in app.button if b.label == "Start the test").click().run()
    assert not app.exception
    for question, spec in zip(draft.questions, (q.spec for q in draft.questions), strict=True):
        key = f"answer.{question.id}"
        if spec.kind == "mcq":
            app.radio(key=key).set_value(spec.answer_index)
        else:
            app.text_area(key=key).input(spec.rubric)
    app.run()  # the answers are saved as they change
    saved = assessments.list_candidate_tests(database, alice)[0]
    assert saved["state"] == "in progress"
    reloaded = open_page(home(app.session_state[TOKEN_KEY]).run(), "take_test.py")
    assert reloaded.radio(key=f"answer.{draft.questions[0].id}").value == (
        draft.questions[0].spec.answer_index
    )
    next(b for b in reloaded.button if b.label == "Submit").click().run()
    assert not reloaded.exception
    assert reloaded.success[0].value.startswith("Submitted. Your score:")
    assert assessments.list_candidate_tests(database, alice)[0]["score"] > 70


def test_recruiter_pages_rank_generate_and_chart(database):
    _recruiter, posting = _setup(database)
    for name, cv_name in (("Alice", "cv_ingenieure_ia.txt"), ("Bob", "cv_gestion_locative.txt")):
        token = _signed_in_candidate(database, name)
        candidate = accounts.current_user(database, token)
        document = extract_document(next(p for p in demo_cv_paths() if p.name == cv_name))
        applications.apply(database, candidate, posting.id, document)
    token = accounts.sign_in(database, "boss@acme.example", PASSWORD)

    app = open_page(home(token).run(), "applications.py")
    next(b for b in app.button if b.label == "Rank applicants").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == 2 and table["final_score"].notna().all()
    next(b for b in app.button if b.label == "Export CSV").click().run()
    assert "Download the CSV" in [b.proto.label for b in app.get("download_button")]

    app = open_page(app, "assessments.py")
    next(b for b in app.button if b.label == "Generate a test").click().run()
    assert not app.exception
    assert app.success[0].value.startswith("Draft ready (fallback)")
    assert app.expander[0].label.endswith("draft (fallback)")

    app = open_page(app, "dashboard.py")
    assert len(app.get("plotly_chart")) == 2  # no test results yet: statuses and scores


@pytest.mark.parametrize("page", ["offers.py", "applications.py", "assessments.py", "dashboard.py"])
def test_a_candidate_opening_a_recruiter_page_gets_nothing(database, page):
    _setup(database)
    token = _signed_in_candidate(database, "Mallory")
    app = AppTest.from_file(str(PROJECT_ROOT / PAGES / page), default_timeout=TIMEOUT)
    app.session_state[TOKEN_KEY] = token
    app.run()
    assert not app.exception
    assert app.error[0].value.startswith("Sign in with the right account")
    assert not app.title and not app.dataframe and not app.expander


def test_signed_out_visitors_get_only_the_sign_in_page(database):
    _setup(database)
    app = AppTest.from_file(str(PROJECT_ROOT / PAGES / "take_test.py"), default_timeout=TIMEOUT)
    app.session_state[TOKEN_KEY] = "forged-token"
    app.run()
    assert app.error[0].value.startswith("Sign in with the right account")
    assert TOKEN_KEY not in app.session_state
