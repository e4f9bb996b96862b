"""HelloWork's search URLs and pages, read as plain functions over HTML strings.

Everything that depends on HelloWork's markup lives here, in one place: the URL and its
parameters (``k`` keywords, ``l`` location, ``c`` contract, ``d`` publication date, ``p``
page, as in the site's own search form), the result cards (``[data-cy="serpCard"]`` and the
``aria-label`` of their ``a[data-cy="offerTitle"]`` link), the pagination (the "next" arrow, or
the numbered page buttons and links when the arrow is drawn some other way), and the
offer pages (the JSON-LD ``JobPosting`` first, the visible sections as fallback). Nothing here
drives a browser, so every rule is testable on saved pages.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from jobmatch.errors import JobmatchError
from jobmatch.offers import Offer, content_id
from jobmatch.scraping.markup import Element, element_to_text, html_to_text, parse_html
from jobmatch.text import fold_accents

#: The real site; tests and mirrors pass another base URL.
BASE_URL = "https://www.hellowork.com"
SEARCH_PATH = "/fr-fr/emploi/recherche.html"
#: Search parameters, named as in the site's search form.
PARAM_KEYWORDS, PARAM_LOCATION, PARAM_CONTRACT, PARAM_SINCE, PARAM_PAGE = "k", "l", "c", "d", "p"
#: Query parameters and button names that carry a results page number in pagination controls.
PAGE_PARAMS = (PARAM_PAGE, "page")

#: Contract names users type (accents and case folded) → the site's ``c`` values.
CONTRACTS = {
    "cdi": "CDI",
    "cdd": "CDD",
    "interim": "Travail_temp",
    "travail temporaire": "Travail_temp",
    "stage": "Stage",
    "alternance": "Alternance",
    "independant": "Independant",
    "freelance": "Freelance",
    "franchise": "Franchise",
    "associe": "Associe",
    "fonctionnaire": "Fonctionnaire",
}
#: Publication-date filters → the site's ``d`` values ("Depuis 24h", "Depuis 3 jours"…).
SINCE = {"all": "all", "24h": "h", "3d": "d", "week": "w", "month": "m"}

#: CSS selectors the browser waits for: a result card, or what an offer page is made of.
CARD_SELECTOR = '[data-cy="serpCard"]'
OFFER_SELECTOR = 'script[type="application/ld+json"], [data-cy="jobTitle"]'

#: Cookie banners met on the site, as (accept, refuse) button ids: HelloWork's own banner (2026
#: markup) and Didomi's. Buttons are found by id, never by their text.
CONSENT_BUTTONS = (
    ("hw-cc-notice-accept-btn", "hw-cc-notice-continue-without-accepting-btn"),
    ("didomi-notice-agree-button", "didomi-notice-disagree-button"),
)

#: The visible sections of an offer page, read when it has no JSON-LD description.
OFFER_SECTIONS = ("Les missions du poste", "Le profil recherché")

_OFFER_ID = re.compile(r"/emplois/(\d+)\.html")
_TOTAL = re.compile(r"^([\d\s]+)\s+offres?\b")
_SPACES = re.compile(r"\s+")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# "Voir offre de TITLE à PLACE, chez COMPANY, pour un CONTRACT, avec un salaire de SALARY, …",
# place, contract and salary optional. Read after a known title (see parse_card_label).
_LABEL_FIELDS = ("title", "place", "company", "contract", "salary")
_LABEL = re.compile(
    r"^Voir (?:l['’])?offre de (?P<title>.+?)"
    r"(?: à (?P<place>[^,]+))?, chez (?P<company>.+?)"
    r"(?:, pour une? (?P<contract>[^,]+))?(?:, avec un salaire de (?P<salary>.+?))?(?:, .*)?$"
)
# Without a known title: the last " à " before ", chez" starts the place, so a " à " inside the
# title stays in it.
_LABEL_WITH_PLACE = re.compile(
    _LABEL.pattern.replace("(?P<title>.+?)", "(?P<title>.+)", 1).replace(
        "(?: à (?P<place>[^,]+))?", " à (?P<place>[^,]+)", 1
    )
)


class SearchQueryError(JobmatchError, ValueError):
    """A search parameter the site does not know; the message lists the accepted values."""


@dataclass(frozen=True)
class SearchQuery:
    """A HelloWork search.

    Args:
        keywords: What to search ("data engineer"); may be empty with a location.
        location: City, department or region; default empty (all of France).
        contracts: Contract types, as users write them ("CDI", "stage", "intérim"…) or as the
            site's codes; default none (all). Stored as the site's codes.
        since: Publication date: ``all`` (default), ``24h``, ``3d``, ``week`` or ``month``.
        max_offers: Stop after this many distinct offers; default 50.

    Raises:
        SearchQueryError: Unknown contract or date, nothing to search, or ``max_offers < 1``.
    """

    keywords: str
    location: str = ""
    contracts: tuple[str, ...] = ()
    since: str = "all"
    max_offers: int = 50

    def __post_init__(self) -> None:
        if not (self.keywords.strip() or self.location.strip()):
            raise SearchQueryError("Give keywords or a location to search for.")
        if self.max_offers < 1:
            raise SearchQueryError("The maximum number of offers must be at least 1.")
        if self.since not in SINCE:
            raise SearchQueryError(
                f"Unknown publication date {self.since!r}: use one of {', '.join(SINCE)}."
            )
        object.__setattr__(self, "contracts", tuple(map(contract_code, self.contracts)))


def contract_code(name: str) -> str:
    """The site's code for a contract type ("intérim" → ``Travail_temp``).

    Raises:
        SearchQueryError: Not a contract type the site filters on.
    """
    key = fold_accents(name.strip()).replace("_", " ")
    if key in CONTRACTS:
        return CONTRACTS[key]
    codes = {code.lower(): code for code in CONTRACTS.values()}
    if key.replace(" ", "_") in codes:
        return codes[key.replace(" ", "_")]
    raise SearchQueryError(
        f"Unknown contract type {name!r}: use one of CDI, CDD, stage, alternance, intérim, "
        "freelance, indépendant, franchise, associé, fonctionnaire."
    )


def search_url(query: SearchQuery, page: int = 1, base_url: str = BASE_URL) -> str:
    """The URL of one results page (pages count from 1)."""
    params: list[tuple[str, str | int]] = [(PARAM_KEYWORDS, query.keywords.strip())]
    if query.location.strip():
        params.append((PARAM_LOCATION, query.location.strip()))
    params.extend((PARAM_CONTRACT, code) for code in query.contracts)
    if query.since != "all":
        params.append((PARAM_SINCE, SINCE[query.since]))
    if page > 1:
        params.append((PARAM_PAGE, page))
    return f"{base_url.rstrip('/')}{SEARCH_PATH}?{urlencode(params)}"


def offer_id(url: str) -> str:
    """HelloWork's numeric offer id in an offer URL (``/fr-fr/emplois/<id>.html``), or ""."""
    match = _OFFER_ID.search(urlsplit(url).path)
    return match.group(1) if match else ""


