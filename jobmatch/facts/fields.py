"""Rules for the fields of an offer or CV: experience, seniority, education, languages,
contract, remote work, salary, place and job titles (French and English).

Every function reads plain text and returns ``None`` (or an empty tuple) when the text
says nothing; the patterns were written for this project.
"""

from __future__ import annotations

import re

from jobmatch.text import fold_accents

_NUMBER_WORDS = {
    "un": 1, "une": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3, "quatre": 4,
    "four": 4, "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8,
    "neuf": 9, "nine": 9, "dix": 10, "ten": 10, "quinze": 15, "fifteen": 15, "vingt": 20,
    "twenty": 20,
}  # fmt: skip
_COUNT = r"(\d{1,2}(?:[.,]\d)?|" + "|".join(_NUMBER_WORDS) + r")"
_YEARS_UNIT = r"\s*\+?\s*(?:years?|yrs?|ans?|annees?)\b"
_YEARS = re.compile(
    # "5+ years of experience", "3 à 5 ans d'expérience", "2 an(s)", "4.5 yrs exp"
    _COUNT + r"\s*\+?\s*(?:(?:-|a|to|ou|or)\s*\d{1,2}\s*)?(?:years?|yrs?|ans?|annees?)(?:\(s\))?"
    r"\s*(?:of\s+|d')?(?:\w+\s+){0,3}?(?:experience|exp\b|expertise|dans)"
    # "expérience de 3 ans", "experience: 5 years", "experience of more than 4 years"
    r"|experience\s*(?:[:\-]|de|of|minimum|min|d'au moins|plus de|more than)?\s*"
    r"(?:(?:de|of|minimum|plus de|au moins|more than)\s+)?" + _COUNT + _YEARS_UNIT
)
#: "(assistante…) depuis plus de quatre ans": a CV's summary; read when nothing else is.
_YEARS_SINCE = re.compile(r"depuis\s+(?:plus de\s+|pres de\s+)?" + _COUNT + _YEARS_UNIT)


def years_experience(text: str) -> float | None:
    """Years of experience stated first (0–45), e.g. "5+ years of experience", "3 ans
    d'expérience", else "depuis 4 ans"; 0 for "débutant accepté"; ``None`` when unsaid."""
    folded = fold_accents(text)
    for pattern in (_YEARS, _YEARS_SINCE):
        for match in pattern.finditer(folded):
            raw = next(group for group in match.groups() if group)
            value = float(_NUMBER_WORDS.get(raw) or raw.replace(",", "."))
            if 0 < value <= 45:
                return value
    beginners = re.search(r"debutant accepte|no experience required", folded)
    return 0.0 if beginners else None


_SENIORITY = (
    ("lead", r"\b(?:lead|tech lead|team lead|principal|head of|staff engineer|manager"
             r"|chef d'equipe|responsable d'equipe|directeur|director)\b"),
    ("senior", r"\b(?:senior|sr\.?|experimente|expert)\b"),
    ("junior", r"\b(?:junior|jr\.?|debutant|entry[- ]level|graduate|jeune diplome"
               r"|premier poste|first job)\b"),
    ("mid", r"\b(?:confirme|intermediate|mid[- ]level)\b"),
)  # fmt: skip


def seniority(text: str, titles: tuple[str, ...], years: float | None) -> str | None:
    """Seniority, "junior", "mid", "senior" or "lead": from the titles, then the text's first
    lines, then the years of experience (< 2 junior, < 5 mid, otherwise senior)."""
    head = fold_accents("\n".join((*titles, *text.strip().splitlines()[:3])))
    for level, pattern in _SENIORITY:
        if re.search(pattern, head):
            return level
    if years is None:
        return None
    return "junior" if years < 2 else "mid" if years < 5 else "senior"


_EDUCATION = (
    ("phd", r"\b(?:ph\.?\s?d|doctorat|doctorate|doctoral|bac\s?\+\s?8)\b"),
    ("master", r"\b(?:master'?s?|msc|m\.\s?sc|m\.?\s?tech|mba|mca|m2|mastere"
               r"|bac\s?\+\s?5|diplome d'ingenieur|ecole d'ingenieurs?|engineering degree"
               r"|post[- ]?graduat\w*)\b"),
    ("bachelor", r"\b(?:bachelor'?s?|licence|bsc|b\.\s?sc|b\.?\s?tech|bca|b\.\s?com|bcom|bba"
                 r"|bac\s?\+\s?[34]|undergraduate|graduat(?:e|ion) degree)\b"),
    ("bac+2", r"\b(?:bts|dut|deug|bac\s?\+\s?2|associate degree|hnd)\b"),
    ("secondary", r"\b(?:baccalaureat|bac|high school|12th|hsc|ssc)\b"),
)  # fmt: skip
#: Abbreviations that are English words in lower case ("me", "be"): matched case-sensitively.
_EDUCATION_CASED = {
    "master": r"\bM\.\s?E\b\.?",
    "bachelor": r"\bB\.\s?E\b\.?|\bB\.\s?A\b\.?|\bBE\b",
}


