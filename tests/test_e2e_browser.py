"""End to end in a real browser: ``streamlit run Home.py`` on 127.0.0.1, driven by headless
Chromium through demo data → matching → CSV download. Saves a screenshot of the matches page
under ``test-artifacts/``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from jobmatch.config import PROJECT_ROOT

CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMEDRIVER is None, reason="chromedriver not installed (apt-get install chromium-driver)"
)
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    """The app served by ``streamlit run`` on an empty workspace."""
    port = free_port()
    env = {**os.environ, "JOBMATCH_DATA_DIR": str(tmp_path_factory.mktemp("data"))}
    env.pop("JOBMATCH_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "Home.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium with downloads going to a temporary folder."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="jobmatch-chromium-")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1400,1100", f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.download_dir = Path(tempfile.mkdtemp(prefix="jobmatch-downloads-"))
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior",
        {"behavior": "allow", "downloadPath": str(driver.download_dir)},
    )
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


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