# --- Search pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One search result, as the results page shows it (fields may be empty).

    Args:
        id: HelloWork's offer id.
        url: Absolute URL of the offer page.
        title: Job title.
        company: Employer.
        location: Place, as the site writes it ("Lyon - 69").
        contract: Contract type, as the site writes it ("CDI", "Alternance").
        salary: Salary, as the site writes it ("30 000 - 35 000 € / an").
    """

    id: str
    url: str
    title: str = ""
    company: str = ""
    location: str = ""
    contract: str = ""
    salary: str = ""


@dataclass(frozen=True)
class SearchPage:
    """What a results page holds.

    Args:
        cards: Its result cards, in page order.
        next_page: Number of the next results page, ``None`` on the last one (or when the
            pagination shows no way on).
        total: Number of offers the search matches, as the page heading says (``None`` when
            the page does not say).
    """

    cards: list[Card] = field(default_factory=list)
    next_page: int | None = None
    total: int | None = None


def parse_card_label(label: str, title: str = "") -> dict[str, str]:
    """Fields of a card link's ``aria-label``: title, place, company, contract and salary.

    Args:
        label: E.g. "Voir offre de Data analyst H/F à Lyon - 69, chez Acme, pour un CDI, avec
            un salaire de 40 000 € / an, en temps plein".
        title: The title shown on the card, when known: it anchors the parse, so a title that
            itself contains " à " or ", chez " is not cut; default empty.

    Returns:
        The fields found (missing ones are empty strings); all empty if the label does not
        have the expected shape.
    """
    label = _SPACES.sub(" ", label).strip()
    prefix = f"Voir offre de {title}"
    if title and label.startswith(prefix):
        anchored = _LABEL.match(f"Voir offre de X{label[len(prefix) :]}")
        if anchored:
            return {**_groups(anchored), "title": title}
    match = _LABEL_WITH_PLACE.match(label) or _LABEL.match(label)
    return _groups(match) if match else dict.fromkeys(_LABEL_FIELDS, "")


def _groups(match: re.Match[str]) -> dict[str, str]:
    return {name: (match.group(name) or "").strip() for name in _LABEL_FIELDS}


def _card(element: Element, page_url: str) -> Card | None:
    link = element.find("a", data_cy="offerTitle")
    if link is None or not link.get("href"):
        return None
    url = urljoin(page_url, link.get("href"))
    paragraphs = [p.text for p in link.find_all("p") if p.text]
    shown_title = paragraphs[0] if paragraphs else ""
    label = parse_card_label(link.get("aria-label"), shown_title)
    place = element.find(data_cy="localisationCard")
    contract = element.find(data_cy="contractCard")
    return Card(
        id=offer_id(url) or content_id(url),
        url=url,
        title=label["title"] or shown_title or link.get("title"),
        company=label["company"] or (paragraphs[1] if len(paragraphs) > 1 else ""),
        location=label["place"] or (place.text if place else ""),
        contract=label["contract"] or (contract.text if contract else ""),
        salary=label["salary"],
    )


def _disabled(control: Element) -> bool:
    return control.get("aria-disabled") == "true" or "disabled" in control.attrs


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdecimal() else None


def _query_page(url: str) -> int | None:
    """The page number in a URL's ``p`` (or ``page``) query parameter, or ``None``."""
    query = parse_qs(urlsplit(url).query)
    return next((_number(query[name][0]) for name in PAGE_PARAMS if name in query), None)