def education_level(text: str) -> str | None:
    """Highest degree named: "phd", "master" (bac+5), "bachelor" (bac+3/4), "bac+2",
    "secondary", or ``None``."""
    folded = fold_accents(text)
    for level, pattern in _EDUCATION:
        if re.search(pattern, folded) or re.search(_EDUCATION_CASED.get(level, r"(?!)"), text):
            return level
    return None


_LANGUAGES = {
    "english": "anglais|english", "french": "francais|french", "german": "allemand|german",
    "spanish": "espagnol|spanish", "italian": "italien|italian", "portuguese": "portugais"
    "|portuguese", "arabic": "arabe|arabic", "chinese": "chinois|chinese|mandarin",
    "japanese": "japonais|japanese", "russian": "russe|russian", "dutch": "neerlandais|dutch",
    "hindi": "hindi", "polish": "polonais|polish", "turkish": "turc|turkish",
    "korean": "coreen|korean",
}  # fmt: skip
_LANGUAGE_WORDS = {name: re.compile(rf"\b(?:{words})\b") for name, words in _LANGUAGES.items()}
_LANGUAGE_CUE = re.compile(
    r"langue|language|courant|fluent|fluency|bilingu|native|maternelle|niveau|level|\b[abc][12]\b"
    r"|toeic|toefl|ielts|notions|intermediaire|intermediate|professional|professionnel|parle"
    r"|spoken|written|ecrit|proficien|anglophone|francophone|read|lu\b|maitrise"
)
_LANGUAGE_ONLY = re.compile(r"^[\W\d_]*(?:(?:" + "|".join(_LANGUAGES.values()) + r")[\W\d_]*)+$")


def spoken_languages(text: str) -> tuple[str, ...]:
    """Spoken languages named with a level or under a "Languages" heading, e.g.
    ("english", "french"); other mentions ("a French company") are ignored."""
    found: set[str] = set()
    in_section = False
    for line in fold_accents(text).splitlines():
        words = line.strip(" :•-*").split()
        named = {name for name, pattern in _LANGUAGE_WORDS.items() if pattern.search(line)}
        if re.fullmatch(r"langues?|languages?(?: known)?", " ".join(words)):
            in_section = True
        elif words and len(words) <= 3 and not named:  # another heading ends the section
            in_section = False
        if in_section or _LANGUAGE_CUE.search(line) or _LANGUAGE_ONLY.match(line):
            found |= named
    return tuple(sorted(found))


_CONTRACTS = (
    ("CDI", r"\b(?:cdi|contrat a duree indeterminee|permanent (?:contract|position|role))\b"),
    ("CDD", r"\b(?:cdd|contrat a duree determinee|fixed[- ]term)\b"),
    ("apprenticeship", r"\b(?:alternance|alternant\w*|apprenti|apprentie|apprenticeship"
                       r"|contrat d'apprentissage|en apprentissage|contrat de professionnalisation"
                       r"|work[- ]study)\b"),
    ("internship", r"\b(?:stage|stagiaire|internship|intern)\b"),
    ("interim", r"\b(?:interim|interimaire|temporary (?:contract|position))\b"),
    ("freelance", r"\b(?:freelance|free-lance|independant|portage salarial|contractor)\b"),
)  # fmt: skip
_SEEKING = re.compile(
    r"(?:recherche|looking for|seeking|souhaite|type de contrat|contrat\s*:|contract\s*:"
    r"|poste en|position in)[^.\n]{0,60}"
)


def contract_type(text: str) -> str | None:
    """Contract sought or offered: "CDI", "CDD", "apprenticeship", "internship", "interim",
    "freelance" or ``None``.

    Looks in "looking for…"/"contrat :" phrases, then the first line (an offer's title),
    then the whole text; where several contracts are named, the first of that order wins
    ("CDI" before "stage": offers mention interns and former contracts in passing).
    """
    folded = fold_accents(text)
    first_line = folded.strip().split("\n", 1)[0]
    scopes = [*(match.group(0) for match in _SEEKING.finditer(folded)), first_line, folded]
    for scope in scopes:
        for name, pattern in _CONTRACTS:
            if re.search(pattern, scope):
                return name
    return None


