"""The README's screenshots, in French, from the real app on the demo data.

Usage: ``PYTHONPATH=. .venv/bin/python scripts/screenshots.py`` (needs Chromium, like the
browser tests). Writes ``docs/screenshot-matching.png`` and ``docs/screenshot-explanations.png``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from jobmatch.config import PROJECT_ROOT
from tests.e2e import chromium, served_app
from ui import NO_LLM

DOCS = PROJECT_ROOT / "docs"


def click(driver, text: str) -> None:
    """Click the button showing ``text`` and give the page time to run."""
    driver.find_element("xpath", f"//button[.//p[normalize-space()='{text}']]").click()


def wait_for(driver, text: str, seconds: float = 600) -> None:
    """Wait until an element's own text holds ``text``."""
    deadline = time.monotonic() + seconds
    while not driver.find_elements("xpath", f'//*[text()[contains(., "{text}")]]'):
        if time.monotonic() > deadline:
            raise TimeoutError(text)
        time.sleep(1)
    time.sleep(2)  # let tables and charts paint


def show(driver, xpath: str) -> None:
    """Scroll the page so that the first element at ``xpath`` is at the top."""
    element = driver.find_element("xpath", xpath)
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", element)
    time.sleep(1)


def main() -> None:
    environment = {"JOBMATCH_LANGUAGE": "fr", "JOBMATCH_LLM": NO_LLM}
    with served_app(Path(tempfile.mkdtemp()), **environment) as url, chromium() as driver:
        driver.get(f"{url}/matching")
        wait_for(driver, "Classer les offres", 60)
        click(driver, "Classer les offres")
        wait_for(driver, "Télécharger")
        show(
            driver,
            "//*[@data-testid='stDataFrame']/preceding::*[@data-testid='stCaptionContainer'][1]",
        )
        driver.save_screenshot(str(DOCS / "screenshot-matching.png"))
        driver.get(f"{url}/explanations")
        wait_for(driver, "Expliquer les meilleures offres", 60)
        click(driver, "Expliquer les meilleures offres")
        wait_for(driver, "Télécharger les explications")
        show(driver, "(//h3)[1]")
        driver.save_screenshot(str(DOCS / "screenshot-explanations.png"))


if __name__ == "__main__":
    main()