def _page_number(control: Element) -> int | None:
    """The results page a pagination control leads to, or ``None`` if it is not one.

    A link gives its ``p``/``page`` query parameter; a button its value when it is named
    ``p``/``page`` (HelloWork's form buttons), else the number it shows.
    """
    if control.tag == "a":
        return _query_page(control.get("href"))
    if control.tag != "button":
        return None
    named = control.get("name") in PAGE_PARAMS
    return _number(control.get("value") if named else control.text)


def _is_current(control: Element, number: int) -> bool:
    """``aria-current``, or a disabled button showing its own number (HelloWork's way)."""
    marked = control.get("aria-current") not in ("", "false")
    return marked or (_disabled(control) and control.text == str(number))


def _numbered_next_page(root: Element, page_url: str) -> int | None:
    """The page after the current one, if a numbered button or link leads to it.

    The current page is the one the pagination marks (see :func:`_is_current`), else the
    page number in ``page_url`` (1 without one).
    """
    numbered = [(control, n) for control in root.iter() if (n := _page_number(control)) is not None]
    marked = [n for control, n in numbered if _is_current(control, n)]
    current = marked[0] if marked else _query_page(page_url) or 1
    following = current + 1
    if any(n == following and not _disabled(control) for control, n in numbered):
        return following
    return None


def _next_page(root: Element, page_url: str) -> int | None:
    """The next results page: where the "next" arrow leads (``button[name=p]`` drawing
    ``#right``), or, when no such arrow is drawn, the numbered page after the current one."""
    for button in root.find_all("button", name=PARAM_PAGE):
        if any(use.get("href").endswith("#right") for use in button.find_all("use")):
            return None if _disabled(button) else _number(button.get("value"))
    return _numbered_next_page(root, page_url)


