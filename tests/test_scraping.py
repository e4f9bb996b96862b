"""The HelloWork scraper: parsers on saved pages, and the real scraper driving headless Chromium.

A local HTTP server on 127.0.0.1 serves pages we wrote in ``tests/fixtures/hellowork``
(modelled on HelloWork's 2026 markup, fictional text) and simulates what the real site does:
pagination (as today, and redrawn), results rendered late by a script, pages that loop, a slow
offer page, a server error then success, offers that no longer exist, a page without cards, a
captcha, a block, the cookie banners. Where
``../shared/data`` is present it also serves the real pages saved there, as they are.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from streamlit.testing.v1 import AppTest

from jobmatch.cli import main
from jobmatch.config import PROJECT_ROOT, Settings
from jobmatch.imports import offer_from_paste
from jobmatch.offers import Offer
from jobmatch.scraping.browser import BrowserError, find_chromium, open_browser
from jobmatch.scraping.hellowork import (
    BLOCKED,
    CAPTCHA,
    CARD_SELECTOR,
    NETWORK_ERROR,
    NOT_FOUND,
    RATE_LIMITED,
    SEARCH_PATH,
    SERVER_ERROR,
    SearchQuery,
    SearchQueryError,
    offer_id,
    page_problem,
    parse_card_label,
    parse_offer_page,
    parse_search_page,
    search_url,
)
from jobmatch.scraping.markup import html_to_text
from jobmatch.scraping.scraper import (
    BlockedError,
    CaptchaError,
    MarkupChangedError,
    PageLoader,
    PageNotFoundError,
    ScrapeOptions,
    ScrapeReport,
    SiteUnavailableError,
    fetch_offer,
    scrape,
)
from jobmatch.storage import Database, RunRecord

FIXTURES = Path(__file__).parent / "fixtures" / "hellowork"
REAL_SEARCH = Path("hellowork_html_vivrinail") / "dom_snapshot.html"
REAL_OFFERS = {
    "83844515": Path("hellowork_html_detail_trimmed") / "aplaii_hellowork_detail_83844515.html",
    "83763446": Path("hellowork_html_detail_trimmed") / "komelf_hellowork_detail_83763446.html",
}
#: Search keywords → (fixture, HTTP status) of the pages the local site answers with.
SEARCHES = {
    "vide": ("search_no_cards.html", 200),
    "captcha": ("captcha.html", 403),
    "bloque": ("blocked.html", 403),
    "panne": ("server_error.html", 500),
}
SLOW_OFFER, SLOW_SECONDS = "90000005", 1.2
FLAKY_OFFER = "90000006"  # a server error the first time, then the page
SCRAPED_IDS = [f"900000{n:02d}" for n in range(1, 11)]  # 11 cards on 3 pages, one repeated
EMPTY_404_OFFER = "90000404"  # a 404 with an empty body: Chromium shows its own error page
LOOP_SEARCH, LOOP_FIXTURE = "boucle", "search_boucle.html"  # NEXT_PAGE → the page after
LOOP_PAGES = 6  # where the local site ends the loop, so that a regression fails, not hangs


# --- The local site ---------------------------------------------------------------------------


@dataclass
class Site:
    """The local site's address and what it saw."""

    base_url: str
    shared: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[tuple[float, str]] = field(default_factory=list)
    consents: list[str] = field(default_factory=list)
    failed_once: set[str] = field(default_factory=set)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.consents.clear()
            self.failed_once.clear()

    def paths(self) -> list[str]:
        with self.lock:
            return [path for _, path in self.requests]

    def search_times(self) -> list[float]:
        """When each results page was asked for."""
        with self.lock:
            return [moment for moment, path in self.requests if path.startswith(SEARCH_PATH)]

    def offer_requests(self) -> list[str]:
        return [offer_id(path) for path in self.paths() if offer_id(path)]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, body: bytes, status: int = 200, kind: str = "text/html; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _file(self, path: Path, status: int = 200) -> None:
        if path.is_file():
            self._send(path.read_bytes(), status)
        else:
            self._send(b"<html><title>404 Not Found</title><h1>Page introuvable</h1></html>", 404)

    def do_GET(self) -> None:
        site = self.server.site
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        with site.lock:
            site.requests.append((time.monotonic(), self.path))
        if url.path == "/consent":
            with site.lock:
                site.consents.append(f"{query['cmp']}:{query['choice']}")
            self._send(b"", 204)
        elif url.path == SEARCH_PATH:
            keywords = query.get("k", "")
            if keywords == "reel":
                self._file(site.shared / REAL_SEARCH)
            elif keywords in SEARCHES:
                name, status = SEARCHES[keywords]
                self._file(FIXTURES / name, status)
            elif keywords == LOOP_SEARCH:
                following = str(min(int(query.get("p", "1")) + 1, LOOP_PAGES)).encode()
                self._send((FIXTURES / LOOP_FIXTURE).read_bytes().replace(b"NEXT_PAGE", following))
            else:
                self._file(FIXTURES / f"search_{keywords}_p{query.get('p', '1')}.html")
        elif identifier := offer_id(url.path):
            if identifier == SLOW_OFFER:
                time.sleep(SLOW_SECONDS)
            with site.lock:
                fail = identifier == FLAKY_OFFER and identifier not in site.failed_once
                site.failed_once.add(identifier)
            if fail:
                self._file(FIXTURES / "server_error.html", 500)
            elif identifier == EMPTY_404_OFFER:
                self._send(b"", 404)
            elif identifier in REAL_OFFERS:
                self._file(site.shared / REAL_OFFERS[identifier])
            else:
                self._file(FIXTURES / f"offer_{identifier}.html")
        else:
            self._file(FIXTURES / "missing")


