"""Word (.docx) files to raw text with python-docx, in document order.

The body is walked in its XML so that nothing a CV template commonly uses is skipped:
paragraphs, tables (nested too), content controls (``w:sdt``) and text boxes; runs formatted
as hidden (``w:vanish``) are set aside.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import docx
from docx.opc.exceptions import OpcError
from docx.oxml.ns import qn
from docx.text.run import Run

from jobmatch.documents.errors import CorruptDocument, DocumentTooLarge, UnsupportedDocument
from jobmatch.documents.model import RawDocument
from jobmatch.i18n import _

#: Largest total uncompressed size of a .docx archive, in bytes (guards against zip bombs).
MAX_DOCX_UNCOMPRESSED_BYTES = 200_000_000

_P, _R, _TABLE, _ROW, _CELL = qn("w:p"), qn("w:r"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_CONTROL, _CONTROL_CONTENT, _TEXT_BOX = qn("w:sdt"), qn("w:sdtContent"), qn("w:txbxContent")
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

Line = tuple[str, str]  # (visible, hidden) text of one paragraph or table row


def _own(element: Any, paragraph: Any) -> bool:
    """Whether ``element`` belongs to ``paragraph`` itself, not to a text box inside it."""
    return next(element.iterancestors(_P), None) is paragraph


def _paragraph(paragraph: Any, part: Any) -> Iterator[Line]:
    """The paragraph's text, then the text of text boxes anchored in it."""
    visible, hidden = [], []
    for element in paragraph.iter(_R):
        if _own(element, paragraph):
            run = Run(element, part)
            (hidden if run.font.hidden else visible).append(run.text)
    yield "".join(visible), "".join(hidden)
    for box in paragraph.iter(_TEXT_BOX):
        # Word stores each text box twice: a drawing, and a VML fallback copy.
        if _own(box, paragraph) and not any(a.tag == _FALLBACK for a in box.iterancestors()):
            yield from _blocks(box, part)


def _table(table: Any, part: Any) -> Iterator[Line]:
    """One line per row of one-line cells (``"a | b"``); cells holding more are read in turn."""
    for row in table.iterchildren(_ROW):
        cells = [list(_blocks(cell, part)) for cell in row.iterchildren(_CELL)]
        cells = [[line for line in cell if any(line)] for cell in cells]
        if all(len(cell) <= 1 for cell in cells):
            visible = " | ".join(cell[0][0] for cell in cells if cell and cell[0][0])
            hidden = " ".join(cell[0][1] for cell in cells if cell and cell[0][1])
            yield visible, hidden
            continue
        for cell in cells:
            yield ("", "")
            yield from cell
        yield ("", "")


def _blocks(container: Any, part: Any) -> Iterator[Line]:
    """Lines of a body, cell, text box or content control, in document order."""
    for child in container.iterchildren():
        if child.tag == _P:
            yield from _paragraph(child, part)
        elif child.tag == _TABLE:
            yield from _table(child, part)
        elif child.tag == _CONTROL:
            for content in child.iterchildren(_CONTROL_CONTENT):
                yield from _blocks(content, part)


def _header_footer_lines(document: Any) -> tuple[list[str], list[str]]:
    """Distinct header and footer paragraphs of all sections."""
    headers: list[str] = []
    footers: list[str] = []
    for section in document.sections:
        for story, lines in ((section.header, headers), (section.footer, footers)):
            if story.is_linked_to_previous:
                continue
            for visible, _hidden in _blocks(story.part.element, story.part):
                if visible.strip() and visible not in lines:
                    lines.append(visible)
    return headers, footers


def read_docx(data: bytes, name: str) -> RawDocument:
    """Read a .docx file into raw text: headers, body, footers.

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
        raise CorruptDocument(
            _("'{name}' is damaged or incomplete and cannot be read.").format(name=name)
        ) from exc
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise UnsupportedDocument(
            _(
                "'{name}' is a ZIP archive, not a Word document. Upload a PDF, DOCX or TXT file."
            ).format(name=name)
        )
    if sum(entry.file_size for entry in entries) > MAX_DOCX_UNCOMPRESSED_BYTES:
        raise DocumentTooLarge(
            _("'{name}' expands to more than {size} MB when unpacked; it cannot be read.").format(
                name=name, size=MAX_DOCX_UNCOMPRESSED_BYTES // 1_000_000
            )
        )
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_blocks(document.element.body, document.part))
        headers, footers = _header_footer_lines(document)
    except (OpcError, KeyError, ValueError, zipfile.BadZipFile, SyntaxError) as exc:
        # lxml's XMLSyntaxError derives from SyntaxError.
        raise CorruptDocument(
            _("'{name}' is damaged and cannot be read as a Word document ({error}).").format(
                name=name, error=exc
            )
        ) from exc
    text = "\n".join([*headers, *(visible for visible, _ in lines), *footers])
    hidden = "\n".join(hidden for _, hidden in lines if hidden)
    warnings = ()
    if hidden.strip():
        warnings = (
            _(
                "Hidden text removed (text formatted as hidden in Word); it is not used for "
                "matching."
            ),
        )
    return RawDocument(pages=(text,), hidden_text=hidden, warnings=warnings)
