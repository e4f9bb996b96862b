"""The crawl: search pages → offer pages → the database, one offer at a time.

A :class:`PageLoader` loads pages politely (a minimum interval between requests, waits on
conditions rather than fixed sleeps, retries with exponential backoff on timeouts and server
errors) and recognises pages that are not the one asked for (captcha, block, server error).
:func:`scrape` follows the result pages of a search and stores each offer as soon as it is
read, skipping offers already stored: an interrupted search, run again, resumes where it
stopped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from jobmatch.errors import JobmatchError
from jobmatch.offers import Offer
from jobmatch.scraping.browser import open_browser
from jobmatch.scraping.hellowork import (
    BASE_URL,
    BLOCKED,
    CAPTCHA,
    CARD_SELECTOR,
    CONSENT_BUTTONS,
    NETWORK_ERROR,
    NOT_FOUND,
    OFFER_SELECTOR,
    RATE_LIMITED,
    OfferPageError,
    SearchQuery,
    offer_id,
    page_problem,
    parse_offer_page,
    parse_search_page,
    search_url,
)
from jobmatch.storage import Database

#: ``progress(done, total, message)``: offers covered so far, offers expected, what happened.
Progress = Callable[[int, int, str], None]

_NET_ERROR = re.compile(r"net::(ERR_[A-Z_]+)")
# The page's state, whether ``arguments[0]`` matches, and its HTTP status (0 when unknown).
_PROBE = """
const navigation = performance.getEntriesByType('navigation')[0];
return [
    document.readyState,
    document.querySelector(arguments[0]) !== null,
    (navigation && navigation.responseStatus) || 0,
];
"""


class ScrapeError(JobmatchError, RuntimeError):
    """The site cannot be scraped right now; the message says why and what to do."""


class CaptchaError(ScrapeError):
    """The site shows a captcha (bot check) instead of the page."""


class BlockedError(ScrapeError):
    """The site refuses our requests (access denied, bot challenge, too many requests)."""


class MarkupChangedError(ScrapeError):
    """The results page has no job card: the site's markup has probably changed."""


class SiteUnavailableError(ScrapeError):
    """A page still times out or shows a server error after every retry."""


class PageNotFoundError(ScrapeError):
    """The page does not exist: HTTP 404 or 410, or the site's "page not found" page."""


@dataclass(frozen=True)
class ScrapeOptions:
    """How pages are loaded.

    Args:
        base_url: Site root; default ``https://www.hellowork.com`` (tests use 127.0.0.1).
        min_interval: Seconds at least between two page loads (rate limit); default 1.5.
        timeout: Seconds a page may take to load, and then to show its content; default 20.
        retries: Further tries after a timeout or a server error; default 3.
        backoff: Seconds before the first retry, doubled at each next one; default 2.
        accept_cookies: Accept the cookie banner; default ``False`` (refuse it).
    """

    base_url: str = BASE_URL
    min_interval: float = 1.5
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 2.0
    accept_cookies: bool = False