class _Server(ThreadingHTTPServer):
    site: Site


@pytest.fixture(scope="session")
def local_site() -> Iterator[Site]:
    """The local HelloWork look-alike, for the whole session."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = Site(f"http://127.0.0.1:{server.server_port}", Settings().shared_data_dir)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.site
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[WebDriver]:
    """One headless Chromium for the session's browser tests; nothing leaves the machine."""
    with ExitStack() as stack:
        try:
            driver = stack.enter_context(open_browser(page_load_timeout=10))
        except BrowserError as exc:
            pytest.skip(f"browser tests need Chromium and chromedriver: {exc}")
        # The saved real page links to trackers and fonts on the web: block every https URL
        # and HelloWork's protocol-relative tracker (the local site is plain http).
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.setBlockedURLs", {"urls": ["https://*", "http://t.hellowork.com/*"]}
        )
        yield driver


@pytest.fixture
def site(local_site: Site, chromium: WebDriver) -> Site:
    """The local site with an empty log, and a browser without cookies (no consent given)."""
    local_site.reset()
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return local_site


@pytest.fixture
def options(local_site: Site) -> ScrapeOptions:
    """Fast settings for the local site: no pause between requests, short timeouts."""
    return ScrapeOptions(
        base_url=local_site.base_url, min_interval=0.0, timeout=4.0, retries=2, backoff=0.05
    )


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with Database(f"sqlite:///{tmp_path / 'jobmatch.sqlite3'}") as db:
        yield db


def fixture_page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# --- URLs and parsers, without a browser ------------------------------------------------------


def test_search_url_uses_the_sites_parameters():
    query = SearchQuery("data engineer", "Lyon", ("CDI", "intérim", "Stage"), "week", 20)
    assert search_url(query, 1, "http://127.0.0.1:1/") == (
        "http://127.0.0.1:1/fr-fr/emploi/recherche.html"
        "?k=data+engineer&l=Lyon&c=CDI&c=Travail_temp&c=Stage&d=w"
    )
    assert search_url(query, 3).startswith("https://www.hellowork.com/fr-fr/emploi/recherche")
    assert search_url(query, 3).endswith("&d=w&p=3")
    assert query.contracts == ("CDI", "Travail_temp", "Stage")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keywords": "data", "contracts": ("CDII",)}, "Unknown contract type 'CDII'"),
        ({"keywords": "data", "since": "year"}, "Unknown publication date 'year'"),
        ({"keywords": " ", "location": ""}, "Give keywords or a location"),
        ({"keywords": "data", "max_offers": 0}, "at least 1"),
    ],
)
def test_search_query_rejects_what_the_site_does_not_know(kwargs, message):
    with pytest.raises(SearchQueryError, match=message):
        SearchQuery(**kwargs)