def _total(root: Element) -> int | None:
    for heading in root.find_all("h1"):
        match = _TOTAL.match(heading.text)
        if match:
            return int(re.sub(r"\s", "", match.group(1)))
    return None


def parse_search_page(html: str, page_url: str = BASE_URL) -> SearchPage:
    """Read the result cards, the next page and the result count of a search page.

    Args:
        html: The page's HTML (as rendered by the browser).
        page_url: Its URL, to make offer links absolute and, when the pagination does not
            mark the current page, to know it (its ``p`` parameter); default the site root.
    """
    root = parse_html(html)
    cards = [
        card
        for element in root.find_all(data_cy="serpCard")
        if (card := _card(element, page_url)) is not None
    ]
    return SearchPage(cards=cards, next_page=_next_page(root, page_url), total=_total(root))


# --- Offer pages ------------------------------------------------------------------------------

#: schema.org ``employmentType`` values that name a contract; FULL_TIME / PART_TIME name hours.
EMPLOYMENT_TYPES = {"INTERN": "Stage", "CONTRACTOR": "Freelance"}
_SALARY_UNITS = {"HOUR": "heure", "DAY": "jour", "WEEK": "semaine", "MONTH": "mois", "YEAR": "an"}
_CURRENCIES = {"EUR": "€"}


class OfferPageError(JobmatchError, ValueError):
    """A page holds no job offer (no JSON-LD ``JobPosting``, no title or offer text)."""


