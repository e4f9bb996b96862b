"""End to end in a real browser: ``streamlit run Home.py`` on 127.0.0.1, driven by headless
Chromium through demo data → matching → CSV download. Saves a screenshot of the matches page
under ``test-artifacts/``."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pandas as pd
import pytest

from tests.e2e import ARTIFACTS, chromium, needs_chromium, served_app

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    """The app on an empty workspace."""
    with served_app(tmp_path_factory.mktemp("data")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def test_demo_matching_to_csv_download(app_url, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as condition
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{app_url}/matching")
    wait = WebDriverWait(browser, 60)
    rank = wait.until(
        condition.element_to_be_clickable(
            (By.XPATH, "//button[.//p[normalize-space()='Rank offers']]")
        )
    )
    rank.click()
    download = WebDriverWait(browser, 600).until(
        condition.element_to_be_clickable(
            (By.CSS_SELECTOR, "[data-testid='stDownloadButton'] button")
        )
    )
    wait.until(
        condition.presence_of_element_located((By.CSS_SELECTOR, "[data-testid='stDataFrame']"))
    )
    time.sleep(1)  # let the data grid paint before the screenshot
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "matches.png"))

    download.click()
    target = browser.download_dir / "matches.csv"
    WebDriverWait(browser, 30).until(lambda _: target.is_file() and target.stat().st_size > 0)
    frame = pd.read_csv(target)
    assert len(frame) == 40
    assert frame["offer_id"].is_unique
    assert frame["rank"].tolist() == list(range(1, 41))
    assert {"final_score", "lexical_score", "bi_score", "title", "company"} <= set(frame.columns)
    assert frame["final_score"].is_monotonic_decreasing
