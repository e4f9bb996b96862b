"""PDF pages to raw text with pdfplumber: hidden text set aside, rotated text rejoined.

Each character is sorted into one of three groups before words are built:

- hidden: a font under :data:`TINY_FONT_PT`, a centre outside the page box, or a colour too
  close to what lies under it (white on white; white on a dark sidebar is kept);
- rotated: a glyph whose text matrix is not horizontal (vertical or curved headings), read in
  drawing order and written as separate lines at the start of the page;
- visible: built into words, then read in column order by :mod:`jobmatch.documents.layout`.
"""

from __future__ import annotations

import io
import logging
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdftypes import resolve1
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.text import extract_words

from jobmatch.documents.errors import CorruptDocument, DocumentTooLarge, EncryptedDocument
from jobmatch.documents.layout import Word, rows_to_text, words_to_text
from jobmatch.documents.model import RawDocument
from jobmatch.i18n import N_, _, ngettext

#: Text in a smaller font (points) is treated as hidden.
TINY_FONT_PT = 4.0
#: Text whose colour differs from its background by less than this (largest RGB channel
#: difference, 0–1) is treated as hidden.
MIN_CONTRAST = 0.1
#: A page with images and fewer visible characters than this is reported as likely scanned; a
#: PDF with fewer letters and digits than this in all has no extractable text.
MIN_TEXT_CHARS = 20
#: Glyphs turned by more than this many degrees are read as rotated text.
MAX_UPRIGHT_DEGREES = 6.0
#: Characters start a new word when the gap exceeds this share of their font size.
X_TOLERANCE_RATIO = 0.15

Rgb = tuple[float, float, float]
_WHITE: Rgb = (1.0, 1.0, 1.0)
_COMPONENTS = {"Gray": 1, "RGB": 3, "CMYK": 4}

# pdfminer logs every font quirk as a warning; keep those out of the user's console unless the
# application configured that logger itself.
if logging.getLogger("pdfminer").level == logging.NOTSET:
    logging.getLogger("pdfminer").setLevel(logging.ERROR)


def _to_rgb(color: Any, space: Any) -> Rgb | None:
    """Convert a pdfplumber colour to RGB in 0–1; None when it cannot be told (patterns,
    spot colours, indexed colours)."""
    if isinstance(color, int | float):
        color = (color,)
    if not isinstance(color, tuple | list) or not all(
        isinstance(value, int | float) for value in color
    ):
        return None
    name = str(space or "")
    expected = next((n for key, n in _COMPONENTS.items() if key in name), None)
    if expected is None and name and not name.startswith(("ICC", "Cal")):
        return None
    values = [min(max(float(value), 0.0), 1.0) for value in color]
    if expected is not None and len(values) != expected:
        return None
    if len(values) == 1:
        return (values[0],) * 3
    if len(values) == 3:
        return (values[0], values[1], values[2])
    if len(values) == 4:
        cyan, magenta, yellow, black = values
        return ((1 - cyan) * (1 - black), (1 - magenta) * (1 - black), (1 - yellow) * (1 - black))
    return None


def _contrast(first: Rgb, second: Rgb) -> float:
    return max(abs(a - b) for a, b in zip(first, second, strict=True))


@dataclass(frozen=True)
class _Fill:
    """A filled shape or an image that text may sit on; ``rgb`` None means unknown."""

    x0: float
    top: float
    x1: float
    bottom: float
    rgb: Rgb | None
    order: int

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.top <= y <= self.bottom


@dataclass(frozen=True)
class _PageObjects:
    """What one page holds, read from pdfplumber in one pass.

    ``chars`` carry an ``"order"`` key: their place in the drawing order, shared with
    ``fills``, so that the shape drawn under a character can be told. Glyphs with non-finite
    coordinates (broken or hostile files) are dropped.
    """

    bbox: tuple[float, float, float, float]
    chars: list[dict[str, Any]]
    fills: list[_Fill]
    has_images: bool

    @classmethod
    def load(cls, page: Any) -> _PageObjects:
        chars, fills, images = [], [], 0
        for order, obj in enumerate(page.iter_layout_objects(list(page.layout))):
            kind = obj["object_type"]
            box = (obj["x0"], obj["top"], obj["x1"], obj["bottom"])
            if kind == "char":
                if all(math.isfinite(value) for value in (*box, obj["size"])):
                    obj["order"] = order
                    chars.append(obj)
            elif kind == "image":
                images += 1
                fills.append(_Fill(*box, None, order))
            elif (
                kind in ("rect", "curve")
                and obj.get("fill")
                and min(box[2] - box[0], box[3] - box[1]) > 2
            ):
                rgb = _to_rgb(obj.get("non_stroking_color"), obj.get("ncs"))
                fills.append(_Fill(*box, rgb, order))
        return cls(page.bbox, chars, fills, images > 0)