def test_card_label_gives_title_place_company_contract_and_salary():
    label = (
        "Voir offre de Chef de rang à la carte H/F à Lyon - 69, chez Le Bouchon, pour un CDD, "
        "avec un salaire de 1 900 - 2 100 € / mois, en temps plein, 6 mois"
    )
    expected = {
        "title": "Chef de rang à la carte H/F",
        "place": "Lyon - 69",
        "company": "Le Bouchon",
        "contract": "CDD",
        "salary": "1 900 - 2 100 € / mois",
    }
    assert parse_card_label(label) == expected
    assert parse_card_label(label, "Chef de rang à la carte H/F") == expected
    no_place = parse_card_label("Voir offre de Data Scientist H/F, chez Quartz, pour un Stage")
    assert no_place == {
        "title": "Data Scientist H/F",
        "place": "",
        "company": "Quartz",
        "contract": "Stage",
        "salary": "",
    }
    assert set(parse_card_label("Postuler").values()) == {""}


def test_search_page_fixture_cards_pagination_and_count():
    page = parse_search_page(fixture_page("search_data_p1.html"), "http://127.0.0.1:1/x")
    assert [card.id for card in page.cards] == SCRAPED_IDS[:4]
    assert page.next_page == 2
    assert page.total == 11
    first, badge, missing, a_in_title = page.cards
    assert first.url == "http://127.0.0.1:1/fr-fr/emplois/90000001.html"
    assert (first.title, first.company, first.location, first.contract, first.salary) == (
        "Data Analyst H/F",
        "Lumen Analytics",
        "Lyon 3e - 69",
        "CDI",
        "38 000 - 45 000 € / an",
    )
    assert badge.location == "Villeurbanne - 69"  # not the "Super recruteur" badge
    assert (missing.location, missing.salary, missing.company) == ("", "", "Institut Quartz")
    assert (a_in_title.title, a_in_title.location) == (
        "Chef de projet data à impact H/F",
        "Lyon - 69",
    )
    last = parse_search_page(fixture_page("search_data_p3.html"))
    assert last.next_page is None


def _pagination(nav: str) -> str:
    """A results page with one card and this pagination."""
    card = (
        '<div data-cy="serpCard"><a data-cy="offerTitle" href="/fr-fr/emplois/1.html" '
        'aria-label="Voir offre de X, chez Y">X</a></div>'
    )
    return f"<html><body>{card}<nav>{nav}</nav></body></html>"


BUTTON = '<button name="p" value="{0}">{0}</button>'
ARROW = '<button name="p" value="{0}"{1}><svg><use href="/i.svg#right"></use></svg></button>'
PAGE_URL = "http://127.0.0.1:1/r?k=x"


@pytest.mark.parametrize(
    ("nav", "page_url", "expected"),
    [
        # Today's arrow wins, enabled or not.
        (BUTTON.format(1) + ARROW.format(2, ""), PAGE_URL, 2),
        (ARROW.format(3, ' aria-disabled="true"') + BUTTON.format(4), PAGE_URL, None),
        # The arrow redrawn: HelloWork's buttons, the current one disabled.
        (
            '<button name="p" value="1">1</button><button name="p" value="2" disabled>2</button>'
            '<button name="p" value="3">3</button><button name="p" value="3">'
            '<svg data-src="/svg/arrow-right.svg"></svg></button>',
            PAGE_URL,
            3,
        ),
        # Links with ?p=N or ?page=N, the current one marked with aria-current.
        (
            '<a href="?k=x&p=1">1</a><a href="?k=x&p=2" aria-current="page">2</a>'
            '<a href="?k=x&p=3">3</a>',
            PAGE_URL,
            3,
        ),
        ('<a href="/r?page=4" aria-current="page">4</a><a href="/r?page=5">5</a>', PAGE_URL, 5),
        # Buttons showing a number; the last page has no next one.
        ('<button>1</button><button aria-current="true">2</button>', PAGE_URL, None),
        ('<button>1</button><button aria-current="false">2</button>', PAGE_URL, 2),
        # Nothing marks the current page: the page URL says which it is.
        ('<a href="?p=1">1</a><a href="?p=2">2</a><a href="?p=3">3</a>', f"{PAGE_URL}&p=2", 3),
        ('<a href="?p=1">1</a><a href="?p=2">2</a>', f"{PAGE_URL}&p=2", None),
        # A disabled next page, links to other things, no pagination at all.
        ('<button aria-current="page">1</button><button disabled>2</button>', PAGE_URL, None),
        ('<a href="/emplois/2.html">2</a><button type="button">Filtres</button>', PAGE_URL, None),
        ("", PAGE_URL, None),
    ],
)
def test_next_page_from_the_arrow_or_else_the_numbered_pages(nav, page_url, expected):
    assert parse_search_page(_pagination(nav), page_url).next_page == expected


