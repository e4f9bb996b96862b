"""Anonymisation of CVs: identity out, skills and experience in.

Replaced by placeholders: people's names (spaCy PER/PERSON entities and the name heading a
CV, then every other occurrence of them) → ``[NAME]``, e-mails → ``[EMAIL]``, phone numbers
→ ``[PHONE]``, street addresses → ``[ADDRESS]``, birth dates → ``[BIRTHDATE]``, ages →
``[AGE]``, profile URLs (LinkedIn, GitHub, Indeed…) and URLs holding the person's name →
``[URL]``, photo captions → ``[PHOTO]``.

Kept on purpose: employers, schools and cities (evidence of experience and place, not of
identity on their own), and any entity that is a known skill ("Django", "Flask" are not
people).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from jobmatch.facts.entities import entities
from jobmatch.facts.fields import TITLE_WORDS
from jobmatch.facts.skills import is_known_skill
from jobmatch.text import detect_language, fold_accents, model_view

_MONTHS = (
    r"(?:jan\w*|feb\w*|fev\w*|f[ée]v\w*|mar\w*|apr\w*|avr\w*|may|mai|jun\w*|juin|jul\w*"
    r"|juil\w*|aug\w*|ao[uû]t|sep\w*|oct\w*|nov\w*|dec\w*|d[ée]c\w*)"
)
_DATE = (
    rf"(?:\d{{1,2}}(?:er)?[\s./-]*(?:{_MONTHS}\.?|\d{{1,2}})[\s./-]*\d{{2,4}}"
    rf"|{_MONTHS}\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (
        "url",
        re.compile(
            r"(?:https?://)?(?:[\w-]+\.)?(?:linkedin\.com|github\.com|gitlab\.com|indeed\.com/r"
            r"|twitter\.com|x\.com|facebook\.com|instagram\.com|viadeo\.com|behance\.net"
            r"|dribbble\.com|medium\.com/@)[^\s,;)]*",
            re.IGNORECASE,
        ),
    ),
    (
        "birthdate",
        re.compile(
            rf"(?:n[ée]e?\s+le|date\s+de\s+naissance|date\s+of\s+birth|d\.?o\.?b\.?|born(?:\s+on)?"
            rf"|birth\s*date)\s*[:\-]?\s*{_DATE}",
            re.IGNORECASE,
        ),
    ),
    (
        "age",
        re.compile(
            r"\b(?:[âa]ge\s*:?\s*\d{2}(?:\s*(?:ans|years?))?|\d{2}\s*(?:years|yrs)\s+old"
            r"|\d{2}\s+ans(?=\s*(?:[·,|/\n]|$)))",
            re.IGNORECASE,
        ),
    ),
    (
        "phone",
        re.compile(
            r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(0\)\s?)?\d{1,4}(?:[\s.-]?\d{2,4}){2,5}"
            r"|0[1-9](?:[\s.-]?\d{2}){4}|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}|[6-9]\d{9})(?!\w)"
        ),
    ),
    (
        "address",
        re.compile(
            r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|all[ée]e"
            r"|impasse|quai|route|cours|lotissement|r[ée]sidence)\s+[^\n,;|·]{2,50}"
            r"(?:,?\s*\d{5}\s+[A-ZÉ][\w\-' ]+)?"
            r"|\b\d{1,5}\s+(?:[A-Z][\w.]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln"
            r"|Boulevard|Blvd|Drive|Dr|Court|Ct|Way|Nagar|Marg)\b\.?(?:,?\s*[A-Z][\w ]+)?",
        ),
    ),
    (
        "photo",
        # "Photo: …", "Photo de profil : …", "Picture of …" (not "Photography", "Image processing")
        re.compile(
            r"(?im)^\W*(?:profile\s+)?(?:photo|picture|portrait)(?:\s+(?:de\s+)?profil\w*)?"
            r"\s*(?::|of\b|de\b|d')[^\n]*$"
        ),
    ),
)
_PLACEHOLDER = {
    "email": "[EMAIL]",
    "url": "[URL]",
    "birthdate": "[BIRTHDATE]",
    "age": "[AGE]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "photo": "[PHOTO]",
    "name": "[NAME]",
}
_NAME_LINE = re.compile(r"^[A-ZÀ-Ý][\w'’.-]*(?:\s+[A-ZÀ-Ý][\w'’.-]*){1,3}$")
_HEADINGS = frozenset(
    "curriculum vitae cv resume profil profile summary experience experiences education formation"
    " skills competences contact".split()
)
_URL = re.compile(r"(?:https?://|www\.)\S+")


@dataclass(frozen=True)
class Anonymised:
    """An anonymised text and how many items of each kind were replaced.

    Attributes:
        text: The text with placeholders ("[NAME]", "[EMAIL]"…).
        removed: Count per kind ("name", "email", "phone", "address", "birthdate", "age",
            "url", "photo"); kinds not found are absent.
    """

    text: str
    removed: dict[str, int] = field(default_factory=dict)


def _looks_like_name(name: str) -> bool:
    """2–4 capitalised words, no digits, no job-title word, not a skill."""
    return (
        bool(_NAME_LINE.match(name))
        and not TITLE_WORDS.search(fold_accents(name))
        and not _HEADINGS & set(fold_accents(name).split())
        and not is_known_skill(name)
    )


def _people(text: str, language: str) -> tuple[list[str], str | None]:
    """Full names of people in ``text`` (longest first) and the name heading the CV."""
    names = {
        e.text.strip(" .,;:-'’")
        for e in entities(text, language)
        if e.kind == "person" and _looks_like_name(e.text.strip(" .,;:-'’"))
    }
    heading = next((line.strip() for line in text.splitlines() if line.strip()), "")
    owner = heading if _looks_like_name(heading.title()) else None  # "arjun ks" too
    if owner:
        names.add(owner)
    return sorted(names, key=len, reverse=True), owner


def anonymise(text: str, language: str | None = None) -> Anonymised:
    """Replace what identifies a person in ``text`` with placeholders; keep the rest.

    Args:
        text: A CV (or any text) as plain text.
        language: "fr" or "en" for the name model; detected when ``None`` (default).

    Returns:
        :class:`Anonymised` with the new text and a count per kind of item removed. Like every
        model input, a text over :data:`~jobmatch.config.MAX_MODEL_CHARS` characters is read
        (and returned) up to there only (:func:`~jobmatch.text.model_view`).
    """
    text = model_view(text)
    language = language or detect_language(text)
    removed: Counter[str] = Counter()
    names, owner = _people(text, language)
    tokens = {
        part
        for part in re.split(r"[\s'’.-]+", owner or "")
        if len(part) >= 3 and not is_known_skill(part)
    }
    folded_tokens = {fold_accents(part) for part in tokens}

    def url_with_name(match: re.Match[str]) -> str:
        url = fold_accents(match.group(0))
        if any(token in url for token in folded_tokens):
            removed["url"] += 1
            return _PLACEHOLDER["url"]
        return match.group(0)

    for kind, pattern in _PATTERNS:
        text, count = pattern.subn(_PLACEHOLDER[kind], text)
        removed[kind] += count
    text = _URL.sub(url_with_name, text)
    for name in names:
        text, count = re.subn(rf"(?<!\w){re.escape(name)}(?!\w)", "[NAME]", text, flags=re.I)
        removed["name"] += count
    if tokens:
        alternation = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
        pattern = rf"(?<![\w\[])(?:{alternation})(?![\w\]])"
        text, count = re.subn(pattern, "[NAME]", text, flags=re.IGNORECASE)
        removed["name"] += count
    return Anonymised(text, {kind: n for kind, n in removed.items() if n})