def _rotated_flags(chars: Sequence[dict[str, Any]]) -> list[bool]:
    """Which glyphs are rotated: turned more than :data:`MAX_UPRIGHT_DEGREES`, or tilted at all
    and drawn next to a rotated glyph (the flat top of a text arc)."""
    angles = [abs(math.degrees(math.atan2(c["matrix"][1], c["matrix"][0]))) for c in chars]
    flags = [angle > MAX_UPRIGHT_DEGREES for angle in angles]
    for index, angle in enumerate(angles):
        neighbours = (flags[i] for i in (index - 1, index + 1) if 0 <= i < len(flags))
        if angle > 0.3 and any(neighbours):
            flags[index] = True
    return flags


def _centre(char: dict[str, Any]) -> tuple[float, float]:
    return (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2


class _HiddenTest:
    """Decides whether a character is hidden on one page, and says why."""

    def __init__(self, page: _PageObjects) -> None:
        self.bbox = page.bbox
        self.fills = page.fills
        self._suspect: dict[tuple[str, str], Rgb | None] = {}

    def _suspect_colour(self, char: dict[str, Any]) -> Rgb | None:
        """The character's colour when it could vanish on the page (near white, or near the
        colour of some fill); None when it is plainly visible or unknown."""
        key = (str(char.get("non_stroking_color")), str(char.get("ncs")))
        if key not in self._suspect:
            rgb = _to_rgb(char.get("non_stroking_color"), char.get("ncs"))
            near = rgb is not None and (
                _contrast(rgb, _WHITE) < MIN_CONTRAST
                or any(fill.rgb and _contrast(rgb, fill.rgb) < MIN_CONTRAST for fill in self.fills)
            )
            self._suspect[key] = rgb if near else None
        return self._suspect[key]

    def reason(self, char: dict[str, Any]) -> str | None:
        """``"tiny font"``, ``"outside the page"``, ``"same colour as background"`` or None.

        The background is the last shape or image drawn before the character under its
        centre, or white paper; text on an image counts as visible.
        """
        if char["size"] < TINY_FONT_PT:
            return N_("tiny font")
        x, y = _centre(char)
        x0, top, x1, bottom = self.bbox
        if not (x0 <= x <= x1 and top <= y <= bottom):
            return N_("outside the page")
        rgb = self._suspect_colour(char)
        if rgb is None:
            return None
        under = [f for f in self.fills if f.order < char["order"] and f.contains(x, y)]
        background = max(under, key=lambda fill: fill.order).rgb if under else _WHITE
        if background is None or _contrast(rgb, background) >= MIN_CONTRAST:
            return None
        return N_("same colour as background")


def _dedupe(chars: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop glyphs drawn twice at (almost) the same place, as fake-bold text does.

    Two glyphs are duplicates when text, font and size match and their positions differ by
    less than a fifth of the size (1 point at most).
    """
    seen: set[tuple[str, str, float, int, int]] = set()
    kept = []
    for char in chars:
        size = round(char["size"], 1)
        step = min(1.0, max(size, 0.5) / 5)
        x, y = int(char["x0"] // step), int(char["top"] // step)
        key = (char["text"], char["fontname"], size)
        near = {(*key, x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)}
        if seen.isdisjoint(near):
            kept.append(char)
        seen.add((*key, x, y))
    return kept


def _in_line(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Whether two glyphs sit side by side on one line."""
    size = max(first["size"], second["size"], 1.0)
    return abs(first["top"] - second["top"]) < 0.3 * size and (
        min(abs(first["x1"] - second["x0"]), abs(second["x1"] - first["x0"])) < size
    )


def _stray_space(chars: Sequence[dict[str, Any]], index: int) -> bool:
    """A whitespace glyph drawn on its own, away from the text before and after it in the
    drawing order; it would split a word of another line."""
    neighbours = [chars[i] for i in (index - 1, index + 1) if 0 <= i < len(chars)]
    return not any(_in_line(chars[index], other) for other in neighbours)


def _words(chars: Sequence[dict[str, Any]]) -> list[Word]:
    return [
        Word(word["text"], word["x0"], word["x1"], word["top"], word["bottom"])
        for word in extract_words(list(chars), x_tolerance_ratio=X_TOLERANCE_RATIO)
    ]


def _rotated_lines(chars: Sequence[dict[str, Any]]) -> list[str]:
    """Rejoin rotated glyphs in drawing order, one line per run of consecutive glyphs.

    A step between glyph origins over 1.6 times the run's median step is a word gap; over
    four times the glyph size, a new line.
    """
    runs: list[list[dict[str, Any]]] = []
    previous: dict[str, Any] | None = None
    for char in chars:
        if previous is not None and runs and _step(previous, char) <= 4 * max(char["size"], 1):
            runs[-1].append(char)
        else:
            runs.append([char])
        previous = char
    lines = []
    for run in runs:
        steps = [_step(a, b) for a, b in pairwise(run)]
        wide = 1.6 * median(steps) if steps else 0.0
        text = run[0]["text"]
        for step, char in zip(steps, run[1:], strict=True):
            text += (" " if step > wide else "") + char["text"]
        lines.append(" ".join(text.split()))
    return [line for line in lines if line]


def _step(first: dict[str, Any], second: dict[str, Any]) -> float:
    return math.dist(first["matrix"][4:6], second["matrix"][4:6])


@dataclass
class _PageText:
    text: str
    hidden: str
    hidden_reasons: Counter[str]
    visible_chars: int
    has_images: bool


def _read_page(page: _PageObjects) -> _PageText:
    """Sort one page's characters into hidden, rotated and visible, and lay out each group."""
    test = _HiddenTest(page)
    hidden, rotated, visible = [], [], []
    reasons: Counter[str] = Counter()
    chars = _dedupe(page.chars)
    for index, (char, is_rotated) in enumerate(zip(chars, _rotated_flags(chars), strict=True)):
        if is_rotated and char["text"].isspace():
            rotated.append(char)
        elif char["text"].isspace():
            if not _stray_space(chars, index):
                visible.append(char)
        elif reason := test.reason(char):
            reasons[reason] += 1
            hidden.append(char)
        else:
            (rotated if is_rotated else visible).append(char)
    # Rotated whitespace only separates words inside a run; it does not start one.
    while rotated and rotated[0]["text"].isspace():
        rotated.pop(0)
    parts = [*_rotated_lines(rotated), words_to_text(_words(visible))]
    return _PageText(
        text="\n\n".join(part for part in parts if part),
        hidden=rows_to_text(_words(hidden)),
        hidden_reasons=reasons,
        visible_chars=sum(not char["text"].isspace() for char in visible + rotated),
        has_images=page.has_images,
    )


@contextmanager
def _pdf_errors(name: str) -> Iterator[None]:
    """Turn pdfminer and pdfplumber failures into :class:`DocumentError` subclasses."""
    try:
        yield
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise EncryptedDocument(
                _(
                    "'{name}' is password-protected. Remove the password (for example by "
                    "printing it to a new PDF) and upload it again."
                ).format(name=name)
            ) from exc
        raise CorruptDocument(_damaged(name, str(cause))) from exc
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        raise CorruptDocument(_damaged(name, f"{type(exc).__name__}: {exc}")) from exc


def _damaged(name: str, cause: str) -> str:
    return _("'{name}' is damaged or incomplete and cannot be read as a PDF ({cause}).").format(
        name=name, cause=cause
    )


def _declared_page_count(pdf: Any) -> int | None:
    """The page count the file declares, read without loading any page."""
    try:
        return int(resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"]))
    except (KeyError, TypeError, ValueError):
        return None


def _hidden_warning(reasons: Counter[str], pages: list[int]) -> str:
    detail = ", ".join(
        _("{label}: {value}").format(label=_(reason), value=count)
        for reason, count in reasons.most_common()
    )
    where = ", ".join(str(page) for page in pages)
    return ngettext(
        "Hidden text removed ({count} characters on page {pages}; {detail}). Invisible text is "
        "a known trick to game CV filters; it is not used for matching.",
        "Hidden text removed ({count} characters on pages {pages}; {detail}). Invisible text is "
        "a known trick to game CV filters; it is not used for matching.",
        len(pages),
    ).format(count=sum(reasons.values()), pages=where, detail=detail)


def read_pdf(data: bytes, name: str, max_pages: int) -> RawDocument:
    """Read a PDF's pages into raw text.

    Args:
        data: The file's bytes.
        name: File name used in messages.
        max_pages: Longest document accepted, checked before any page is read.

    Returns:
        One raw text per page, the hidden text and warnings.

    Raises:
        EncryptedDocument, CorruptDocument, DocumentTooLarge.
    """
    too_long = DocumentTooLarge(
        _("'{name}' has more than {count} pages; upload a shorter document.").format(
            name=name, count=max_pages
        )
    )
    with _pdf_errors(name):
        pdf = pdfplumber.open(io.BytesIO(data))
    with pdf:
        with _pdf_errors(name):
            declared = _declared_page_count(pdf)
        if declared is not None and declared > max_pages:
            raise too_long
        with _pdf_errors(name):
            count = len(pdf.pages)
        if count > max_pages:
            raise too_long
        if not count:
            raise CorruptDocument(
                _("'{name}' has no readable page: its page tree is empty or broken.").format(
                    name=name
                )
            )
        pages: list[_PageText] = []
        for page in pdf.pages:
            with _pdf_errors(name):
                objects = _PageObjects.load(page)
            page.close()
            pages.append(_read_page(objects))
    warnings = []
    reasons = sum((page.hidden_reasons for page in pages), Counter())
    if reasons:
        with_hidden = [number for number, page in enumerate(pages, 1) if page.hidden_reasons]
        warnings.append(_hidden_warning(reasons, with_hidden))
    for number, page in enumerate(pages, 1):
        if page.visible_chars < MIN_TEXT_CHARS and page.has_images:
            warnings.append(
                _(
                    "Page {number} holds images but almost no text: it may be scanned. Run OCR "
                    "(for example ocrmypdf) on the file to include its text."
                ).format(number=number)
            )
    return RawDocument(
        pages=tuple(page.text for page in pages),
        hidden_text="\n\n".join(page.hidden for page in pages if page.hidden),
        warnings=tuple(warnings),
    )
