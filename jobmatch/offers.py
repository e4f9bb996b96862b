"""Job offers: the record every stage shares, and reading offers files (CSV or JSONL)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jobmatch.config import MAX_MODEL_CHARS, MAX_OFFERS_FILE_BYTES
from jobmatch.errors import JobmatchError
from jobmatch.i18n import N_, _, ngettext, number
from jobmatch.text import model_view

#: Columns of the offers-file contract; ``id`` and ``description`` are the ones that matter most.
OFFER_COLUMNS = ("id", "title", "company", "location", "description", "url")


class OffersFileError(JobmatchError, ValueError):
    """An offers file cannot be read; the message says why, for the user."""


@dataclass(frozen=True)
class Offer:
    """One job offer.

    Args:
        id: Stable identifier (the source's id, or a content hash when the source has none).
        title: Job title.
        company: Employer, may be empty.
        location: Place as written by the source, may be empty.
        description: Full offer text (plain text).
        url: Link to the original offer, may be empty.
        extra: Any other column of the source, kept as strings and passed through.
    """

    id: str
    title: str = ""
    company: str = ""
    location: str = ""
    description: str = ""
    url: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The text that is matched: title, then description."""
        return "\n".join(part for part in (self.title.strip(), self.description.strip()) if part)

    def for_models(self) -> Offer:
        """This offer as the models read it: its description cut to
        :data:`~jobmatch.config.MAX_MODEL_CHARS` by :func:`jobmatch.text.model_view`."""
        view = model_view(self.description)
        return self if view is self.description else replace(self, description=view)

    def to_record(self) -> dict[str, Any]:
        """A flat dict: contract columns, then the extra columns."""
        record = asdict(self)
        extra = record.pop("extra")
        return {**record, **{k: v for k, v in extra.items() if k not in record}}


def content_id(*parts: str) -> str:
    """A short, stable id derived from text (used when a source gives none)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:16]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from spreadsheets
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def offer_from_record(record: dict[str, Any]) -> Offer:
    """Build an :class:`Offer` from a dict with (some of) the contract columns.

    Missing ids are replaced by a content hash of title, company and description.
    """
    values = {key: _as_text(record.get(key)) for key in OFFER_COLUMNS}
    if not values["id"]:
        values["id"] = content_id(values["title"], values["company"], values["description"])
    extra = {str(k): _as_text(v) for k, v in record.items() if k not in OFFER_COLUMNS and k}
    return Offer(extra=extra, **values)


#: Message for JSON nested deeper than Python's parser goes (an offer is a flat record).
TOO_DEEP = N_("JSON nested too deeply to be an offers file (an offer is one flat object).")


def check_offers_size(name: str, size: int) -> None:
    """Refuse an offers file over :data:`~jobmatch.config.MAX_OFFERS_FILE_BYTES`."""
    if size > MAX_OFFERS_FILE_BYTES:
        raise OffersFileError(
            _(
                "{name} is {size} MB; offers files are limited to {limit} MB "
                "(JOBMATCH_MAX_OFFERS_MB). Split it."
            ).format(
                name=name, size=number(size / 1e6, 0), limit=number(MAX_OFFERS_FILE_BYTES / 1e6, 0)
            )
        )


def read_records(raw: bytes, path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV, JSONL or JSON file as dicts, by the suffix of ``path``.

    JSONL is split on ``\\n`` only: U+2028 and friends may sit unescaped inside JSON strings.

    Raises:
        OffersFileError: Unreadable content, an unknown suffix, or over
            :data:`~jobmatch.config.MAX_OFFERS_FILE_BYTES`.
    """
    check_offers_size(path.name, len(raw))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        records = []
        for line_number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise OffersFileError(
                    _("{name}, line {line}: not valid JSON ({error}).").format(
                        name=path.name, line=line_number, error=exc.msg
                    )
                ) from exc
            except RecursionError as exc:
                raise OffersFileError(
                    _("{name}, line {line}: {problem}").format(
                        name=path.name, line=line_number, problem=_(TOO_DEEP)
                    )
                ) from exc
            if not isinstance(item, dict):
                raise OffersFileError(
                    _("{name}, line {line}: expected a JSON object per line.").format(
                        name=path.name, line=line_number
                    )
                )
            records.append(item)
        return records
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise OffersFileError(
                _("{name}: not valid JSON ({error}).").format(name=path.name, error=exc.msg)
            ) from exc
        except RecursionError as exc:
            raise OffersFileError(
                _("{name}: {problem}").format(name=path.name, problem=_(TOO_DEEP))
            ) from exc
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise OffersFileError(
                _("{name}: expected a JSON list of objects.").format(name=path.name)
            )
        return data
    if suffix in {".csv", ".tsv"}:
        return read_csv_records(text, path.name, "\t" if suffix == ".tsv" else None)
    raise OffersFileError(
        _("{name}: unsupported offers file type; use .csv, .jsonl or .json.").format(name=path.name)
    )


#: Delimiters a CSV offers file may use; the header line decides which.
CSV_DELIMITERS = (",", ";", "\t")
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def read_csv_records(text: str, name: str, delimiter: str | None = None) -> list[dict[str, str]]:
    """The rows of RFC 4180 CSV text as dicts keyed by its header.

    Quoting is the standard one (fields in double quotes, a quote inside doubled, line breaks
    allowed inside quotes); only the delimiter is detected: the one of :data:`CSV_DELIMITERS`
    that occurs most in the header line outside quotes. Blank lines are skipped.

    Args:
        text: The decoded file.
        name: The file's name, for messages.
        delimiter: Forced delimiter. Default: detected.

    Raises:
        OffersFileError: A row with another number of fields than the header, or quotes that
            do not close, with the line number.
    """
    csv.field_size_limit(2**31 - 1)
    if delimiter is None:
        header = _QUOTED.sub("", text.split("\n", 1)[0])
        delimiter = max(CSV_DELIMITERS, key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter, strict=True)
    records: list[dict[str, str]] = []
    start = 1  # the line the current record starts on
    try:
        columns = next(reader, [])
        start = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) != len(columns):
                    raise OffersFileError(
                        _(
                            "{name}, line {line}: {fields} fields where the header has "
                            "{columns} (a quote not closed or a stray delimiter?)."
                        ).format(name=name, line=start, fields=len(row), columns=len(columns))
                    )
                records.append(dict(zip(columns, row, strict=True)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise OffersFileError(
            _(
                "{name}, line {line}: not valid CSV ({error}; is a quote opened there not closed?)."
            ).format(name=name, line=start, error=exc)
        ) from exc
    return records


def load_offers(
    path: Path | str, parse: Callable[[bytes, str], list[Offer]] | None = None
) -> list[Offer]:
    """Read offers from a CSV, JSONL or JSON file.

    Args:
        path: The file.
        parse: ``(content, file name) -> offers``. Default :func:`parse_offers` (the offers
            columns); :func:`jobmatch.imports.import_offers` also recognises France Travail
            records.

    Raises:
        OffersFileError: The file is missing or cannot be parsed.
    """
    path = Path(path)
    if not path.is_file():
        raise OffersFileError(_("Offers file not found: {path}").format(path=path))
    check_offers_size(path.name, path.stat().st_size)
    return (parse or parse_offers)(path.read_bytes(), path.name)


def parse_offers(data: bytes, filename: str) -> list[Offer]:
    """Parse the content of an offers file.

    Args:
        data: File content: CSV (``,`` ``;`` or tab separated), JSONL or a JSON list, with
            columns ``id,title,company,location,description`` (``url`` and any other columns
            optional and kept in :attr:`Offer.extra`).
        filename: Its name; the suffix gives the format.

    Returns:
        The offers, in file order, one per row, with duplicate ids made unique.

    Raises:
        OffersFileError: Unreadable content, no ``description`` column, or no offer.
    """
    path = Path(filename)
    return offers_from_records(read_records(data, path), path.name)


def offers_from_records(records: list[dict[str, Any]], name: str) -> list[Offer]:
    """The offers of an offers file's rows (see :func:`parse_offers`), for the file ``name``.

    Raises:
        OffersFileError: No ``description`` column, or no offer.
    """
    if not records:
        raise OffersFileError(_("{name}: no offers in the file.").format(name=name))
    columns = {key for record in records for key in record}
    if "description" not in columns:
        found = ", ".join(sorted(map(str, columns))) or _("none")
        raise OffersFileError(
            _(
                "{name}: no 'description' column; expected columns {expected} (found: {found})."
            ).format(name=name, expected=", ".join(OFFER_COLUMNS[:5]), found=found)
        )
    return dedupe_ids(offer_from_record(record) for record in records)


def _some_ids(offers: Sequence[Offer]) -> str:
    shown = ", ".join(offer.id for offer in offers[:3])
    if len(offers) <= 3:
        return shown
    return _("{ids} and {count} more").format(ids=shown, count=len(offers) - 3)


def offer_warnings(offers: Sequence[Offer]) -> list[str]:
    """What the user should know before these offers are ranked: offers without a
    description (only their titles can match) and descriptions the models read only in part.
    """
    warnings = []
    empty = [offer for offer in offers if not offer.description.strip()]
    if empty:
        warnings.append(
            ngettext(
                "{count} offer without a description ({ids}): only its title can match; an "
                "offer without a word scores 0.",
                "{count} offers without a description ({ids}): only their titles can match; an "
                "offer without a word scores 0.",
                len(empty),
            ).format(count=len(empty), ids=_some_ids(empty))
        )
    long = [offer for offer in offers if len(offer.description) > MAX_MODEL_CHARS]
    if long:
        warnings.append(
            ngettext(
                "{count} offer description over {limit} characters ({ids}): the models read "
                "the first {limit} (the whole text is kept).",
                "{count} offer descriptions over {limit} characters ({ids}): the models read "
                "the first {limit} (the whole text is kept).",
                len(long),
            ).format(count=len(long), limit=number(MAX_MODEL_CHARS, 0), ids=_some_ids(long))
        )
    return warnings


#: Where an offer came from, in ``extra["source"]``: set by the scraper, the paste reader and
#: the France Travail import; :func:`with_source` sets it for files and the demo offers.
SOURCE_FIELD = "source"
#: The demo offers' source.
DEMO_SOURCE = "demo"
#: Sources named for people; any other source is a file name, shown as it is.
SOURCE_LABELS = {
    "hellowork": "HelloWork",
    "france-travail": "France Travail",
    "paste": N_("Pasted"),
    DEMO_SOURCE: N_("Demo offers"),
    "": N_("Other"),
}
#: Publication windows (the scraper's ``since`` values): their label and length in days.
PUBLISHED_WINDOWS: dict[str, tuple[str, int | None]] = {
    "all": (N_("Any time"), None),
    "24h": (N_("Last 24 hours"), 1),
    "3d": (N_("Last 3 days"), 3),
    "week": (N_("Last week"), 7),
    "month": (N_("Last month"), 31),
}
#: Extra fields that hold a publication date (scraped and France Travail offers; demo offers).
_DATE_FIELDS = ("published_at", "published")


def offer_source(offer: Offer) -> str:
    """Where the offer came from (see :data:`SOURCE_FIELD`); empty when unknown."""
    return offer.extra.get(SOURCE_FIELD, "")


def source_label(source: str) -> str:
    """A source as people name it, in the current language (a file name as it is)."""
    label = SOURCE_LABELS.get(source)
    return source if label is None else _(label)


def with_source(offers: Iterable[Offer], source: str) -> list[Offer]:
    """The offers with ``source`` as their :func:`offer_source` where they have none."""
    return [
        offer
        if offer_source(offer)
        else replace(offer, extra={**offer.extra, SOURCE_FIELD: source})
        for offer in offers
    ]


def published_on(offer: Offer) -> date | None:
    """The offer's publication date (an ISO date or date-time in its extra fields), or
    ``None`` when it has none that can be read."""
    for name in _DATE_FIELDS:
        try:
            return date.fromisoformat(offer.extra.get(name, "")[:10])
        except ValueError:
            continue
    return None


def filter_offers(
    offers: Sequence[Offer],
    sources: Collection[str] = (),
    since: str = "all",
    today: date | None = None,
) -> list[Offer]:
    """The offers from one of ``sources`` published within the window ``since``.

    Args:
        offers: Offers, kept in their order.
        sources: Accepted :func:`offer_source` values; empty keeps every source.
        since: A :data:`PUBLISHED_WINDOWS` key; offers without a date pass ``"all"`` only.
        today: The end of the window. Default: today.
    """
    days = PUBLISHED_WINDOWS[since][1]
    first = date.min if days is None else (today or date.today()) - timedelta(days=days)
    return [
        offer
        for offer in offers
        if (not sources or offer_source(offer) in sources)
        and (days is None or (published_on(offer) or date.min) >= first)
    ]


def unique_labels(labels: Iterable[str]) -> list[str]:
    """The labels in order, repeats suffixed ``~2``, ``~3``… so each names one item."""
    seen: dict[str, int] = {}
    result = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        result.append(label if seen[label] == 1 else f"{label}~{seen[label]}")
    return result


def dedupe_ids(offers: Iterable[Offer]) -> list[Offer]:
    """Give repeated ids a ``~2``, ``~3``… suffix so every offer stays addressable."""
    offers = list(offers)
    ids = unique_labels(offer.id for offer in offers)
    return [
        offer if new_id == offer.id else Offer(**{**asdict(offer), "id": new_id})
        for offer, new_id in zip(offers, ids, strict=True)
    ]