def test_redrawn_arrows_fixture_pages_follow_the_numbered_pages():
    url = "http://127.0.0.1:1/fr-fr/emploi/recherche.html?k=derive"
    pages = [
        parse_search_page(fixture_page(f"search_derive_p{n}.html"), f"{url}&p={n}")
        for n in (1, 2, 3)
    ]
    assert [page.next_page for page in pages] == [2, 3, None]
    assert [[card.id for card in page.cards] for page in pages] == [
        ["90000001", "90000002"],
        ["90000003"],
        ["90000004", "90000003"],
    ]


def test_real_search_page_without_its_arrows_still_finds_page_2(shared_data):
    html = (shared_data / REAL_SEARCH).read_text(encoding="utf-8")
    redrawn = html.replace('<use href="/svg/icons/arrow.svg#right"></use>', "")
    assert redrawn != html
    url = "https://www.hellowork.com/fr-fr/emploi/recherche.html?k=x"
    assert parse_search_page(redrawn, url).next_page == 2
    assert parse_search_page(redrawn, f"{url}&p=3").next_page == 2  # the page marks page 1


def test_real_search_page_cards(shared_data):
    html = (shared_data / REAL_SEARCH).read_text(encoding="utf-8")
    page = parse_search_page(html, "https://www.hellowork.com/fr-fr/emploi/recherche.html")
    assert len(page.cards) == 30
    assert (page.next_page, page.total) == (2, 3618)
    assert len({card.id for card in page.cards}) == 30
    for card in page.cards:
        assert card.id.isdigit()
        assert card.url == f"https://www.hellowork.com/fr-fr/emplois/{card.id}.html"
        assert card.title and card.company and card.location and card.contract
        assert card.location != "Super recruteur"
    first = page.cards[0]
    assert (first.title, first.company, first.location, first.contract, first.salary) == (
        "Alternance - Achats Informatique H/F",
        "Vinci SA",
        "Nanterre - 92",
        "Alternance",
        "492,22 - 1 823,03 € / mois",
    )
    # A title with "À" and a place with " - " in it.
    tssr = next(card for card in page.cards if card.id == "77293107")
    assert (tssr.title, tssr.location) == (
        "Alternance - Support Informatique- Tssr À Rennes H/F",
        "Rennes - Paris",
    )


def test_json_ld_on_the_real_trimmed_offer_pages(shared_data):
    apef = parse_offer_page((shared_data / REAL_OFFERS["83844515"]).read_text(encoding="utf-8"))
    assert (apef.id, apef.title, apef.company, apef.location) == (
        "83844515",
        "Stage Ressources Humaines H/F",
        "APEF",
        "Montpellier",
    )
    assert apef.url == "https://www.hellowork.com/fr-fr/emplois/83844515.html"
    assert apef.extra == {
        "contract": "Stage",
        "published_at": "2026-09-28T12:36:23Z",
        "salary": "",  # the page gives a currency but no amount
        "source": "hellowork",
    }
    assert apef.description.startswith("Les missions du poste\n\n")
    assert "\n- Sélection des candidatures\n" in apef.description
    assert "\n\nLe profil recherché\n\n" in apef.description
    assert "<" not in apef.description and "&#" not in apef.description

    uimm = parse_offer_page((shared_data / REAL_OFFERS["83763446"]).read_text(encoding="utf-8"))
    assert (uimm.id, uimm.title, uimm.company, uimm.location) == (
        "83763446",
        "Formateur·trice Informatique & Cybersécurité - Esna H/F",
        "PÔLE FORMATION BRETAGNE UIMM",
        "Bruz",
    )
    assert uimm.extra["published_at"] == "2026-09-25T11:40:22Z"
    assert uimm.extra["contract"] == ""  # FULL_TIME says the hours, not the contract
    assert "- Kubernetes," in uimm.description.splitlines()


def test_offer_page_without_json_ld_falls_back_to_visible_sections():
    offer = parse_offer_page(fixture_page("offer_90000004.html"))
    assert (offer.id, offer.title, offer.company, offer.location) == (
        "90000004",
        "Chef de projet data à impact H/F",
        "Coopérative Solis",
        "",  # the page does not say; a card would
    )
    assert offer.description.splitlines() == [
        "Les missions du poste",
        "",
        "La coopérative finance des centrales solaires avec les habitant·es.",
        "",
        "- Piloter la collecte des données d'impact des projets solaires citoyens.",
        "- Animer un réseau de bénévoles.",
        "",
        "Le profil recherché",
        "",
        "- Trois ans d'expérience en gestion de projet.",
        "- Aisance avec les tableurs.",
    ]
    assert offer.extra["published_at"] == ""


