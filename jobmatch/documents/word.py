"""Word (.docx) files to raw text with python-docx: paragraphs, tables and text boxes in order."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx
from docx.document import Document
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from jobmatch.documents.errors import CorruptDocument, DocumentTooLarge, UnsupportedDocument
from jobmatch.documents.model import RawDocument

#: Largest total uncompressed size of a .docx archive, in bytes (guards against zip bombs).
MAX_DOCX_UNCOMPRESSED_BYTES = 200_000_000

_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TEXT_BOX = qn("w:txbxContent")


def _runs_text(paragraph: Paragraph) -> tuple[str, str]:
    """Visible and hidden (``w:vanish``) text of a paragraph."""
    visible, hidden = [], []
    for item in paragraph.iter_inner_content():
        runs = [item] if isinstance(item, Run) else item.runs
        for run in runs:
            (hidden if run.font.hidden else visible).append(run.text)
    return "".join(visible), "".join(hidden)


def _text_boxes(paragraph: Paragraph) -> Iterator[Paragraph]:
    """Paragraphs of text boxes anchored in ``paragraph`` (not their VML fallback copies)."""
    for box in paragraph._p.iter(_TEXT_BOX):
        if not any(ancestor.tag == _FALLBACK for ancestor in box.iterancestors()):
            yield from (Paragraph(p, paragraph._parent) for p in box.iterchildren(qn("w:p")))


def _paragraphs(paragraph: Paragraph) -> Iterator[tuple[str, str]]:
    yield _runs_text(paragraph)
    for inner in _text_boxes(paragraph):
        yield _runs_text(inner)


def _blocks(container: Document | _Cell) -> Iterator[tuple[str, str]]:
    """``(visible, hidden)`` text of each line of a body or table cell, in document order."""
    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            yield from _paragraphs(item)
        else:
            yield from _table(item)


def _table(table: Table) -> Iterator[tuple[str, str]]:
    """One line per row of short cells (``"a | b"``); cells holding more are read in turn."""
    for row in table.rows:
        cells: list[_Cell] = []
        for cell in row.cells:  # a merged cell is repeated; read it once
            if not cells or cell._tc is not cells[-1]._tc:
                cells.append(cell)
        contents = [list(_blocks(cell)) for cell in cells]
        if all(len(lines) <= 1 for lines in contents):
            visible = " | ".join(lines[0][0] for lines in contents if lines and lines[0][0])
            hidden = " ".join(lines[0][1] for lines in contents if lines and lines[0][1])
            yield visible, hidden
            continue
        yield ("", "")
        for lines in contents:
            yield from lines
            yield ("", "")


def _header_footer_lines(document: Document) -> tuple[list[str], list[str]]:
    """Distinct header and footer paragraphs of all sections."""
    headers: list[str] = []
    footers: list[str] = []
    for section in document.sections:
        for part, lines in ((section.header, headers), (section.footer, footers)):
            for paragraph in part.paragraphs:
                if paragraph.text.strip() and paragraph.text not in lines:
                    lines.append(paragraph.text)
    return headers, footers


def read_docx(data: bytes, name: str) -> RawDocument:
    """Read a .docx file into raw text: headers, body (paragraphs, tables, text boxes), footers.

    Args:
        data: The file's bytes (a ZIP archive).
        name: File name used in messages.

    Returns:
        One page of raw text, and any hidden (``w:vanish``) text.

    Raises:
        CorruptDocument, UnsupportedDocument, DocumentTooLarge.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise CorruptDocument(f"'{name}' is damaged or incomplete and cannot be read.") from exc
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise UnsupportedDocument(
            f"'{name}' is a ZIP archive, not a Word document. Upload a PDF, DOCX or TXT file."
        )
    if sum(entry.file_size for entry in entries) > MAX_DOCX_UNCOMPRESSED_BYTES:
        raise DocumentTooLarge(
            f"'{name}' expands to more than {MAX_DOCX_UNCOMPRESSED_BYTES // 1_000_000} MB when "
            "unpacked; it cannot be read."
        )
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_blocks(document))
        headers, footers = _header_footer_lines(document)
    except (OpcError, KeyError, ValueError, zipfile.BadZipFile, SyntaxError) as exc:
        # lxml's XMLSyntaxError derives from SyntaxError.
        raise CorruptDocument(
            f"'{name}' is damaged and cannot be read as a Word document ({exc})."
        ) from exc
    text = "\n".join([*headers, *(visible for visible, _ in lines), *footers])
    hidden = "\n".join(hidden for _, hidden in lines if hidden)
    warnings = ()
    if hidden.strip():
        warnings = (
            "Hidden text removed (text formatted as hidden in Word); it is not used for matching.",
        )
    return RawDocument(pages=(text,), hidden_text=hidden, warnings=warnings)
