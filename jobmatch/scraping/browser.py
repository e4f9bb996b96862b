"""Headless Chromium driven by Selenium, started from the system's Chromium and chromedriver.

Selenium Manager is never used (it would download a browser): the driver and the browser are
the ones installed on the machine (Debian: ``apt install chromium chromium-driver``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

from jobmatch.errors import JobmatchError

#: Command-line flags of every Chromium we start: headless, quiet (no update, sync or
#: background traffic), and fit for containers (no sandbox, no /dev/shm).
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-sync",
    "--lang=fr-FR",
    "--window-size=1366,900",
)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DRIVER_NAMES = ("chromedriver",)


class BrowserError(JobmatchError, RuntimeError):
    """Chromium or its driver is missing or does not start."""


def find_chromium() -> tuple[str, str]:
    """Paths of the Chromium browser and of its chromedriver, found on ``PATH``.

    Raises:
        BrowserError: One of them is not installed.
    """
    browser = next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    driver = next((path for name in DRIVER_NAMES if (path := shutil.which(name))), None)
    if browser is None or driver is None:
        missing = " and ".join(
            name for name, path in (("Chromium", browser), ("chromedriver", driver)) if not path
        )
        raise BrowserError(
            f"{missing} not found: scraping needs them (Debian/Ubuntu: "
            "sudo apt install chromium chromium-driver)."
        )
    return browser, driver


@contextmanager
def open_browser(page_load_timeout: float = 30.0) -> Iterator[WebDriver]:
    """A fresh headless Chromium (its own temporary profile), quit and removed on exit.

    Pages are considered loaded once their HTML is parsed (``eager``): callers wait for the
    content they need. Images are not downloaded.

    Args:
        page_load_timeout: Seconds a page may take to load; default 30.

    Raises:
        BrowserError: Chromium or chromedriver is missing or fails to start.
    """
    browser, driver_path = find_chromium()
    profile = tempfile.mkdtemp(prefix="jobmatch-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.page_load_strategy = "eager"
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.images": 2})
    try:
        try:
            driver = webdriver.Chrome(service=Service(driver_path), options=options)
        except WebDriverException as exc:
            raise BrowserError(f"Chromium did not start: {exc.msg or exc}") from exc
        try:
            driver.set_page_load_timeout(page_load_timeout)
            yield driver
        finally:
            driver.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