def test_json_ld_salary_is_formatted_for_people():
    salaries = {
        name: parse_offer_page(fixture_page(f"offer_{name}.html")).extra["salary"]
        for name in ("90000001", "90000005", "90000007", "90000009")
    }
    assert salaries == {
        "90000001": "38 000 - 45 000 € / an",
        "90000005": "42 000 € / an",
        "90000007": "13,50 € / heure",
        "90000009": "450 € / jour",
    }


def test_html_to_text_keeps_paragraphs_and_lists_and_drops_scripts():
    html = (
        "<h2>Titre</h2><p>Un  <b>texte</b>\n sur deux lignes.<br>Suite</p>"
        "<ul><li>un</li><li><p>deux</p></li></ul><script>alert(1)</script><style>p{}</style>"
        "<p>&lt;img src=x onerror=alert(1)&gt; reste du texte</p>"
    )
    assert html_to_text(html) == (
        "Titre\n\nUn texte sur deux lignes.\nSuite\n\n- un\n- deux\n\n"
        "<img src=x onerror=alert(1)> reste du texte"
    )


def test_page_problem_recognises_captcha_block_and_server_error():
    assert page_problem(fixture_page("captcha.html")) == CAPTCHA
    assert page_problem(fixture_page("blocked.html")) == BLOCKED
    assert page_problem(fixture_page("server_error.html")) == SERVER_ERROR
    assert page_problem(fixture_page("search_no_cards.html")) is None
    assert page_problem(fixture_page("offer_90000001.html")) is None
    assert page_problem(fixture_page("offer_90000200.html")) == NOT_FOUND


CHROMIUM_404 = (  # what Chromium shows for an HTTP error with an empty body
    '<html><head><title>127.0.0.1</title></head><body class="neterror">'
    '<div id="main-frame-error">HTTP ERROR 404</div></body></html>'
)


@pytest.mark.parametrize(
    ("html", "status", "expected"),
    [
        ("<title>404 Not Found</title><h1>Not Found</h1>", 0, NOT_FOUND),
        ("<title>Page introuvable | HelloWork</title>", 200, NOT_FOUND),
        ("<title>Fictif</title><h1>Erreur 404</h1>", 200, NOT_FOUND),
        ("<title>Fictif</title><h1>Oups ! Cette page est introuvable</h1>", 0, NOT_FOUND),
        ("<p>Rien ici.</p>", 404, NOT_FOUND),
        ("<p>Rien ici.</p>", 410, NOT_FOUND),
        ("<p>Rien ici.</p>", 429, RATE_LIMITED),
        ("<p>Rien ici.</p>", 503, SERVER_ERROR),
        (CHROMIUM_404, 404, NOT_FOUND),
        (CHROMIUM_404, 0, NETWORK_ERROR),
        ('<div class="g-recaptcha"></div>', 404, CAPTCHA),  # the markup says more
        ("<title>Emploi | Fictif</title><h1>404 offres</h1>", 200, None),
        ("<p>Erreur 404 mentionnée dans le texte d'une offre.</p>", 200, None),
        ("<p>Rien ici.</p>", 403, None),
    ],
)
def test_page_problem_recognises_pages_that_do_not_exist(html, status, expected):
    assert page_problem(html, status) == expected


# --- The scraper in Chromium against the local site -------------------------------------------


@dataclass
class Crawl:
    """One full scrape of the local site, and what the site saw."""

    report: ScrapeReport
    offers: dict[str, Offer]
    paths: list[str]
    offer_requests: list[str]
    consents: list[str]
    progress: list[tuple[int, int, str]]
    run: RunRecord


@pytest.fixture(scope="module")
def crawl(local_site: Site, chromium: WebDriver, tmp_path_factory) -> Crawl:
    """Scrape "data" in Lyon on the local site once; the tests below look at the result."""
    local_site.reset()
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    options = ScrapeOptions(
        base_url=local_site.base_url, min_interval=0.0, timeout=4.0, retries=2, backoff=0.05
    )
    calls: list[tuple[int, int, str]] = []
    url = f"sqlite:///{tmp_path_factory.mktemp('crawl') / 'jobmatch.sqlite3'}"
    with Database(url) as database:
        report = scrape(
            SearchQuery("data", "Lyon", max_offers=50),
            database,
            options=options,
            progress=lambda *call: calls.append(call),
            driver=chromium,
        )
        offers = {offer.id: offer for offer in database.get_offers()}
        run = database.get_run(report.run_id)
    return Crawl(
        report,
        offers,
        local_site.paths(),
        local_site.offer_requests(),
        list(local_site.consents),
        calls,
        run,
    )