class PageLoader:
    """Loads pages in a browser, politely, and returns their HTML.

    Args:
        driver: A Selenium WebDriver (see :func:`jobmatch.scraping.browser.open_browser`).
        options: Pacing, timeouts, retries and the cookie choice; default ``ScrapeOptions()``.
    """

    def __init__(self, driver: WebDriver, options: ScrapeOptions | None = None) -> None:
        self.driver = driver
        self.options = options or ScrapeOptions()
        self._last_request = float("-inf")
        self._consent_given = False
        driver.set_page_load_timeout(self.options.timeout)

    def load(self, url: str, selector: str) -> str:
        """Load ``url`` and wait until an element matches ``selector``.

        Timeouts, server errors, "too many requests" and network errors are retried, after
        ``backoff`` seconds, then twice that, and so on. A page recognised as one of these, or
        as "not found", is answered as soon as it has loaded, without waiting the timeout.

        Returns:
            The page's HTML; without a match after ``timeout`` seconds, the page as it is
            (the caller decides what a page without the expected content means).

        Raises:
            CaptchaError: The site shows a captcha.
            BlockedError: The site refuses access, or keeps answering "too many requests".
            PageNotFoundError: The page does not exist (not retried).
            SiteUnavailableError: Timeouts, server or network errors on every try.
        """
        reason, problem = "", None
        for attempt in range(self.options.retries + 1):
            if attempt:
                time.sleep(self.options.backoff * 2 ** (attempt - 1))
            self._wait_turn()
            try:
                self.driver.get(url)
            except TimeoutException:
                reason = f"no answer within {self.options.timeout:g} s"
                continue
            except WebDriverException as exc:
                error = _NET_ERROR.search(exc.msg or "")
                if error is None:
                    raise
                reason = f"{NETWORK_ERROR}: {error.group(1)}"
                continue
            self._answer_cookie_banner()
            html, found, status = self._wait_for(selector)
            if found:
                return html
            problem = page_problem(html, status)
            if problem is None:
                return html
            if problem == CAPTCHA:
                raise CaptchaError(
                    f"The site shows a captcha (bot check) at {url}: the scraper does not solve "
                    "captchas. Wait an hour or so, or import offers instead (file or paste)."
                )
            if problem == BLOCKED:
                raise BlockedError(
                    f"The site refuses our requests at {url} (access denied or bot challenge). "
                    "Wait before trying again, with a longer interval between requests, or "
                    "import offers instead (file or paste)."
                )
            if problem == NOT_FOUND:
                answer = f"HTTP {status}" if status >= 400 else "a 'page not found' page"
                raise PageNotFoundError(
                    f"{url} does not exist ({answer}): the offer was probably taken down."
                )
            reason = problem
        tries = self.options.retries + 1
        if problem == RATE_LIMITED:
            raise BlockedError(
                f"The site still answers 'too many requests' at {url} after {tries} tries: "
                "wait a while, then try again with a longer interval between requests."
            )
        raise SiteUnavailableError(
            f"{url} failed {tries} times ({reason}): the site is down or out of reach; check "
            "the connection and try again later."
        )

    def _wait_turn(self) -> None:
        """Keep at least ``min_interval`` seconds between two requests."""
        delay = self._last_request + self.options.min_interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._last_request = time.monotonic()

    def _wait_for(self, selector: str) -> tuple[str, bool, int]:
        """Wait for ``selector`` or, once the page is complete, for a recognised problem.

        Returns:
            The page's HTML, whether ``selector`` matched, and its HTTP status (0: unknown).
        """
        found, status = False, 0

        def ready(driver: WebDriver) -> bool:
            nonlocal found, status
            state, found, status = driver.execute_script(_PROBE, selector)
            if found or state != "complete":
                return found
            return page_problem(driver.page_source, status) is not None

        with suppress(TimeoutException):
            WebDriverWait(self.driver, self.options.timeout, poll_frequency=0.1).until(ready)
        return self.driver.page_source, found, status

    def _answer_cookie_banner(self) -> None:
        """Click the banner's accept or refuse button (by id) until one has been clicked."""
        if self._consent_given:
            return
        for accept, refuse in CONSENT_BUTTONS:
            buttons = self.driver.find_elements(
                By.ID, accept if self.options.accept_cookies else refuse
            )
            if buttons and buttons[0].is_displayed():
                self.driver.execute_script("arguments[0].click();", buttons[0])
                # If the banner stays up, the page behind it can still be read.
                with suppress(TimeoutException):
                    WebDriverWait(self.driver, min(self.options.timeout, 5.0)).until(
                        expected_conditions.invisibility_of_element(buttons[0])
                    )
                self._consent_given = True
                return


@dataclass
class ScrapeReport:
    """What a scrape did.

    Args:
        run_id: The run recorded in the database.
        stored: Offers read and stored by this run.
        known: Offers of the search already in the database (not fetched again).
        failed: One message per offer page that could not be read.
        pages: Results pages read.
        seconds: Wall time.
    """

    run_id: str
    stored: int = 0
    known: int = 0
    failed: list[str] = field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0

    @property
    def done(self) -> int:
        """Offers of the search now in the database: stored by this run or before."""
        return self.stored + self.known

    def summary(self) -> str:
        """One line for people: counts and time."""
        return (
            f"{self.stored} new offers stored, {self.known} already stored, "
            f"{len(self.failed)} failed, from {self.pages} results pages in {self.seconds:.1f} s"
        )


@contextmanager
def _browser(driver: WebDriver | None, options: ScrapeOptions) -> Iterator[WebDriver]:
    if driver is not None:
        yield driver
    else:
        with open_browser(options.timeout) as started:
            yield started


