"""Reading order from word positions: rows, paragraphs and two-column pages.

Everything here works on plain boxes in PDF points (``top`` grows downwards), so it can be
tested without a PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

#: A column gutter is at least this wide, in points.
MIN_GUTTER_WIDTH = 8.0
#: Words crossing a gutter may cover at most this share of the text's height (full-width
#: header lines do).
MAX_GUTTER_CROSSING = 0.2
#: Each column needs this many words, spanning at least this share of the text's extent.
MIN_COLUMN_WORDS = 5
MIN_COLUMN_SPAN = 0.25
#: A page needs this many words before columns are looked for.
MIN_WORDS_FOR_COLUMNS = 20
#: Within a row, a gap this many times the row's median gap is a word gap in letter-spaced
#: text; it is written as two spaces.
WIDE_GAP_RATIO = 1.6
#: A vertical gap between rows over this share of the median row height starts a paragraph.
PARAGRAPH_GAP_RATIO = 0.7


@dataclass(frozen=True)
class Word:
    """A word and its box on the page, in points."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        """Box height."""
        return self.bottom - self.top

    @property
    def mid_x(self) -> float:
        """Horizontal centre."""
        return (self.x0 + self.x1) / 2

    @property
    def mid_y(self) -> float:
        """Vertical centre."""
        return (self.top + self.bottom) / 2


def _covered_height(intervals: Sequence[tuple[float, float]]) -> float:
    """Total length of the union of ``(start, end)`` intervals."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def _vertical_coverage(words: Sequence[Word]) -> float:
    return _covered_height([(word.top, word.bottom) for word in words])


def _extent(words: Sequence[Word]) -> float:
    return max(word.bottom for word in words) - min(word.top for word in words) if words else 0.0


def find_gutter(words: Sequence[Word]) -> float | None:
    """Find the gap between two columns, if the words form two columns.

    A gutter is a band at least :data:`MIN_GUTTER_WIDTH` wide that words cross over at most
    :data:`MAX_GUTTER_CROSSING` of the text's height (full-width rows such as a header do),
    with at least :data:`MIN_COLUMN_WORDS` words on each side spanning at least
    :data:`MIN_COLUMN_SPAN` of the text's extent. Of several bands, the widest wins.

    Returns:
        The x position splitting the columns (the least crossed point of the band), or None
        for a single-column page.
    """
    if len(words) < MIN_WORDS_FOR_COLUMNS:
        return None
    limit = MAX_GUTTER_CROSSING * _vertical_coverage(words)
    min_span = MIN_COLUMN_SPAN * _extent(words)
    left_edge = min(word.x0 for word in words)
    occupancy = [0.0] * (int(max(word.x1 for word in words) - left_edge) + 2)
    for word in words:
        for index in range(int(word.x0 - left_edge), int(word.x1 - left_edge) + 1):
            occupancy[index] += word.height
    best: tuple[float, float] | None = None  # (band width, split)
    start: int | None = None
    for index, covered in enumerate([*occupancy, float("inf")]):
        if covered <= limit:
            start = index if start is None else start
            continue
        if start is not None and index - start >= MIN_GUTTER_WIDTH:
            run = occupancy[start:index]
            lowest = min(run)
            low = [start + i for i, value in enumerate(run) if value == lowest]
            split = left_edge + (low[0] + low[-1]) / 2 + 0.5
            left = [word for word in words if word.x1 <= split]
            right = [word for word in words if word.x0 >= split]
            if (
                (best is None or index - start > best[0])
                and min(len(left), len(right)) >= MIN_COLUMN_WORDS
                and min(_extent(left), _extent(right)) >= min_span
            ):
                best = (index - start, split)
        start = None
    return None if best is None else best[1]


def _rows(words: Sequence[Word]) -> list[list[Word]]:
    """Group words into rows (a word joins a row its vertical centre falls in), top to bottom."""
    rows: list[list[Word]] = []
    bounds: list[tuple[float, float]] = []
    for word in sorted(words, key=lambda item: (item.top, item.x0)):
        for row, (top, bottom) in zip(rows, bounds, strict=True):
            if top < word.mid_y < bottom:
                row.append(word)
                break
        else:
            rows.append([word])
            bounds.append((word.top, word.bottom))
    return [sorted(row, key=lambda item: item.x0) for row in rows]


def _row_text(row: Sequence[Word]) -> str:
    """Words of one row, with two spaces where the gap is wide for this row."""
    gaps = [max(nxt.x0 - word.x1, 0.0) for word, nxt in pairwise(row)]
    if not gaps:
        return row[0].text
    wide = WIDE_GAP_RATIO * max(median(gaps), 0.1)
    parts = [row[0].text]
    for gap, word in zip(gaps, row[1:], strict=True):
        parts.append("  " if gap > wide else " ")
        parts.append(word.text)
    return "".join(parts)


def rows_to_text(words: Sequence[Word]) -> str:
    """Read words row by row; a large vertical gap becomes a blank line."""
    rows = _rows(words)
    if not rows:
        return ""
    line_height = median(max(word.height for word in row) for row in rows)
    lines = [_row_text(rows[0])]
    for previous, row in pairwise(rows):
        gap = min(word.top for word in row) - max(word.bottom for word in previous)
        if gap > PARAGRAPH_GAP_RATIO * line_height:
            lines.append("")
        lines.append(_row_text(row))
    return "\n".join(lines)


def _blocks(words: Sequence[Word], middle: float) -> list[list[Word]]:
    """Split a two-column page into blocks in reading order.

    Rows holding a word that crosses ``middle`` are full width; between them, the left
    column's words come before the right column's.
    """
    spans = sorted((word.top, word.bottom) for word in words if word.x0 < middle < word.x1)
    merged: list[list[float]] = []
    for top, bottom in spans:
        if merged and top <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], bottom)
        else:
            merged.append([top, bottom])

    def span_of(word: Word) -> int | None:
        return next((i for i, (t, b) in enumerate(merged) if t <= word.mid_y <= b), None)

    full: dict[int, list[Word]] = {}
    columns: dict[int, tuple[list[Word], list[Word]]] = {}
    for word in words:
        index = span_of(word)
        if index is not None:
            full.setdefault(index, []).append(word)
            continue
        # Column words between full-width span ``index - 1`` and span ``index``.
        index = sum(1 for _, bottom in merged if bottom < word.mid_y)
        left, right = columns.setdefault(index, ([], []))
        (left if word.mid_x < middle else right).append(word)
    blocks: list[list[Word]] = []
    for index in range(len(merged) + 1):
        left, right = columns.get(index, ([], []))
        if left or right:
            blocks.extend(block for block in (left, right) if block)
        if index in full:
            if blocks and index - 1 in full and index not in columns:
                blocks[-1].extend(full[index])
            else:
                blocks.append(full[index])
    return blocks


def words_to_text(words: Sequence[Word]) -> str:
    """Text of a page's words in reading order: columns one after the other, not interleaved.

    Args:
        words: Upright words of one page.

    Returns:
        Lines separated by ``"\\n"``; blank lines between paragraphs and column blocks.
    """
    split = find_gutter(words)
    if split is None:
        return rows_to_text(words)
    return "\n\n".join(rows_to_text(block) for block in _blocks(words, split))