def test_scrape_follows_pagination_to_the_last_page(crawl):
    searches = [path for path in crawl.paths if path.startswith(SEARCH_PATH)]
    assert searches == [
        "/fr-fr/emploi/recherche.html?k=data&l=Lyon",
        "/fr-fr/emploi/recherche.html?k=data&l=Lyon&p=2",  # its cards come late, by script
        "/fr-fr/emploi/recherche.html?k=data&l=Lyon&p=3",
    ]
    assert crawl.report.pages == 3
    assert sorted(crawl.offers) == SCRAPED_IDS
    assert (crawl.report.stored, crawl.report.known, crawl.report.failed) == (10, 0, [])
    assert crawl.run.kind == "scrape" and crawl.run.status == "done"
    assert crawl.run.params["keywords"] == "data"


def test_scrape_reads_a_duplicate_once_and_retries_a_server_error(crawl):
    expected = sorted([*SCRAPED_IDS, FLAKY_OFFER])  # the flaky page: a 500, then the page
    assert sorted(crawl.offer_requests) == expected
    assert crawl.offers[FLAKY_OFFER].title == "Data Engineer Senior H/F"
    assert crawl.offers[SLOW_OFFER].title == "Consultant BI H/F"  # answered after 1.2 s


def test_scraped_offers_have_every_field(crawl):
    analyst = crawl.offers["90000001"]
    assert (analyst.title, analyst.company, analyst.location) == (
        "Data Analyst H/F",
        "Lumen Analytics",
        "Lyon",
    )
    assert analyst.url.endswith("/fr-fr/emplois/90000001.html")
    assert analyst.extra == {
        "contract": "CDI",
        "published_at": "2026-09-20T08:15:00Z",
        "salary": "38 000 - 45 000 € / an",
        "source": "hellowork",
    }
    assert "- Fiabiliser les données de ventes avec les équipes produit." in analyst.description
    assert "Le profil recherché\n\n- Maîtrise de SQL" in analyst.description
    for offer in crawl.offers.values():
        assert offer.title and offer.company and offer.url and offer.description
        assert offer.extra["contract"] and offer.extra["source"] == "hellowork"
    contracts = {oid: offer.extra["contract"] for oid, offer in crawl.offers.items()}
    assert contracts["90000002"] == "Stage"
    assert contracts["90000007"] == "Intérim"
    assert contracts["90000009"] == "Freelance"


def test_missing_fields_are_filled_from_the_card_or_left_empty(crawl):
    quartz = crawl.offers["90000003"]  # JSON-LD without company nor place, card without place
    assert (quartz.company, quartz.location) == ("Institut Quartz", "")
    assert quartz.extra["published_at"] == "2026-09-22T09:30:00Z"
    solis = crawl.offers["90000004"]  # no JSON-LD: visible sections, place from the card
    assert (solis.company, solis.location, solis.extra["contract"]) == (
        "Coopérative Solis",
        "Lyon - 69",
        "CDD",
    )
    assert solis.description.startswith("Les missions du poste")
    assert crawl.offers["90000002"].location == "Villeurbanne"


def test_scrape_refuses_the_cookie_banner_once_and_reports_progress(crawl):
    assert crawl.consents == ["hw-cc:refuse"]
    done = [call[0] for call in crawl.progress]
    assert done == sorted(done)
    assert crawl.progress[0] == (0, 11, "Results page 1: 4 offers")  # 11 offres, says page 1
    assert crawl.progress[-1][:2] == (10, 10)
    assert crawl.progress[-1][2].startswith("10 new offers stored, 0 already stored")
    assert any(
        message == "Stored: Data Analyst H/F — Lumen Analytics" for *_, message in crawl.progress
    )


def test_max_offers_stops_early_and_a_rerun_skips_stored_offers(site, options, database, chromium):
    first = scrape(SearchQuery("data", "Lyon", max_offers=3), database, options, driver=chromium)
    assert (first.stored, first.pages) == (3, 1)
    assert site.offer_requests() == SCRAPED_IDS[:3]
    site.reset()
    second = scrape(SearchQuery("data", "Lyon", max_offers=6), database, options, driver=chromium)
    assert (second.stored, second.known) == (3, 3)
    assert site.offer_requests() == ["90000004", "90000005", "90000006", "90000006"]
    assert database.count_offers() == 6


