"""What extraction returns: the clean text, where each page lies in it, and what was set aside."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpan:
    """Where one page lies in :attr:`ExtractedDocument.text`.

    Args:
        number: Page number, starting at 1.
        start: Offset of the page's first character in the text.
        end: Offset just past the page's last character (``text[start:end]`` is the page).
    """

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class ExtractedDocument:
    """A document read into clean text.

    Args:
        text: Clean text used for matching; pages are separated by a blank line, never a marker.
        pages: One span per page (a DOCX or TXT file is one page).
        warnings: Human-readable notes, e.g. hidden text removed or pages without text.
        hidden_text: Text removed because it was invisible (white on white, tiny font, outside
            the page); empty when there was none.
        file_type: ``"pdf"``, ``"docx"`` or ``"txt"``.
        name: Sanitised file name (see :func:`jobmatch.documents.safe_filename`).
        sha256: Hex SHA-256 of the original bytes.
    """

    text: str
    pages: tuple[PageSpan, ...]
    warnings: tuple[str, ...]
    hidden_text: str
    file_type: str
    name: str
    sha256: str


@dataclass(frozen=True)
class RawDocument:
    """What a format reader hands back before cleaning.

    Args:
        pages: Raw text of each page, in order.
        hidden_text: Raw hidden text, empty when there was none.
        warnings: Notes for the user.
    """

    pages: tuple[str, ...]
    hidden_text: str = ""
    warnings: tuple[str, ...] = ()
