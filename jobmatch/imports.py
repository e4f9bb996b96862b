"""Offers from elsewhere than the scraper: files, France Travail API records, pasted text or URL.

Files in the offers-file contract (the ``rank`` command's columns) are read by
:func:`jobmatch.offers.parse_offers`; France Travail "Offres d'emploi v2" records (``intitule``,
``description``, ``lieuTravail``, ``entreprise``, ``typeContrat``, ``salaire``, ``competences``…,
as JSONL, JSON or their flattened CSV) are mapped onto the same :class:`Offer`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from selenium.webdriver.chrome.webdriver import WebDriver

from jobmatch.errors import JobmatchError
from jobmatch.i18n import _
from jobmatch.offers import (
    Offer,
    OffersFileError,
    dedupe_ids,
    offer_from_record,
    offers_from_records,
    read_records,
)
from jobmatch.scraping.hellowork import parse_offer_page
from jobmatch.scraping.markup import html_to_text
from jobmatch.scraping.scraper import ScrapeOptions, fetch_offer
from jobmatch.text import fold_accents

#: File formats :func:`import_offers` reads; ``auto`` recognises France Travail records.
FORMATS = ("auto", "offers", "france-travail")
#: France Travail's public page of an offer, by id (when the record has no ``origineOffre``).
FRANCE_TRAVAIL_OFFER_URL = "https://candidat.francetravail.fr/offres/recherche/detail/{}"

#: Field labels recognised in pasted text ("Lieu : Lyon"), accents and case folded.
PASTE_LABELS = {
    "title": ("poste", "titre", "intitule", "intitule du poste", "title", "job title"),
    "company": ("entreprise", "societe", "employeur", "recruteur", "company", "employer"),
    "location": ("lieu", "lieu de travail", "localisation", "ville", "location"),
    "contract": ("contrat", "type de contrat", "contract", "contract type"),
    "salary": ("salaire", "remuneration", "salary"),
}
#: Contract words found in a pasted title or text → the label stored.
CONTRACT_WORDS = {
    "cdi": "CDI",
    "cdd": "CDD",
    "stage": "Stage",
    "alternance": "Alternance",
    "apprentissage": "Alternance",
    "interim": "Intérim",
    "freelance": "Freelance",
}

_URL = re.compile(r"https?://[^\s<>\"']+")
_LABELLED_LINE = re.compile(r"^([^:]{2,30}?)\s*:\s*(\S.*)$")
_CONTRACT = re.compile(r"\b(" + "|".join(CONTRACT_WORDS) + r")\b")
_HTML = re.compile(r"<(?:p|div|br|li|ul|h[1-6])\b", re.IGNORECASE)
_JSON_LD = re.compile(r"application/ld(?:\+|&#x0*2B;|&#0*43;)json", re.IGNORECASE)


class OfferImportError(JobmatchError, ValueError):
    """Nothing to import: an empty paste, or an unknown format name."""


# --- France Travail ---------------------------------------------------------------------------


def is_france_travail(record: dict[str, Any]) -> bool:
    """Whether a record looks like a France Travail API offer (it has ``intitule``)."""
    return "intitule" in record


def _field(value: Any, key: str) -> str:
    """``value[key]`` for a dict, else ``value`` itself as text (the flattened CSV form)."""
    if isinstance(value, dict):
        value = value.get(key)
    return "" if value is None or isinstance(value, list | dict) else str(value).strip()


def _labels(value: Any) -> list[str]:
    """The ``libelle`` of each item of a list of dicts, or the items of a "a | b" string."""
    if isinstance(value, list):
        return [label for item in value if (label := _field(item, "libelle"))]
    if isinstance(value, str):
        return [part.strip() for part in value.split("|") if part.strip()]
    return []


def _bullets(heading: str, items: Iterable[str]) -> str:
    items = list(items)
    return f"{heading} :\n" + "\n".join(f"- {item}" for item in items) if items else ""


def offer_from_france_travail(record: dict[str, Any]) -> Offer:
    """One France Travail API record (or a row of its flattened CSV) as an :class:`Offer`.

    The description gets the record's skills and professional qualities appended as lists;
    ``extra`` holds ``contract``, ``published_at``, ``salary``, ``skills``, ``rome_code``,
    ``experience`` and ``source`` (``"france-travail"``).
    """
    identifier = _field(record.get("id"), "id")
    skills = _labels(record.get("competences"))
    description = "\n\n".join(
        part
        for part in (
            _field(record.get("description"), "description"),
            _bullets("Compétences", skills),
            _bullets("Qualités professionnelles", _labels(record.get("qualitesProfessionnelles"))),
        )
        if part
    )
    url = _field(record.get("origineOffre"), "urlOrigine")
    if not url.startswith("http"):
        url = FRANCE_TRAVAIL_OFFER_URL.format(identifier) if identifier else ""
    return offer_from_record(
        {
            "id": identifier,
            "title": record.get("intitule"),
            "company": _field(record.get("entreprise"), "nom") or record.get("entreprise_nom"),
            "location": _field(record.get("lieuTravail"), "libelle"),
            "description": description,
            "url": url,
            "contract": record.get("typeContratLibelle") or record.get("typeContrat"),
            "published_at": record.get("dateCreation"),
            "salary": _field(record.get("salaire"), "libelle"),
            "skills": "; ".join(skills),
            "rome_code": record.get("romeCode"),
            "experience": record.get("experienceLibelle"),
            "source": "france-travail",
        }
    )


def import_offers(data: bytes, filename: str, file_format: str = "auto") -> list[Offer]:
    """Offers from a file: the offers-file contract or France Travail records.

    Args:
        data: File content (CSV, JSONL or JSON).
        filename: Its name; the suffix gives the syntax.
        file_format: ``auto`` (default: France Travail when every record has ``intitule``),
            ``offers`` (columns ``id,title,company,location,description``…) or
            ``france-travail``.

    Returns:
        The offers, in file order, repeated ids made unique.

    Raises:
        OffersFileError: Unreadable file, no offer, or records that do not fit the format.
        OfferImportError: Unknown format name.
    """
    if file_format not in FORMATS:
        raise OfferImportError(
            _("Unknown import format {name}: use one of {formats}.").format(
                name=repr(file_format), formats=", ".join(FORMATS)
            )
        )
    name = Path(filename).name
    records = read_records(data, Path(filename))  # read once, whatever the format
    if file_format != "offers" and records:
        france_travail = [is_france_travail(record) for record in records]
        if all(france_travail):
            return dedupe_ids(offer_from_france_travail(record) for record in records)
        if file_format == "france-travail":
            line = france_travail.index(False) + 1
            raise OffersFileError(
                _(
                    "{name}, record {record}: not a France Travail offer (no 'intitule' field)."
                ).format(name=name, record=line)
            )
    return offers_from_records(records, name)


# --- Pasted text or URL -----------------------------------------------------------------------


def _contract_in(text: str) -> str:
    match = _CONTRACT.search(fold_accents(text))
    return CONTRACT_WORDS[match.group(1)] if match else ""


def offer_from_text(text: str) -> Offer:
    """One offer from pasted text: labelled lines, else the first line as title.

    Lines such as "Entreprise : Acme", "Lieu : Lyon", "Contrat : CDI", "Salaire : …" or
    "Poste : …" (French or English labels) fill those fields; without a "Poste" line the first
    line is the title. The contract, when not labelled, is a contract word of the title, else
    of the text. The description is the whole text but the title line. Pasted HTML is turned
    into text; a pasted page source with a JSON-LD ``JobPosting`` is read as an offer page.

    Raises:
        OfferImportError: The text is empty.
    """
    text = text.strip()
    if not text:
        raise OfferImportError(_("Nothing to import: paste an offer's text or its URL."))
    if _JSON_LD.search(text):
        return parse_offer_page(text, source="paste")
    if _HTML.search(text):
        text = html_to_text(text)
    lines = [line.strip() for line in text.splitlines()]
    fields: dict[str, str] = {}
    for line in lines:
        match = _LABELLED_LINE.match(line)
        if not match:
            continue
        label = fold_accents(match.group(1)).strip()
        name = next((name for name, words in PASTE_LABELS.items() if label in words), None)
        if name and name not in fields:
            fields[name] = match.group(2).strip()
    first = next(line for line in lines if line)
    title = fields.pop("title", "") or first
    body = lines[lines.index(first) + 1 :] if title == first else lines
    url = _URL.search(text)
    return offer_from_record(
        {
            "title": title,
            "company": fields.get("company"),
            "location": fields.get("location"),
            "description": "\n".join(body).strip() or title,
            "url": url.group(0) if url else "",
            "contract": fields.get("contract") or _contract_in(title) or _contract_in(text),
            "salary": fields.get("salary"),
            "source": "paste",
        }
    )


def offer_from_paste(
    text: str, options: ScrapeOptions | None = None, driver: WebDriver | None = None
) -> Offer:
    """One offer from what a user pasted: a URL is fetched in the browser, text is parsed.

    Args:
        text: An offer's URL (HelloWork, or any page with a JSON-LD ``JobPosting``) or text.
        options: Browser timeouts and retries for a URL; default ``ScrapeOptions()``.
        driver: A browser to use for a URL; default ``None`` (one is started and quit).

    Raises:
        OfferImportError: Empty text.
        ScrapeError: The URL cannot be read (see :func:`jobmatch.scraping.scraper.fetch_offer`).
    """
    stripped = text.strip()
    if _URL.fullmatch(stripped):
        return fetch_offer(stripped, options, driver)
    return offer_from_text(text)
