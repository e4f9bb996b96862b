"""Errors raised while reading a CV or offer file; each message is written for the user."""

from __future__ import annotations

from jobmatch.errors import JobmatchError


class DocumentError(JobmatchError):
    """A document cannot be read; ``str(exc)`` says why and, where possible, what to do."""


class UnsupportedDocument(DocumentError):
    """The file type is not supported, or the content does not match the file name."""


class DocumentTooLarge(DocumentError):
    """The file has more bytes or more pages than the settings allow."""


class EncryptedDocument(DocumentError):
    """The PDF is password-protected."""


class CorruptDocument(DocumentError):
    """The file is truncated or damaged and cannot be parsed."""


class NoExtractableText(DocumentError):
    """The file holds no text that can be read (for example a scanned PDF)."""
