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

#: Text in a smaller font (points) is treated as hidden.
TINY_FONT_PT = 4.0
#: Text whose colour differs from its background by less than this (largest RGB channel
#: difference, 0–1) is treated as hidden.
MIN_CONTRAST = 0.1
#: A page with images and fewer visible characters than this is reported as likely scanned.
MIN_PAGE_CHARS = 20
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

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.bottom - self.top)

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.top <= y <= self.bottom


@dataclass(frozen=True)
class _PageObjects:
    """What one page holds, read from pdfplumber in one go."""

    bbox: tuple[float, float, float, float]
    chars: list[dict[str, Any]]
    shapes: list[dict[str, Any]]
    images: list[dict[str, Any]]

    @classmethod
    def load(cls, page: Any) -> _PageObjects:
        return cls(page.bbox, page.chars, [*page.rects, *page.curves], page.images)


def _fills(page: _PageObjects) -> list[_Fill]:
    """Filled rectangles and curves (their bounding boxes), and images as unknown colour."""
    fills = [
        _Fill(obj["x0"], obj["top"], obj["x1"], obj["bottom"], None) for obj in page.images
    ]
    for obj in page.shapes:
        if obj.get("fill") and obj["x1"] - obj["x0"] > 2 and obj["bottom"] - obj["top"] > 2:
            rgb = _to_rgb(obj.get("non_stroking_color"), obj.get("ncs"))
            fills.append(_Fill(obj["x0"], obj["top"], obj["x1"], obj["bottom"], rgb))
    return fills


def _is_rotated(char: dict[str, Any]) -> bool:
    a, b = char["matrix"][:2]
    return a <= 0 or abs(b) > 0.1 * a


def _centre(char: dict[str, Any]) -> tuple[float, float]:
    return (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2


class _HiddenTest:
    """Decides whether a character is hidden on one page, and says why."""

    def __init__(self, page: _PageObjects) -> None:
        self.bbox = page.bbox
        self.fills = _fills(page)
        self._near: dict[tuple[Any, Any], list[_Fill] | None] = {}

    def _suspect_fills(self, rgb: Rgb) -> list[_Fill] | None:
        """Fills this colour could vanish on; None when the colour is plainly visible."""
        near = [fill for fill in self.fills if fill.rgb and _contrast(rgb, fill.rgb) < MIN_CONTRAST]
        return near if near or _contrast(rgb, _WHITE) < MIN_CONTRAST else None

    def reason(self, char: dict[str, Any]) -> str | None:
        """``"tiny font"``, ``"outside the page"``, ``"same colour as background"`` or None."""
        if char["size"] < TINY_FONT_PT:
            return "tiny font"
        x, y = _centre(char)
        x0, top, x1, bottom = self.bbox
        if not (x0 <= x <= x1 and top <= y <= bottom):
            return "outside the page"
        key = (str(char.get("non_stroking_color")), char.get("ncs"))
        if key not in self._near:
            rgb = _to_rgb(char.get("non_stroking_color"), char.get("ncs"))
            self._near[key] = None if rgb is None else self._suspect_fills(rgb)
        if self._near[key] is None:
            return None
        under = [fill for fill in self.fills if fill.contains(x, y)]
        background = min(under, key=lambda fill: fill.area).rgb if under else _WHITE
        rgb = _to_rgb(char.get("non_stroking_color"), char.get("ncs"))
        if background is None or rgb is None or _contrast(rgb, background) >= MIN_CONTRAST:
            return None
        return "same colour as background"


def _dedupe(chars: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop glyphs drawn twice at (almost) the same place, as fake-bold text does."""
    seen: set[tuple[str, int, int]] = set()
    kept = []
    for char in chars:
        x, y = round(char["x0"]), round(char["top"])
        near = {(char["text"], x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)}
        if seen.isdisjoint(near):
            kept.append(char)
        seen.add((char["text"], x, y))
    return kept


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
        steps = [_step(a, b) for a, b in zip(run, run[1:], strict=False)]
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
    for char in _dedupe(page.chars):
        if char["text"].isspace():
            (rotated if _is_rotated(char) else visible).append(char)
            continue
        reason = test.reason(char)
        if reason:
            reasons[reason] += 1
            hidden.append(char)
        elif _is_rotated(char):
            rotated.append(char)
        else:
            visible.append(char)
    # Rotated whitespace only separates words inside a run; it does not start one.
    while rotated and rotated[0]["text"].isspace():
        rotated.pop(0)
    parts = [*_rotated_lines(rotated), words_to_text(_words(visible))]
    return _PageText(
        text="\n\n".join(part for part in parts if part),
        hidden=rows_to_text(_words(hidden)),
        hidden_reasons=reasons,
        visible_chars=sum(not char["text"].isspace() for char in visible + rotated),
        has_images=bool(page.images),
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
                f"'{name}' is password-protected. Remove the password (for example by "
                "printing it to a new PDF) and upload it again."
            ) from exc
        raise CorruptDocument(
            f"'{name}' is damaged or incomplete and cannot be read as a PDF ({cause})."
        ) from exc
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        raise CorruptDocument(
            f"'{name}' is damaged or incomplete and cannot be read as a PDF "
            f"({type(exc).__name__}: {exc})."
        ) from exc


def _declared_page_count(pdf: Any) -> int | None:
    """The page count the file declares, read without loading any page."""
    try:
        return int(resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"]))
    except (KeyError, TypeError, ValueError):
        return None


def _hidden_warning(reasons: Counter[str], pages: list[int]) -> str:
    detail = ", ".join(f"{reason}: {count}" for reason, count in reasons.most_common())
    where = ", ".join(str(number) for number in pages)
    return (
        f"Hidden text removed ({sum(reasons.values())} characters on page(s) {where}; "
        f"{detail}). Invisible text is a known trick to game CV filters; it is not used for "
        "matching."
    )


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
        f"'{name}' has more than {max_pages} pages; upload a shorter document."
    )
    with _pdf_errors(name):
        pdf = pdfplumber.open(io.BytesIO(data))
    with pdf:
        declared = _declared_page_count(pdf)
        if declared is not None and declared > max_pages:
            raise too_long
        with _pdf_errors(name):
            count = len(pdf.pages)
        if count > max_pages:
            raise too_long
        if not count:
            raise CorruptDocument(f"'{name}' has no pages.")
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
        if page.visible_chars < MIN_PAGE_CHARS and page.has_images:
            warnings.append(
                f"Page {number} holds images but almost no text: it may be scanned. Run OCR "
                "(for example ocrmypdf) on the file to include its text."
            )
    return RawDocument(
        pages=tuple(page.text for page in pages),
        hidden_text="\n\n".join(page.hidden for page in pages if page.hidden),
        warnings=tuple(warnings),
    )
