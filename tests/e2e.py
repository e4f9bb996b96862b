"""Running the real app for browser tests: ``streamlit run Home.py`` on 127.0.0.1 and a
headless Debian Chromium (``apt-get install chromium chromium-driver``)."""

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
from contextlib import contextmanager
from pathlib import Path

import pytest

from jobmatch.config import PROJECT_ROOT

CHROMEDRIVER = shutil.which("chromedriver")
#: Mark for test modules that need Chromium.
needs_chromium = pytest.mark.skipif(
    CHROMEDRIVER is None, reason="chromedriver not installed (apt-get install chromium-driver)"
)
#: Screenshots saved by browser tests (kept by CI as artifacts).
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served_app(data_dir: Path, **environment: str) -> Iterator[str]:
    """The app served by ``streamlit run`` on the workspace ``data_dir``; yields its URL."""
    port = free_port()
    env = {**os.environ, "JOBMATCH_DATA_DIR": str(data_dir), **environment}
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


@contextmanager
def chromium() -> Iterator:
    """Headless Chromium with downloads going to ``driver.download_dir`` (a temporary folder)."""
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