def _json_ld(root: Element) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page (``@graph`` and lists flattened); bad JSON skipped."""
    items: list[dict[str, Any]] = []
    for script in root.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.raw_text)
        except json.JSONDecodeError:
            continue
        pending = data if isinstance(data, list) else [data]
        while pending:
            item = pending.pop(0)
            if isinstance(item, dict):
                items.append(item)
                if isinstance(item.get("@graph"), list):
                    pending.extend(item["@graph"])
    return items


def _is_job_posting(item: dict[str, Any]) -> bool:
    kind = item.get("@type")
    return "JobPosting" in (kind if isinstance(kind, list) else [kind])


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _name(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip() if isinstance(value, str) else ""


def _place(value: Any) -> str:
    place = _first(value)
    address = place.get("address") if isinstance(place, dict) else place
    address = _first(address)
    if isinstance(address, str):
        return address.strip()
    if not isinstance(address, dict):
        return ""
    for key in ("addressLocality", "addressRegion", "addressCountry"):
        if isinstance(address.get(key), str) and address[key].strip():
            return address[key].strip()
    return ""


def _contract(value: Any) -> str:
    types = value if isinstance(value, list) else [value]
    return next((EMPLOYMENT_TYPES[t] for t in types if t in EMPLOYMENT_TYPES), "")


def _amount(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if number.is_integer():
        return f"{int(number):,}".replace(",", " ")
    return f"{number:,.2f}".replace(",", " ").replace(".", ",")


def _salary(value: Any) -> str:
    """ "30 000 - 35 000 € / an" from a schema.org ``MonetaryAmount`` (or its plain text)."""
    if isinstance(value, str | int | float):
        return str(value).strip()
    if not isinstance(value, dict):
        return ""
    amount = value.get("value")
    if not isinstance(amount, dict):
        amount = {"value": amount}
    low, high = _amount(amount.get("minValue")), _amount(amount.get("maxValue"))
    single = _amount(amount.get("value"))
    figures = f"{low} - {high}" if low and high and low != high else (low or high or single)
    if not figures:
        return ""
    currency = value.get("currency") or ""
    text = f"{figures} {_CURRENCIES.get(currency, currency)}".strip()
    unit = _SALARY_UNITS.get(str(amount.get("unitText", "")).upper())
    return f"{text} / {unit}" if unit else text


def _description(value: Any) -> str:
    """A JSON-LD description as plain text: HTML converted, plain text kept line by line."""
    if not isinstance(value, str):
        return ""
    if _TAG.search(value):
        return html_to_text(value)
    lines = (" ".join(line.split()) for line in unescape(value).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _sections(root: Element) -> str:
    """The visible "Les missions du poste" / "Le profil recherché" sections, as text.

    A section is its ``h2``/``h3`` heading and what follows it up to the next heading.
    """
    wanted = {fold_accents(title) for title in OFFER_SECTIONS}
    sections: list[tuple[str, list[Element | str]]] = []
    for parent in root.iter():
        current: list[Element | str] | None = None
        for child in parent.children:
            if isinstance(child, Element) and child.tag in {"h2", "h3"}:
                current = [] if fold_accents(child.text) in wanted else None
                if current is not None:
                    sections.append((child.text, current))
            elif current is not None:
                current.append(child)
    return "\n\n".join(
        f"{heading}\n\n{element_to_text(Element('div', children=body))}".strip()
        for heading, body in sections
    )


def parse_offer_page(
    html: str, url: str = "", card: Card | None = None, source: str = "hellowork"
) -> Offer:
    """Read one offer page: JSON-LD ``JobPosting`` first, then the visible page, then the card.

    Each field comes from the first of these that has it, except the contract: the card's is
    the site's own word ("CDD", "Alternance"), finer than schema.org's ``employmentType``.

    Args:
        html: The page's HTML.
        url: Its URL; default empty (then the JSON-LD ``url`` or the canonical link).
        card: The search result that led here, if any; default ``None``.
        source: Stored in ``extra["source"]``; default ``"hellowork"``.

    Returns:
        The offer: id is HelloWork's offer id (or a hash of the URL or text on other sites);
        ``extra`` holds ``contract``, ``published_at``, ``salary`` and ``source``.

    Raises:
        OfferPageError: The page lacks a job title or an offer text.
    """
    root = parse_html(html)
    posting = next((item for item in _json_ld(root) if _is_job_posting(item)), {})
    heading = root.find(data_cy="jobTitle") or root.find("h1")
    h1 = root.find("h1") or Element("h1")
    company_link = next((a for a in h1.find_all("a") if "/entreprises/" in a.get("href")), None)
    canonical = next((link.get("href") for link in root.find_all("link", rel="canonical")), "")
    card = card or Card(id="", url="")
    posted_url = posting.get("url") if isinstance(posting.get("url"), str) else ""
    fields = {
        "title": _name(posting.get("title")) or (heading.text if heading else "") or card.title,
        "company": _name(posting.get("hiringOrganization"))
        or (company_link.text if company_link else "")
        or card.company,
        "location": _place(posting.get("jobLocation")) or card.location,
        "description": _description(posting.get("description")) or _sections(root),
        "url": url or posted_url or canonical or card.url,
    }
    if not (fields["title"] and fields["description"]):
        raise OfferPageError(
            f"No job offer found on {url or 'this page'}: no JSON-LD JobPosting "
            "and no offer title and sections."
        )
    extra = {
        "contract": card.contract or _contract(posting.get("employmentType")),
        "published_at": str(posting.get("datePosted") or "").strip(),
        "salary": _salary(posting.get("baseSalary")) or card.salary,
        "source": source,
    }
    identifier = offer_id(fields["url"]) or card.id
    if not identifier:
        identifier = (
            content_id(fields["url"])
            if fields["url"]
            else content_id(fields["title"], fields["company"], fields["description"])
        )
    return Offer(id=identifier, extra=extra, **fields)


# --- Page checks ------------------------------------------------------------------------------

#: What a page that is not the one asked for can be; the last three are worth retrying.
CAPTCHA, BLOCKED, NOT_FOUND = "captcha", "blocked", "not found"
RATE_LIMITED, SERVER_ERROR, NETWORK_ERROR = "too many requests", "server error", "network error"

# Markers of bot checks in the markup (DataDome, reCAPTCHA, hCaptcha, Cloudflare Turnstile).
_CAPTCHA_MARKUP = re.compile(
    r"captcha-delivery\.com|g-recaptcha|recaptcha/api|h-captcha|hcaptcha\.com|cf-turnstile"
    r"|challenges\.cloudflare\.com|cf-chl-",
    re.IGNORECASE,
)
_CAPTCHA_TEXT = re.compile(
    r"captcha|v[ée]rifi\w* que vous [êe]tes (?:un )?humain|are you a robot|verify you are human",
    re.IGNORECASE,
)
_BLOCKED_TEXT = re.compile(
    r"access denied|acc[èe]s refus[ée]|403 forbidden|\bforbidden\b|you have been blocked"
    r"|vous avez [ée]t[ée] bloqu[ée]|request blocked|attention required|just a moment",
    re.IGNORECASE,
)
# Chromium's own page when the site cannot be reached (refused, DNS failure, reset…).
_NETWORK_ERROR_MARKUP = re.compile(r'<body class="neterror"|id="main-frame-error"')
_RATE_LIMITED_TEXT = re.compile(
    r"too many requests|trop de requ[êe]tes|(?:error|erreur) 429", re.IGNORECASE
)
_SERVER_ERROR_TEXT = re.compile(
    r"(?:error|erreur) 50[0-4]|\b50[0-4] (?:error|erreur)|internal server error|bad gateway"
    r"|service unavailable|gateway time-?out|erreur (?:interne|serveur)"
    r"|service (?:temporairement )?indisponible",
    re.IGNORECASE,
)

# A "page not found" page, by its title or main heading ("404 offres" is not one).
_NOT_FOUND_TEXT = re.compile(
    r"^404$|(?:error|erreur) 404|404 (?:[-–:|] )?(?:not found|page|introuvable)"
    r"|(?:page|offre) (?:est )?(?:introuvable|non trouv[ée]e|inexistante)|not found",
    re.IGNORECASE,
)
#: HTTP statuses that say what a page is, whatever its markup.
_STATUS_PROBLEMS = {404: NOT_FOUND, 410: NOT_FOUND, 429: RATE_LIMITED}


def page_problem(html: str, status: int = 0) -> str | None:
    """Why a page is not what was asked for: :data:`CAPTCHA`, :data:`BLOCKED`,
    :data:`RATE_LIMITED`, :data:`SERVER_ERROR`, :data:`NETWORK_ERROR` (the browser's error
    page), :data:`NOT_FOUND`, or ``None`` when it looks like a normal page.

    The markup is read first (the title and main heading for :data:`NOT_FOUND`), then the
    HTTP status, when known: 404 and 410 are :data:`NOT_FOUND`, 429 :data:`RATE_LIMITED`,
    5xx :data:`SERVER_ERROR`. The browser's own error page, shown for a network error and for
    an HTTP error with an empty body, is read by the status when there is one.

    Only call it on a page that lacks the expected content: words such as "captcha" may
    appear in a normal offer's text.

    Args:
        html: The page's HTML.
        status: Its HTTP status; default 0 (unknown).
    """
    if _NETWORK_ERROR_MARKUP.search(html):
        return _status_problem(status) or NETWORK_ERROR
    root = parse_html(html)
    title = root.find("title")
    words = f"{title.text if title else ''} {root.text[:2000]}"
    if _CAPTCHA_MARKUP.search(html) or _CAPTCHA_TEXT.search(words):
        return CAPTCHA
    if _RATE_LIMITED_TEXT.search(words):
        return RATE_LIMITED
    if _BLOCKED_TEXT.search(words):
        return BLOCKED
    if _SERVER_ERROR_TEXT.search(words):
        return SERVER_ERROR
    headings = [title, root.find("h1")]
    if any(_NOT_FOUND_TEXT.search(heading.text) for heading in headings if heading is not None):
        return NOT_FOUND
    return _status_problem(status)


def _status_problem(status: int) -> str | None:
    return SERVER_ERROR if 500 <= status < 600 else _STATUS_PROBLEMS.get(status)