def test_an_interrupted_run_keeps_its_offers_and_resumes(site, options, database, chromium):
    def interrupt_after_two(done: int, total: int, message: str) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scrape(SearchQuery("data", "Lyon"), database, options, interrupt_after_two, chromium)
    assert [offer.id for offer in database.get_offers()] == SCRAPED_IDS[:2]
    assert database.list_runs(kind="scrape")[0].status == "interrupted"
    site.reset()
    resumed = scrape(SearchQuery("data", "Lyon"), database, options, driver=chromium)
    assert (resumed.stored, resumed.known) == (8, 2)
    assert not set(site.offer_requests()) & set(SCRAPED_IDS[:2])
    assert sorted(offer.id for offer in database.get_offers()) == SCRAPED_IDS


def test_a_page_without_cards_says_the_markup_changed(site, options, database, chromium):
    quick = replace(options, timeout=1.0)
    with pytest.raises(MarkupChangedError, match=r"No job card \(\[data-cy=\"serpCard\"\]\)"):
        scrape(SearchQuery("vide"), database, quick, driver=chromium)
    run = database.list_runs(kind="scrape")[0]
    assert run.status == "failed" and "layout has probably changed" in run.error
    assert database.count_offers() == 0


def test_redrawn_arrows_are_followed_by_the_numbered_pages(site, options, database, chromium):
    report = scrape(SearchQuery("derive"), database, options, driver=chromium)
    assert [path for path in site.paths() if path.startswith(SEARCH_PATH)] == [
        "/fr-fr/emploi/recherche.html?k=derive",
        "/fr-fr/emploi/recherche.html?k=derive&p=2",
        "/fr-fr/emploi/recherche.html?k=derive&p=3",
    ]
    assert (report.pages, report.stored, report.failed) == (3, 4, [])
    assert sorted(site.offer_requests()) == SCRAPED_IDS[:4]  # the repeated card read once


def test_pages_that_bring_no_new_card_end_the_search(site, options, database, chromium):
    calls: list[tuple[int, int, str]] = []
    report = scrape(
        SearchQuery(LOOP_SEARCH), database, options, lambda *call: calls.append(call), chromium
    )
    searches = [path for path in site.paths() if path.startswith(SEARCH_PATH)]
    assert searches == [
        f"/fr-fr/emploi/recherche.html?k={LOOP_SEARCH}",
        f"/fr-fr/emploi/recherche.html?k={LOOP_SEARCH}&p=2",  # it says page 3 comes next
    ]
    assert (report.pages, report.stored) == (2, 2)
    assert (2, 40, "Results page 2: no new offer, stopping") in calls
    assert database.list_runs(kind="scrape")[0].status == "done"


def test_offer_pages_that_do_not_exist_are_skipped_without_waiting(
    site, options, database, chromium
):
    patient = replace(options, timeout=30.0)  # what a missed "not found" page would cost
    started = time.monotonic()
    report = scrape(SearchQuery("introuvable"), database, patient, driver=chromium)
    assert time.monotonic() - started < 10
    assert (report.stored, report.pages) == (1, 1)
    assert [offer.id for offer in database.get_offers()] == ["90000001"]
    assert report.failed == [
        f"{site.base_url}/fr-fr/emplois/90000404.html does not exist (HTTP 404): the offer "
        "was probably taken down.",
        f"{site.base_url}/fr-fr/emplois/90000999.html does not exist (HTTP 404): the offer "
        "was probably taken down.",
        f"{site.base_url}/fr-fr/emplois/90000200.html does not exist (a 'page not found' "
        "page): the offer was probably taken down.",
    ]
    assert site.offer_requests() == ["90000404", "90000999", "90000200", "90000001"]  # no retry
    started = time.monotonic()
    with pytest.raises(PageNotFoundError, match=r"90000404\.html does not exist \(HTTP 404\)"):
        fetch_offer(f"{site.base_url}/fr-fr/emplois/{EMPTY_404_OFFER}.html", patient, chromium)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("keywords", "error", "message"),
    [
        ("captcha", CaptchaError, "shows a captcha"),
        ("bloque", BlockedError, "refuses our requests"),
    ],
)
def test_captcha_and_block_stop_at_once_with_a_clear_message(
    site, options, database, chromium, keywords, error, message
):
    with pytest.raises(error, match=message):
        scrape(SearchQuery(keywords), database, options, driver=chromium)
    assert len(site.search_times()) == 1  # no retry against a bot check


