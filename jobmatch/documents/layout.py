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
#: When this share of the rows of the shorter side line up with rows of the other side, the
#: two sides are one table-like flow (dates beside entries), not two columns.
MAX_ALIGNED_ROWS = 0.6
#: Most bins of the occupancy histogram used to find a gutter (1 point each on real pages).
MAX_BINS = 2000
#: A page needs this many words before columns are looked for.
MIN_WORDS_FOR_COLUMNS = 20
#: Within a row, a gap this many times the row's median gap is a word gap in letter-spaced
#: text; it is written as two spaces.
WIDE_GAP_RATIO = 1.6
#: A vertical gap between rows larger than the block's median gap by this share of the median
#: row height starts a paragraph.
PARAGRAPH_GAP_RATIO = 0.5


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


def _aligned_share(first: Sequence[Word], second: Sequence[Word]) -> float:
    """Share of the shorter side's rows whose bottom lines up with a row of the other side."""
    sides = sorted(
        ([max(w.bottom for w in row) for row in _rows(side)] for side in (first, second)), key=len
    )
    shorter, longer = sides
    if not shorter:
        return 0.0
    tolerance = 0.2 * median(word.height for word in [*first, *second])
    return sum(any(abs(a - b) <= tolerance for b in longer) for a in shorter) / len(shorter)


def _splits_columns(words: Sequence[Word], split: float, min_span: float) -> bool:
    """Whether the words left and right of ``split`` read as two independent columns."""
    left = [word for word in words if word.x1 <= split]
    right = [word for word in words if word.x0 >= split]
    return (
        min(len(left), len(right)) >= MIN_COLUMN_WORDS
        and min(_extent(left), _extent(right)) >= min_span
        and _aligned_share(left, right) < MAX_ALIGNED_ROWS
    )


def find_gutter(words: Sequence[Word]) -> float | None:
    """Find the gap between two columns, if the words form two columns.

    A gutter is a band at least :data:`MIN_GUTTER_WIDTH` wide that words cross over at most
    :data:`MAX_GUTTER_CROSSING` of the text's height (full-width rows such as a header do),
    with at least :data:`MIN_COLUMN_WORDS` words on each side spanning at least
    :data:`MIN_COLUMN_SPAN` of the text's extent, and rows that mostly do not line up across
    it (see :data:`MAX_ALIGNED_ROWS`). Of several bands, the widest wins.

    Returns:
        The x position splitting the columns (the least crossed point of the band), or None
        for a single-column page.
    """
    if len(words) < MIN_WORDS_FOR_COLUMNS:
        return None
    limit = MAX_GUTTER_CROSSING * _vertical_coverage(words)
    min_span = MIN_COLUMN_SPAN * _extent(words)
    left_edge = min(word.x0 for word in words)
    # Occupancy of 1-point bins (wider on absurdly wide pages, to bound the work).
    text_width = max(word.x1 for word in words) - left_edge
    scale = max(1.0, text_width / MAX_BINS)
    occupancy = [0.0] * (int(text_width / scale) + 2)
    for word in words:
        for index in range(
            int((word.x0 - left_edge) / scale), int((word.x1 - left_edge) / scale) + 1
        ):
            occupancy[index] += word.height
    best: tuple[float, float] | None = None  # (band width, split)
    start: int | None = None
    for index, covered in enumerate([*occupancy, float("inf")]):
        if covered <= limit:
            start = index if start is None else start
            continue
        width = (index - start) * scale if start is not None else 0.0
        if start is not None and width >= MIN_GUTTER_WIDTH and (best is None or width > best[0]):
            run = occupancy[start:index]
            lowest = min(run)
            low = [start + i for i, value in enumerate(run) if value == lowest]
            split = left_edge + ((low[0] + low[-1]) / 2 + 0.5) * scale
            if _splits_columns(words, split, min_span):
                best = (width, split)
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
    """Read words row by row; an unusually large vertical gap becomes a blank line."""
    rows = _rows(words)
    if not rows:
        return ""
    line_height = median(max(word.height for word in row) for row in rows)
    gaps = [
        min(word.top for word in row) - max(word.bottom for word in previous)
        for previous, row in pairwise(rows)
    ]
    paragraph_gap = max(median(gaps), 0.0) + PARAGRAPH_GAP_RATIO * line_height if gaps else 0.0
    lines = [_row_text(rows[0])]
    for gap, row in zip(gaps, rows[1:], strict=True):
        if gap > paragraph_gap:
            lines.append("")
        lines.append(_row_text(row))
    return "\n".join(lines)


def _reach(word: Word) -> float:
    """Widest gap that still reads as a word gap next to this word (points)."""
    return max(MIN_GUTTER_WIDTH, 0.6 * word.height)


def _bridges(words: Sequence[Word], split: float) -> list[Word]:
    """Words that tie a line across ``split``: those covering it, and neighbours on one line
    whose gap at the split is narrower than a gutter (a header line whose word gap happens to
    fall on the split)."""
    bridges = [word for word in words if word.x0 < split < word.x1]
    lefts = [word for word in words if 0 <= split - word.x1 < _reach(word)]
    rights = [word for word in words if 0 <= word.x0 - split < _reach(word)]
    for left in lefts:
        for right in rights:
            overlap = min(left.bottom, right.bottom) - max(left.top, right.top)
            same_line = overlap > 0.5 * min(left.height, right.height)
            if same_line and right.x0 - left.x1 < max(_reach(left), _reach(right)):
                bridges += [left, right]
    return bridges


def _blocks(words: Sequence[Word], middle: float) -> list[list[Word]]:
    """Split a two-column page into blocks in reading order.

    Rows holding a word that ties a line across ``middle`` (see :func:`_bridges`) are full
    width; between them, the left column's words come before the right column's.
    """
    spans = sorted((word.top, word.bottom) for word in _bridges(words, middle))
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