_REMOTE = (
    ("none", r"pas de teletravail|sans teletravail|100 ?% (?:presentiel|sur site)|on[- ]site only"
             r"|no remote|fully on[- ]site|sur site uniquement"),
    ("full", r"full[- ]remote|fully remote|100 ?% (?:teletravail|remote)"
             r"|teletravail (?:total|complet|integral)|remote[- ]first|remote only"
             r"|entierement a distance"),
    ("hybrid", r"hybride?|teletravail|remote (?:work|working|possible|friendly|days?)"
               r"|(?:days?|jours?) (?:of |de )?(?:remote|teletravail)|work from home|wfh"),
)  # fmt: skip


def remote_policy(text: str) -> str | None:
    """Remote work: "full", "hybrid" or "none" when the text speaks of it, else ``None``."""
    folded = fold_accents(text)
    for level, pattern in _REMOTE:
        if re.search(pattern, folded):
            return level
    return None


_NUM = (
    r"(?<![\w.,])(?:\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?!\s*%)"
)
_CURRENCY = r"(?:€|eur(?:os?)?\b|\$|usd\b|£|gbp\b|chf\b)"
_AMOUNT = rf"(?:{_CURRENCY}\s*)?({_NUM})\s*(k(?!\w))?\s*(?:{_CURRENCY})?"
_SALARY = re.compile(rf"{_AMOUNT}(?:\s*(?:-|–|/|a|to|et|and)\s*{_AMOUNT})?", re.IGNORECASE)
_SALARY_CUE = re.compile(r"\b(?:salaire|salary|remuneration|brut|gross|pay|package|mensuel|annuel)")
_NOT_SALARY = re.compile(r"prime|bonus|indemnit|ticket|mutuelle|parrainage|cooptation|budget|ca de")
#: Words after a number that make it a duration or a head count, not a salary.
_COUNTED = re.compile(
    r"\s*(?:heures?|h\b|jours?|mois|ans?\b|annees|semaines?|km|collaborat|salarie|personnes"
    r"|agences|pays|postes?|sites?|clients?|magasins|employ)"
)
_PERIODS = {
    "hour": r"heure|horaire|hour|/\s*h\b|hourly",
    "month": r"mois|mensuel|month|/\s*m\b",
    "year": r"\ban\b|annuel|year|annual|/\s*a\b|\bpa\b",
}


def _amount(raw: str, thousands: str | None) -> float:
    digits = re.sub(r"[ \u00a0\u202f]", "", raw)
    if re.search(r"[.,]\d{3}(?:$|[.,])", digits):  # "45.000" or "45,000": thousands separators
        digits = re.sub(r"[.,](?=\d{3}(?:$|[.,]))", "", digits)
    value = float(digits.replace(",", "."))
    return value * 1000 if thousands else value