def test_server_errors_are_retried_with_exponential_backoff(site, options, chromium):
    loader = PageLoader(chromium, replace(options, retries=2, backoff=0.2))
    url = search_url(SearchQuery("panne"), 1, site.base_url)
    with pytest.raises(SiteUnavailableError, match=r"failed 3 times \(server error\)"):
        loader.load(url, CARD_SELECTOR)
    times = site.search_times()
    assert len(times) == 3
    assert times[1] - times[0] >= 0.2
    assert times[2] - times[1] >= 0.4


def test_an_unreachable_site_is_retried_then_reported(site, options, database, chromium):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    unreachable = replace(options, base_url=closed, retries=1)
    with pytest.raises(SiteUnavailableError, match=r"failed 2 times \(network error"):
        scrape(SearchQuery("data"), database, unreachable, driver=chromium)


def test_missing_chromium_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BrowserError, match="Chromium and chromedriver not found"):
        find_chromium()


def test_requests_are_spaced_by_the_minimum_interval(site, options, chromium):
    loader = PageLoader(chromium, replace(options, min_interval=0.3))
    for page in (1, 2, 3):
        loader.load(search_url(SearchQuery("data", "Lyon"), page, site.base_url), CARD_SELECTOR)
    times = site.search_times()
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(times) == 3 and min(gaps) >= 0.28


def test_a_pasted_url_is_read_in_the_browser_and_didomi_is_accepted(site, options, chromium):
    url = f"{site.base_url}/fr-fr/emplois/90000002.html"  # this page shows a Didomi banner
    offer = offer_from_paste(f"  {url}\n", replace(options, accept_cookies=True), chromium)
    assert (offer.id, offer.title, offer.company, offer.location, offer.url) == (
        "90000002",
        "Stage Data Engineer H/F",
        "Rivière Data",
        "Villeurbanne",
        url,
    )
    assert offer.extra["contract"] == "Stage"
    assert site.consents == ["didomi:accept"]


def test_the_real_pages_served_as_they_are(site, options, chromium, shared_data):
    loader = PageLoader(chromium, options)
    url = f"{site.base_url}/fr-fr/emploi/recherche.html?k=reel"
    page = parse_search_page(loader.load(url, CARD_SELECTOR), url)
    assert len(page.cards) == 30 and page.next_page == 2
    assert page.cards[0].url == f"{site.base_url}/fr-fr/emplois/77285286.html"
    offer = fetch_offer(f"{site.base_url}/fr-fr/emplois/83844515.html", options, chromium)
    assert (offer.title, offer.company, offer.location, offer.extra["published_at"]) == (
        "Stage Ressources Humaines H/F",
        "APEF",
        "Montpellier",
        "2026-09-28T12:36:23Z",
    )
    assert "- Sélection des candidatures" in offer.description


# --- Command line and app, each with its own Chromium -----------------------------------------


def test_cli_scrape_stores_offers_and_exits_2_on_a_captcha(site, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    common = ["--base-url", site.base_url, "--min-interval", "0", "--timeout", "5"]
    args = ["scrape", "--keywords", "data", "--location", "Lyon", "--max", "4", *common]
    assert main(args) == 0
    assert "4 new offers stored" in capsys.readouterr().err
    with Database(f"sqlite:///{tmp_path / 'jobmatch.sqlite3'}") as database:
        assert [offer.id for offer in database.get_offers()] == SCRAPED_IDS[:4]
    assert main(["scrape", "--keywords", "captcha", *common]) == 2
    assert "error: The site shows a captcha" in capsys.readouterr().err


def test_offers_page_scrapes_with_progress(site, tmp_path, monkeypatch):
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    app = AppTest.from_file(str(PROJECT_ROOT / "app_pages" / "offers.py"), default_timeout=120)
    app.run()
    app.text_input(key="scrape.keywords").input("data")
    app.text_input(key="scrape.location").input("Lyon")
    app.number_input(key="scrape.max").set_value(2)
    app.text_input(key="scrape.base_url").input(site.base_url)
    app.number_input(key="scrape.min_interval").set_value(0.0)
    app.button[0].click().run()
    assert not app.exception
    assert app.success[0].value.startswith("2 new offers stored")
    assert app.dataframe[0].value["title"].tolist() == [
        "Data Analyst H/F",
        "Stage Data Engineer H/F",
    ]