def _crawl(
    loader: PageLoader,
    query: SearchQuery,
    database: Database,
    report: ScrapeReport,
    progress: Progress,
) -> None:
    seen: set[str] = set()
    total, page = query.max_offers, 1
    while True:
        url = search_url(query, page, loader.options.base_url)
        results = parse_search_page(loader.load(url, CARD_SELECTOR), url)
        report.pages += 1
        if not results.cards:
            if page == 1 and results.total != 0:
                raise MarkupChangedError(
                    f"No job card ({CARD_SELECTOR}) on {url}: the site's page layout has "
                    "probably changed, and the scraper needs an update."
                )
            return
        if results.total is not None:
            total = min(query.max_offers, results.total)
        fresh = list({card.id: card for card in results.cards if card.id not in seen}.values())
        if not fresh:  # the pagination goes round in circles: stop rather than loop
            progress(report.done, total, f"Results page {page}: no new offer, stopping")
            return
        seen.update(card.id for card in fresh)
        known = {offer.id for offer in database.get_offers([card.id for card in fresh])}
        progress(report.done, total, f"Results page {page}: {len(results.cards)} offers")
        for card in fresh:
            if report.done >= query.max_offers:
                return
            if card.id in known:
                report.known += 1
                progress(report.done, total, f"Already stored: {card.title}")
                continue
            try:
                offer = parse_offer_page(loader.load(card.url, OFFER_SELECTOR), card.url, card)
            except (OfferPageError, PageNotFoundError, SiteUnavailableError) as exc:
                report.failed.append(str(exc))
                progress(report.done, total, f"Skipped: {card.title}")
                continue
            database.upsert_offers([offer], source="hellowork")
            report.stored += 1
            progress(report.done, total, f"Stored: {offer.title} — {offer.company}")
        if report.done >= query.max_offers or results.next_page is None:
            return
        if results.next_page <= page:
            return
        page = results.next_page


def scrape(
    query: SearchQuery,
    database: Database,
    options: ScrapeOptions | None = None,
    progress: Progress | None = None,
    driver: WebDriver | None = None,
) -> ScrapeReport:
    """Search the site and store up to ``query.max_offers`` offers, each as soon as it is read.

    Offers already in the database are not fetched again but count towards the maximum, so
    running an interrupted search again resumes it. The run is recorded (kind ``"scrape"``)
    with status ``done``, ``failed`` (an error) or ``interrupted`` (e.g. Ctrl+C).

    The search ends on the last results page, or on a page that brings no offer not seen
    already in this run. Offer pages that cannot be read (no offer, page not found, still
    failing after retries) are skipped, each with its reason in ``report.failed``.

    Args:
        query: What to search.
        database: Where offers go (source ``"hellowork"``).
        options: Site URL, pacing, timeouts, retries, cookies; default ``ScrapeOptions()``.
        progress: Called after each page and offer; default none.
        driver: A browser to use (left open); default ``None``: a headless Chromium is
            started and quit at the end.

    Raises:
        ScrapeError: Captcha, block, no card on the first page, or the site is down.
        BrowserError: Chromium is missing or does not start.
    """
    options = options or ScrapeOptions()
    notify = progress or (lambda done, total, message: None)
    report = ScrapeReport(
        run_id=database.start_run("scrape", {**asdict(query), "base_url": options.base_url})
    )
    started = time.monotonic()
    status, error = "done", ""
    try:
        with _browser(driver, options) as browser:
            _crawl(PageLoader(browser, options), query, database, report, notify)
    except BaseException as exc:
        status = "failed" if isinstance(exc, Exception) else "interrupted"
        error = str(exc) or type(exc).__name__
        raise
    finally:
        report.seconds = time.monotonic() - started
        if report.failed and not error:
            error = f"{len(report.failed)} offer pages could not be read"
        database.finish_run(report.run_id, status, error)
    notify(report.done, report.done, report.summary())
    return report


def fetch_offer(
    url: str, options: ScrapeOptions | None = None, driver: WebDriver | None = None
) -> Offer:
    """Read one offer page in the browser: a HelloWork offer, or any page with a JSON-LD
    ``JobPosting``.

    Args:
        url: The offer's address.
        options: Timeouts, retries, cookies; default ``ScrapeOptions()``.
        driver: A browser to use; default ``None`` (one is started and quit).

    Returns:
        The offer, with ``extra["source"]`` ``"hellowork"`` for HelloWork offer URLs, else the
        site's host name.

    Raises:
        OfferPageError: The page holds no job offer.
        ScrapeError: Captcha, block, the page does not exist (:class:`PageNotFoundError`) or
            keeps failing.
    """
    options = options or ScrapeOptions()
    with _browser(driver, options) as browser:
        html = PageLoader(browser, options).load(url, OFFER_SELECTOR)
    source = "hellowork" if offer_id(url) else (urlsplit(url).hostname or "")
    return parse_offer_page(html, url, source=source)
