"""One entry point for every file type: checks first, then the format's reader, then clean-up."""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from pathlib import Path

from jobmatch.config import Settings
from jobmatch.documents.cleaning import clean_text
from jobmatch.documents.errors import (
    DocumentError,
    DocumentTooLarge,
    NoExtractableText,
    UnsupportedDocument,
)
from jobmatch.documents.model import ExtractedDocument, PageSpan, RawDocument
from jobmatch.documents.pdf import MIN_TEXT_CHARS, read_pdf
from jobmatch.documents.word import read_docx
from jobmatch.i18n import N_, _, number
from jobmatch.text import cut_for_models

#: File name extensions accepted, and the file type each one announces.
FILE_TYPES = {".pdf": "pdf", ".docx": "docx", ".txt": "txt"}
#: Longest sanitised file name, in characters.
MAX_NAME_LENGTH = 120

# What the first bytes say a file is, and how to name that to the user (translated when shown).
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", N_("a ZIP archive")),
    (b"PK\x05\x06", N_("a ZIP archive")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", N_("an old-format Office file (.doc)")),
    (b"\x89PNG\r\n\x1a\n", N_("a PNG image")),
    (b"\xff\xd8\xff", N_("a JPEG image")),
    (b"GIF8", N_("a GIF image")),
    (b"II*\x00", N_("a TIFF image")),
    (b"MM\x00*", N_("a TIFF image")),
    (b"{\\rtf", N_("an RTF document")),
)
_TEXT_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The content each file type must have, as named by :func:`_content_kind`.
_EXPECTED_KIND = {"pdf": N_("a PDF"), "docx": N_("a ZIP archive"), "txt": N_("plain text")}
_KIND_TO_TYPE = {kind: file_type for file_type, kind in _EXPECTED_KIND.items()}
_WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM\d|LPT\d)(\.|$)", re.IGNORECASE)


