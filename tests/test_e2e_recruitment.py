"""End to end in a real browser, the recruiter and the candidate with two tests for one offer:
the first recruiter signs up and publishes an offer, a candidate signs up and applies, the
recruiter sends two tests, the candidate tells them apart, starts the older one (the page shows
that one started), answers and submits, and the recruiter reads the grade. Each user works in
a fresh browser session (the page reloaded at the sign-in page). Saves screenshots under
``test-artifacts/recruitment-*.png``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from jobmatch.config import Settings
from jobmatch.demo import demo_cv_paths
from jobmatch.recruitment import tables as t
from jobmatch.storage import Database
from tests.e2e import ARTIFACTS, chromium, needs_chromium, served_app

pytestmark = needs_chromium

PASSWORD = "correct horse battery"
RECRUITER = ("Boss", "boss@acme.example")
CANDIDATE = ("Alice", "alice@mail.example")
OFFER = "Ingénieur·e machine learning"
DESCRIPTION = (
    "Nous recherchons un·e ingénieur·e machine learning maîtrisant Python, SQL et Docker, à "
    "l'aise avec le deep learning (PyTorch). Travail en équipe et rigueur."
)
WAIT = 90


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def app_url(workspace: Path) -> Iterator[str]:
    """The app on an empty workspace, in English, ranking with the small model."""
    with served_app(
        workspace, JOBMATCH_LANGUAGE="en", JOBMATCH_EMBEDDERS="minilm", JOBMATCH_RERANK_TOP_K="0"
    ) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


class Page:
    """The browser on the app, with the few moves a user makes."""

    def __init__(self, driver, url: str) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.url = url
        self.wait = WebDriverWait(driver, WAIT)

    def settle(self) -> None:
        """Wait until the app has finished running the page."""
        from selenium.webdriver.common.by import By

        time.sleep(0.4)
        self.wait.until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']")
        )
        time.sleep(0.3)

    def visible(self, xpath: str):
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.common.by import By

        def found(driver):
            shown = [e for e in driver.find_elements(By.XPATH, xpath) if e.is_displayed()]
            return shown[0] if shown else False

        try:
            return self.wait.until(found)
        except TimeoutException:
            self.shot("failure")  # what the page showed instead
            raise AssertionError(f"not shown: {xpath}") from None

    def text_shown(self, text: str) -> None:
        self.visible(f"//*[text()[contains(normalize-space(.), {_literal(text)})]]")

    def click(self, label: str, element: str = "button") -> None:
        """Click the ``element`` (``"button"``, ``"*[@role='tab']"``, ``"a"`` for a link of
        the navigation) showing ``label``."""
        button = self.visible(f"//{element}[.//*[normalize-space(text())={_literal(label)}]]")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        self.wait.until(lambda _: button.is_enabled())
        button.click()
        self.settle()

    def type(self, label: str, text: str, tag: str = "input", nth: int = 1) -> None:
        """Type into the ``nth`` visible text input (or ``textarea``) labelled ``label``, then
        leave it."""
        from selenium.webdriver.common.keys import Keys

        field = self.visible(f"//{tag}[@aria-label={_literal(label)}]")
        if nth > 1:
            field = self.driver.find_elements("xpath", f"//{tag}[@aria-label={_literal(label)}]")
            field = [element for element in field if element.is_displayed()][nth - 1]
        field.send_keys(Keys.CONTROL, "a")  # replaces what is there (clear() does not)
        field.send_keys(text)
        if tag == "input":
            field.send_keys(Keys.TAB)
        else:
            self.driver.execute_script("arguments[0].blur();", field)
        self.settle()

    def choose(self, label: str, within: str = "") -> None:
        """Pick the radio option showing ``label`` (of the first group after the text
        ``within``, if given)."""
        option = f"//label[.//*[normalize-space(text())={_literal(label)}]]"
        if within:
            option = (
                f"(//*[text()[contains(., {_literal(within)})]]/following::*"
                f"[@role='radiogroup'])[1]{option}"
            )
        self.visible(option).click()
        self.settle()

    def selected(self, label: str, containing: str) -> None:
        """Wait until the select box labelled ``label`` shows an option containing
        ``containing``."""
        self.visible(
            f"//input[@role='combobox'][@aria-label={_literal(label)}]"
            f"[contains(@value, {_literal(containing)})]"
        )

    def select(self, label: str, containing: str) -> None:
        """Pick the option containing ``containing`` of the select box labelled ``label``."""
        box = self.visible(f"//input[@role='combobox'][@aria-label={_literal(label)}]")
        box.find_element("xpath", "following-sibling::button").click()
        self.visible(f"//*[@role='option'][contains(., {_literal(containing)})]").click()
        self.settle()

    def shot(self, name: str) -> None:
        time.sleep(0.5)  # let charts and tables paint
        ARTIFACTS.mkdir(exist_ok=True)
        assert self.driver.save_screenshot(str(ARTIFACTS / f"recruitment-{name}.png"))

    def sign_in_page(self) -> None:
        """A fresh session on the sign-in page (signed out)."""
        self.driver.get(f"{self.url}/sign-in")
        self.visible("//h1[normalize-space()='Recruitment']")
        self.settle()

    def sign_in(self, email: str) -> None:
        self.sign_in_page()
        self.type("E-mail", email)
        self.type("Password", PASSWORD)
        self.click("Sign in")

    def landed(self, title: str, name: str, role: str) -> None:
        """On the role's first page, with a toast saying who signed in, and every page of the
        role listed in the navigation."""
        self.visible(
            "//*[@data-testid='stToast']"
            f"[contains(normalize-space(.), {_literal(f'Signed in as {name} ({role}).')})]"
        )
        self.visible(f"//h1[normalize-space()={_literal(title)}]")

    def navigate(self, title: str) -> None:
        self.click(title, "a")
        self.visible(f"//h1[normalize-space()={_literal(title)}]")


def _literal(text: str) -> str:
    """``text`` as an XPath string literal (it holds no double quote)."""
    assert '"' not in text
    return f'"{text}"'


def _attempts(workspace: Path) -> list:
    with Database.from_settings(Settings(data_dir=workspace)) as db, db.engine.connect() as conn:
        return conn.execute(select(t.attempts)).all()


def _started_questions(workspace: Path) -> list:
    """The questions of the test the candidate started, with their keys (from the database)."""
    (attempt,) = _attempts(workspace)
    with Database.from_settings(Settings(data_dir=workspace)) as db, db.engine.connect() as conn:
        query = (
            select(t.questions)
            .where(t.questions.c.assessment_id == attempt.assessment_id)
            .order_by(t.questions.c.position)
        )
        questions = conn.execute(query).all()
    assert len(questions) == 3  # the older test, the one chosen
    return questions


def _nav_links(page: Page) -> list[str]:
    from selenium.webdriver.common.by import By

    links = page.driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNavLink']")
    return [link.text.split("\n")[-1].strip() for link in links if link.is_displayed()]  # no icon


def test_recruiter_and_candidate_with_two_tests_for_one_offer(app_url, browser, workspace):
    page = Page(browser, app_url)

    # The first recruiter creates the organisation and lands on their offers.
    page.sign_in_page()
    page.type("Organisation", "Acme")
    page.type("Your name", RECRUITER[0])
    page.type("E-mail", RECRUITER[1])
    page.type("Password (10 characters or more)", PASSWORD)
    page.click("Create the first recruiter")
    page.landed("Published offers", RECRUITER[0], "recruiter")
    assert {"Published offers", "Applicants", "Tests", "Dashboard"} <= set(_nav_links(page))
    page.type("Title", OFFER)
    page.type("Location", "Lyon")
    page.type("Description (requirements included)", DESCRIPTION, tag="textarea")
    page.click("Publish")
    page.text_shown(f"Published: {OFFER}")
    page.shot("1-published")

    # A candidate signs up, lands on the jobs and applies with a pasted CV.
    page.sign_in_page()
    page.click("Create a candidate account", "*[@role='tab']")
    page.type("Your name", CANDIDATE[0])
    page.type("E-mail", CANDIDATE[1])
    page.type("Password (10 characters or more)", PASSWORD)
    page.click("Create my account")
    page.landed("Jobs", CANDIDATE[0], "candidate")
    assert {"Jobs", "My applications", "Take a test"} <= set(_nav_links(page))
    page.visible(f"//summary[contains(., {_literal(OFFER)})]").click()
    page.choose("Paste text")
    cv = next(p for p in demo_cv_paths() if p.name == "cv_ingenieure_ia.txt")
    page.type("Your CV as text", cv.read_text(encoding="utf-8")[:1500], tag="textarea")
    page.click("Apply")
    page.text_shown("Application sent.")

    # The recruiter sends two tests for the offer: 3 questions, then 2.
    page.sign_in(RECRUITER[1])
    page.landed("Published offers", RECRUITER[0], "recruiter")
    page.navigate("Tests")
    for questions in ("3", "2"):
        page.type("Questions", questions)
        page.click("Generate a test")
        page.text_shown("Draft ready: review it below, then send it.")
        page.text_shown("standard wording")  # the provenance badge
        page.click("Send to the candidate(s)")
    page.text_shown("Test 2 · sent ")
    page.shot("2-two-tests-sent")

    # The candidate tells the two tests apart and starts the older one, listed second.
    page.sign_in(CANDIDATE[1])
    page.landed("Jobs", CANDIDATE[0], "candidate")
    page.navigate("Take a test")
    page.selected("Test", "test 2 · sent ")  # the latest first
    page.select("Test", "test 1 · sent ")
    page.text_shown("3 questions, 20 minutes once started.")
    page.shot("3-two-tests")
    page.click("Start the test")
    page.selected("Test", "test 1 · sent ")  # the test started is the one shown
    page.selected("Test", "· in progress")
    page.text_shown("In progress:")
    page.shot("4-started")
    written = 0
    for question in _started_questions(workspace):  # answered right, in the order shown
        if question.kind == "mcq":
            right = json.loads(question.choices)[question.answer_index]
            page.choose(right, within=f"Question {question.position}")
        else:
            written += 1
            page.type("Your answer", question.rubric, tag="textarea", nth=written)
    page.click("Submit")
    page.text_shown("Submitted. Your score:")
    page.shot("5-submitted")

    # The recruiter reads the grade.
    page.sign_in(RECRUITER[1])
    page.landed("Published offers", RECRUITER[0], "recruiter")
    page.navigate("Tests")
    page.text_shown("Graded answers")
    page.shot("6-results")
    page.navigate("Dashboard")
    page.text_shown("Test results per skill")
    page.visible("(//*[@data-testid='stPlotlyChart'])[last()]//*[contains(@class, 'main-svg')]")
    page.shot("7-dashboard")

    (attempt,) = _attempts(workspace)  # one test started: the older, with 3 questions
    assert attempt.score > 70
