"""Split long texts into chunks that fit a model's window, so nothing is silently truncated."""

from __future__ import annotations

import re
from collections.abc import Callable

# Sentence ends, or line breaks (CVs and offers are mostly bullet lines).
_SEGMENT = re.compile(r"(?<=[.!?;:])\s+|\n+")


def _segments(text: str) -> list[str]:
    return [segment.strip() for segment in _SEGMENT.split(text) if segment and segment.strip()]


def chunk_text(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> list[str]:
    """Pack whole sentences and lines into chunks of at most ``max_tokens`` tokens.

    A single segment longer than the window is cut between words. Chunks do not overlap, so
    every token is embedded exactly once.

    Args:
        text: Text to split.
        count_tokens: The model's token counter, special tokens included.
        max_tokens: The model's window.

    Returns:
        The chunks in reading order; ``[""]`` for blank text so every document has one vector.
    """
    overhead = count_tokens("")
    budget = max(8, max_tokens - overhead)
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for segment in _segments(text):
        cost = count_tokens(segment) - overhead
        if cost > budget:
            pieces = _split_words(segment, count_tokens, overhead, budget)
        else:
            pieces = [(segment, cost)]
        for piece, piece_cost in pieces:
            if current and used + piece_cost > budget:
                chunks.append(" ".join(current))
                current, used = [], 0
            current.append(piece)
            used += piece_cost
    if current:
        chunks.append(" ".join(current))
    return chunks or [""]


def _split_words(
    segment: str, count_tokens: Callable[[str], int], overhead: int, budget: int
) -> list[tuple[str, int]]:
    """Cut an over-long segment between words into pieces within ``budget``."""
    pieces: list[tuple[str, int]] = []
    words: list[str] = []
    for word in segment.split():
        candidate = " ".join([*words, word])
        cost = count_tokens(candidate) - overhead
        if words and cost > budget:
            piece = " ".join(words)
            pieces.append((piece, count_tokens(piece) - overhead))
            words = [word]
        else:
            words.append(word)
    if words:
        piece = " ".join(words)
        pieces.append((piece, count_tokens(piece) - overhead))
    return pieces
