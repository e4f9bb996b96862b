"""CV and offer files (PDF, DOCX, TXT) to clean text for matching.

``extract_document`` checks size, type (magic bytes, not only the extension) and page count
first, then reads the file: PDFs in column order with hidden text set aside, Word files with
their tables in document order, text files as UTF-8 or Windows-1252. Every failure is a
:class:`DocumentError` whose message is written for the user.
"""

from jobmatch.documents.cleaning import clean_text
from jobmatch.documents.errors import (
    CorruptDocument,
    DocumentError,
    DocumentTooLarge,
    EncryptedDocument,
    NoExtractableText,
    UnsupportedDocument,
)
from jobmatch.documents.loader import extract_document, safe_filename
from jobmatch.documents.model import ExtractedDocument, PageSpan

__all__ = [
    "CorruptDocument",
    "DocumentError",
    "DocumentTooLarge",
    "EncryptedDocument",
    "ExtractedDocument",
    "NoExtractableText",
    "PageSpan",
    "UnsupportedDocument",
    "clean_text",
    "extract_document",
    "safe_filename",
]