def _format(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _period(before: str, after: str, low: float, thousands: bool) -> str:
    """The period word nearest before the amount ("annuel de 40 000 €"), else the first one
    after it ("2 500 €/mois"; "sur 12 mois" ignored), else a guess from the size."""
    if thousands:
        return "year"
    after = re.sub(r"sur\s+1[234](?:[.,]\d+)?\s+mois", "", after)
    found = [(m.end(), p) for p, pat in _PERIODS.items() for m in re.finditer(pat, before)]
    if found:
        return max(found)[1]
    found = [(m.start(), p) for p, pat in _PERIODS.items() if (m := re.search(pat, after))]
    if found:
        return min(found)[1]
    return "year" if low >= 10000 else "month" if low >= 500 else "hour"


def _salary_matches(text: str):
    """(explicit, match, line) for each amount that may be a salary, line by line."""
    for line in text.splitlines():
        folded = fold_accents(line)
        for match in _SALARY.finditer(folded):
            before = folded[max(match.start() - 40, 0) : match.start()]
            if _NOT_SALARY.search(before):
                continue
            explicit = bool(re.search(_CURRENCY, match.group(0)) or match.group(2))
            cued = (
                _SALARY_CUE.search(before)
                and _amount(match.group(1), None) >= 100
                and not _COUNTED.match(folded, match.end())
            )
            if explicit or cued:
                yield explicit, match, folded


def salary(text: str) -> str | None:
    """Salary normalised as "45-55 k EUR / year", "2917 EUR / month" or "12 EUR / hour".

    Amounts need a currency or a "k", or a salary word just before them; bonuses and other
    sums ("prime de 400 €") are skipped, and amounts with a currency come first. The period
    is the nearest period word, else guessed from the size (≥ 10,000 a year, ≥ 500 a month).
    """
    candidates = sorted(_salary_matches(text), key=lambda item: not item[0])
    for _explicit, match, folded in candidates:
        thousands = match.group(2) or match.group(4)  # "45 à 55 k€": both in thousands
        low = _amount(match.group(1), thousands)
        high = _amount(match.group(3), thousands) if match.group(3) else low
        if low < 5 or high < low or re.fullmatch(r"(?:19|20)\d\d", match.group(1)):
            continue
        symbol = re.search(_CURRENCY, match.group(0))
        currency = {"€": "EUR", "$": "USD", "£": "GBP"}.get(
            symbol.group(0) if symbol else "€", (symbol.group(0) if symbol else "").upper()[:3]
        )
        before = folded[max(match.start() - 30, 0) : match.start()]
        after = folded[match.end() : match.end() + 40]
        period = _period(before, after, low, bool(thousands))
        unit = ""
        if period == "year":
            low, high, unit = low / 1000, high / 1000, " k"
        amount = _format(low) if low == high else f"{_format(low)}-{_format(high)}"
        return f"{amount}{unit} {currency} / {period}"
    return None


_PLACE_LABEL = re.compile(
    r"(?im)^\W*(?:lieu(?: de travail)?|localisation|location|ville|city|based in|base a)\s*:?\s*"
    r"([^\n|·,;]{2,40})"
)
_CITY_DEPT = re.compile(r"\b([A-ZÉÈ][\w'\-]+(?:[ \-][A-ZÉÈ][\w'\-]+){0,2})\s*\((\d{2}|2[AB])\)")


_POSTCODE_CITY = re.compile(r"(?<![\d-])(\d{5})\s+([A-ZÉÈ][\w'\-]+(?:[ \-][A-ZÉÈ][\w'\-]+){0,2})")


def place(text: str) -> str | None:
    """Place from a "Lieu :"/"Location:" line, a "City (69)" mention or a French postcode
    ("31000 Toulouse" → "Toulouse (31)"), else ``None``."""
    if match := _PLACE_LABEL.search(text):
        return match.group(1).strip()
    if match := _CITY_DEPT.search(text):
        return f"{match.group(1)} ({match.group(2)})"
    if match := _POSTCODE_CITY.search(text):
        return f"{match.group(2)} ({match.group(1)[:2]})"
    return None


TITLE_WORDS = re.compile(
    r"\b(?:engineer|ingenieur\w*|develop\w*|developpeu\w*|analyst|analyste|scientist|manager"
    r"|consultant\w*|architect\w*|administrat\w*|technici\w*|assistant\w*|chef de projet"
    r"|director|directeur|directrice|responsable|designer|intern|stagiaire|associate|officer"
    r"|executive|specialist|specialiste|gestionnaire|comptable|commercial\w*|coordinat\w*"
    r"|devops|product owner|scrum master|head of|cto|ceo|programmer|programmeur|lead|expert"
    r"|charge\w* d\w*|data \w+|teacher|professeur|nurse|infirmi\w*|accountant|sales)\b"
)
_GENDER = re.compile(r"\s*[(\[]?\b(?:h/f|f/h|m/f|f/m|h/f/x|m/w/d)\b[)\]]?", re.IGNORECASE)


def job_titles(text: str, limit: int = 5) -> tuple[str, ...]:
    """Job titles: short lines (or their part before " | ", " – ", " at ") naming a role.

    Args:
        text: An offer (its title first) or a CV.
        limit: Most titles returned, in order of appearance. Default 5.
    """
    titles: list[str] = []
    for line in text.splitlines():
        head = re.split(r"\s+[|–—]\s+|\s+-\s+|\s+at\s+|\s+chez\s+|\s*,\s+", line.strip())[0]
        head = _GENDER.sub("", head).strip(" •*-:·\t").lower()
        words = head.split()
        if not 1 <= len(words) <= 8 or re.search(r"\d{3,}|@|http", head):
            continue
        if TITLE_WORDS.search(fold_accents(head)) and head not in titles:
            titles.append(head)
            if len(titles) == limit:
                break
    return tuple(titles)