def safe_filename(name: str) -> str:
    """A file name safe to show, log and store.

    Keeps the last path part only, drops accents (``"Quénel"`` → ``"Quenel"``), turns any
    character other than ASCII letters, digits, ``.``, ``-`` and ``_`` into ``_``, removes
    leading dots and cuts the name to :data:`MAX_NAME_LENGTH` characters, keeping the
    extension.

    Args:
        name: Any file name or path, possibly hostile (``"../../etc/passwd"``).

    Returns:
        The safe name; ``"document"`` when nothing usable is left.
    """
    base = re.split(r"[\\/]", name)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name)
    cleaned = re.sub(r"\.{2,}", ".", re.sub(r"_{2,}", "_", cleaned)).strip("._-")
    if _WINDOWS_RESERVED.match(cleaned):
        cleaned = f"_{cleaned}"
    suffix = Path(cleaned).suffix[:16]
    if len(cleaned) > MAX_NAME_LENGTH:
        cleaned = cleaned[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return cleaned or "document"


def _size(count: int) -> str:
    if count < 1_000:
        return _("{count} bytes").format(count=count)
    if count < 1_000_000:
        return _("{size} kB").format(size=number(count / 1_000, 0))
    return _("{size} MB").format(size=number(count / 1_000_000))


def _too_large(name: str, size: int, limit: int) -> DocumentTooLarge:
    return DocumentTooLarge(
        _("'{name}' is {size}; the limit is {limit}.").format(
            name=name, size=_size(size), limit=_size(limit)
        )
    )


def _read_source(source: Path | str | bytes, name: str, limit: int) -> bytes:
    """The source's bytes; a file over ``limit`` bytes is refused before it is read."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > limit:
                raise _too_large(name, size, limit)
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise DocumentError(_("File not found: '{name}'.").format(name=name)) from exc
        except OSError as exc:
            raise DocumentError(
                _("'{name}' cannot be read: {error}.").format(name=name, error=exc.strerror or exc)
            ) from exc
    if len(data) > limit:
        raise _too_large(name, len(data), limit)
    return data


def _utf16_codec(data: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` for UTF-16 text without a byte-order mark: the
    zero bytes on one side of the code units, and a strict decode giving printable text."""
    sample = data[:4096]
    if len(data) % 2 or len(sample) < 4:
        return None
    odd_zeros, even_zeros = sample[1::2].count(0), sample[0::2].count(0)
    units = len(sample) // 2
    if odd_zeros > units / 4 and even_zeros == 0:
        codec = "utf-16-le"
    elif even_zeros > units / 4 and odd_zeros == 0:
        codec = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    printable = all(ch.isprintable() or ch in "\n\r\t\f" for ch in text)
    return codec if printable else None


def _content_kind(data: bytes) -> str:
    """What the first bytes say the file is, e.g. ``"a PDF"`` or ``"a PNG image"``."""
    if b"%PDF-" in data[:1024]:
        return "a PDF"
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    if any(data.startswith(bom) for bom, _ in _TEXT_BOMS) or b"\x00" not in data[:4096]:
        return "plain text"
    if _utf16_codec(data):
        return "plain text"
    return "binary data"


def _file_type(data: bytes, name: str) -> str:
    """``"pdf"``, ``"docx"`` or ``"txt"``, from the extension checked against the content."""
    suffix = Path(name).suffix.lower()
    kind = _content_kind(data)
    if suffix and suffix not in FILE_TYPES:
        message = _(
            "'{name}': '{suffix}' files are not supported; upload a PDF, DOCX or TXT file."
        ).format(name=name, suffix=suffix)
        hint = " " + _("Save it as .docx or PDF.") if suffix == ".doc" else ""
        raise UnsupportedDocument(message + hint)
    expected = FILE_TYPES.get(suffix) or _KIND_TO_TYPE.get(kind)
    if expected is None or _EXPECTED_KIND[expected] != kind:
        if suffix:
            message = _("'{name}' is named {suffix} but its content is {kind}.")
        else:
            message = _("'{name}' is not a PDF, DOCX or TXT file: its content is {kind}.")
        message = message.format(name=name, suffix=suffix, kind=_(kind))
        if kind.endswith("image"):
            message += " " + _(
                "For a scanned CV, make a PDF and run OCR on it (for example ocrmypdf)."
            )
        raise UnsupportedDocument(message)
    return expected


def read_txt(data: bytes, name: str) -> RawDocument:
    """Decode a text file: UTF-8 (or UTF-16 with a byte-order mark, or without one when it
    decodes cleanly), else Windows-1252."""
    for bom, codec in _TEXT_BOMS:
        if data.startswith(bom):
            return RawDocument(pages=(data.decode(codec, errors="replace"),))
    utf16 = _utf16_codec(data) if b"\x00" in data[:4096] else None
    if utf16:
        return RawDocument(pages=(data.decode(utf16),))
    try:
        return RawDocument(pages=(data.decode("utf-8"),))
    except UnicodeDecodeError:
        warning = _(
            "'{name}' is not valid UTF-8; it was read as Windows-1252 (Western European)."
        ).format(name=name)
        return RawDocument(pages=(data.decode("cp1252", errors="replace"),), warnings=(warning,))


def _assemble(pages: tuple[str, ...]) -> tuple[str, tuple[PageSpan, ...]]:
    """Clean each page and join them with a blank line, recording where each page lies."""
    text = ""
    spans = []
    for page_number, page in enumerate(pages, 1):
        cleaned = clean_text(page)
        if cleaned and text:
            text += "\n\n"
        start = len(text)
        text += cleaned
        spans.append(PageSpan(page_number, start, len(text)))
    return text, tuple(spans)


def _no_text(name: str, file_type: str, hidden: str) -> NoExtractableText:
    if file_type != "pdf":
        return NoExtractableText(_("'{name}' contains no text.").format(name=name))
    if hidden:
        message = _(
            "No text could be extracted from '{name}' (only invisible text was found): it "
            "looks like a scanned image."
        )
    else:
        message = _("No text could be extracted from '{name}': it looks like a scanned image.")
    return NoExtractableText(
        message.format(name=name)
        + " "
        + _(
            "Run OCR on it first (for example `ocrmypdf in.pdf out.pdf`) and upload the "
            "result, or upload the CV as DOCX or TXT."
        )
    )


def extract_document(
    source: Path | str | bytes,
    *,
    filename: str | None = None,
    settings: Settings | None = None,
) -> ExtractedDocument:
    """Read a PDF, DOCX or TXT file into clean text.

    The size limit is checked before the file is read, the content is checked against the
    extension (magic bytes), and a PDF's page count is checked before any page is read.

    Args:
        source: A path (``str`` is a path, never content) or the file's bytes.
        filename: Name used for the type check and messages. Default: the path's name, or
            ``"document"`` for bytes (the type is then told from the content).
        settings: Limits ``max_upload_bytes`` and ``max_pdf_pages``. Default ``Settings()``.

    Returns:
        The extracted document.

    Raises:
        UnsupportedDocument: Unknown extension, or content not matching it.
        DocumentTooLarge: Too many bytes or pages.
        EncryptedDocument: A password-protected PDF.
        CorruptDocument: A truncated or damaged file.
        NoExtractableText: No text at all (a scanned PDF, an empty file).
        DocumentError: The path cannot be read.
    """
    settings = settings or Settings()
    if filename is None and not isinstance(source, bytes | bytearray | memoryview):
        filename = Path(source).name
    name = safe_filename(filename or "")
    data = _read_source(source, name, settings.max_upload_bytes)
    if not data.strip():
        raise NoExtractableText(_("'{name}' is empty.").format(name=name))
    file_type = _file_type(data, name)
    if file_type == "pdf":
        raw = read_pdf(data, name, settings.max_pdf_pages)
    elif file_type == "docx":
        raw = read_docx(data, name)
    else:
        raw = read_txt(data, name)
    text, spans = _assemble(raw.pages)
    hidden = clean_text(raw.hidden_text)
    enough = sum(ch.isalnum() for ch in text) >= (MIN_TEXT_CHARS if file_type == "pdf" else 1)
    if not enough:
        raise _no_text(name, file_type, hidden)
    return ExtractedDocument(
        text=text,
        pages=spans,
        warnings=raw.warnings + cut_for_models(f"'{name}'", len(text)),
        hidden_text=hidden,
        file_type=file_type,
        name=name,
        sha256=hashlib.sha256(data).hexdigest(),
    )
