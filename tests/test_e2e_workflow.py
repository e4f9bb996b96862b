"""The job seeker's whole path in a real browser, each file uploaded once: import offers →
convert a CV → rank the stored offers with that CV → reranking view → explanations → compare
two CVs → validation → download the ranked matches. ``streamlit run Home.py`` on 127.0.0.1,
headless Chromium; a screenshot of every step goes to ``test-artifacts/workflow-*.png``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from jobmatch.config import DEMO_DIR
from tests.e2e import ARTIFACTS, chromium, needs_chromium, served_app

pytestmark = [needs_chromium, pytest.mark.slow]
OFFERS = DEMO_DIR / "offers.jsonl"
#: Each CV file and a line of its converted text.
CVS = {
    DEMO_DIR / "cvs" / "cv_ingenieure_ia.docx": "Ingénieure IA / Machine Learning junior",
    DEMO_DIR / "cvs" / "cv_gestion_locative.pdf": "Assistante de gestion locative",
}
#: Long steps (the first ranking embeds 40 offers on 2 cores).
SLOW = 600


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on an empty workspace, in English, the cross-encoder rereading the 5 best
    offers, wording without the LLM (minutes on this CPU)."""
    environment = {"JOBMATCH_LLM": "", "JOBMATCH_LANGUAGE": "en", "JOBMATCH_RERANK_TOP_K": "5"}
    with served_app(tmp_path_factory.mktemp("data"), **environment) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium() as driver:
        yield driver


class Page:
    """One page of the app in the browser, with the few moves a user makes."""

    def __init__(self, browser, url: str) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.browser = browser
        browser.get(url)
        self.wait = WebDriverWait(browser, 60)
        self.find("//h1")

    def find(self, xpath: str, timeout: float = 60):
        """The first element at ``xpath``, once there; on a timeout the page is saved as
        ``test-artifacts/workflow-failed.png``."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as condition
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            return WebDriverWait(self.browser, timeout).until(
                condition.presence_of_element_located((By.XPATH, xpath))
            )
        except TimeoutException:
            ARTIFACTS.mkdir(exist_ok=True)
            self.browser.save_screenshot(str(ARTIFACTS / "workflow-failed.png"))
            raise

    def shows(self, text: str, timeout: float = 60) -> None:
        """Wait until an element's own text holds ``text``."""
        self.find(f"//*[text()[contains(., {xpath_literal(text)})]]", timeout)

    def click(self, text: str, timeout: float = 60) -> None:
        """Click the button (or tab, or radio option) showing ``text``."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as condition
        from selenium.webdriver.support.ui import WebDriverWait

        xpath = " | ".join(
            f"//{tag}[.//p[normalize-space()='{text}']]"
            for tag in ("button", "label", "*[@role='tab']")
        )
        element = WebDriverWait(self.browser, timeout).until(
            condition.element_to_be_clickable((By.XPATH, xpath))
        )
        self.browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def upload(self, path: Path) -> None:
        """Give ``path`` to the page's first file uploader."""
        self.find("//input[@type='file']").send_keys(str(path))

    def text(self) -> str:
        return self.browser.find_element("tag name", "body").text

    def screenshot(self, name: str) -> None:
        """Save the page once Streamlit has finished running it, and check it shows no error."""
        from selenium.webdriver.common.by import By

        time.sleep(1.5)  # let the tables and charts paint
        assert not self.browser.find_elements(By.CSS_SELECTOR, "[data-testid='stException']")
        assert "Traceback" not in self.text()
        ARTIFACTS.mkdir(exist_ok=True)
        assert self.browser.save_screenshot(str(ARTIFACTS / f"workflow-{name}.png"))


def test_the_job_seekers_path_uses_what_each_stage_made(app_url: str, browser) -> None:
    offers = Page(browser, f"{app_url}/offers")
    offers.click("Import a file")
    offers.upload(OFFERS)
    offers.click("Import")
    offers.shows("Imported 40 offers.")
    offers.screenshot("1-offers")

    for cv, line in CVS.items():
        convert = Page(browser, f"{app_url}/convert_cv")
        convert.upload(cv)
        convert.shows(line, SLOW)
        convert.screenshot(f"2-convert-{cv.stem}")

    matching = Page(browser, f"{app_url}/matching")  # stored offers and stored CVs by default
    matching.shows("40 of 40 stored offers")
    matching.click("Rank offers")
    download = matching.find("//*[@data-testid='stDownloadButton']//button", SLOW)
    matching.screenshot("3-matching")
    download.click()
    target = browser.download_dir / "matches.csv"
    matching.wait.until(lambda _: target.is_file() and target.stat().st_size > 0)
    ranked = pd.read_csv(target)
    assert len(ranked) == 40 and ranked["final_score"].is_monotonic_decreasing
    assert ranked["cross_score"].notna().sum() == 5, ranked.columns  # the 5 reread offers
    best = ranked["title"].iloc[0]

    reranking = Page(browser, f"{app_url}/reranking")  # reopens the ranking just made
    reranking.shows("Offers read by the cross-encoder")
    reranking.screenshot("4-reranking")

    explanations = Page(browser, f"{app_url}/explanations")
    explanations.click("Explain the best matches")
    explanations.shows(best, SLOW)
    explanations.screenshot("5-explanations")

    compare = Page(browser, f"{app_url}/compare_cvs")
    compare.click("Stored CVs")  # the first column: a converted CV; the second: a demo CV
    compare.click("Compare")
    compare.find("//*[@data-testid='stDataFrame']", SLOW)
    compare.screenshot("6-compare")

    validation = Page(browser, f"{app_url}/validation")
    validation.click("Evaluate")
    validation.shows("Average precision", SLOW)
    validation.screenshot("7-validation")


def xpath_literal(text: str) -> str:
    """``text`` as an XPath string literal, whatever quotes it holds."""
    if "'" not in text:
        return f"'{text}'"
    parts = text.split("'")
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in parts) + ")"
