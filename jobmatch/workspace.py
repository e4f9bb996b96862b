"""The job seeker's workspace: converted CVs kept (the database row and a text artifact on
disk) and read back, so that every stage can use a CV converted or ranked before."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jobmatch.artifacts import atomic_write_text
from jobmatch.config import Settings
from jobmatch.documents import ExtractedDocument, PageSpan
from jobmatch.i18n import short_datetime
from jobmatch.storage import CVRecord, Database
from jobmatch.text import cut_for_models


@dataclass(frozen=True)
class SavedCV:
    """A CV stored in the workspace.

    Args:
        cv_id: Its id in the database (derived from its text).
        text_path: The clean text, written atomically under ``data/cvs/``.
    """

    cv_id: str
    text_path: Path


def save_cv(document: ExtractedDocument, database: Database, settings: Settings) -> SavedCV:
    """Store an extracted CV: its row in the database and ``data/cvs/<cv-id>.txt``.

    Saving the same text twice returns the same id and rewrites the same file.
    """
    cv_id = database.add_cv(document.name, document.text, document.sha256, document.file_type)
    path = atomic_write_text(settings.data_dir / "cvs" / f"{cv_id}.txt", document.text)
    return SavedCV(cv_id=cv_id, text_path=path)


def stored_cvs(database: Database) -> list[CVRecord]:
    """The job seeker's CVs (converted, uploaded or ranked before), newest first; the
    candidates' CVs of the recruitment side are not among them."""
    return database.list_cvs(owner="")[::-1]


def cv_label(cv: CVRecord) -> str:
    """A stored CV as a picker names it: ``"cv.pdf · 4 Dec 14:02"``."""
    return f"{cv.name} · {short_datetime(cv.created_at)}"


def cv_document(cv: CVRecord) -> ExtractedDocument:
    """A stored CV as the stages read it: its clean text as one page, with the warning for a
    text the models read only in part."""
    return ExtractedDocument(
        text=cv.text,
        pages=(PageSpan(1, 0, len(cv.text)),),
        warnings=cut_for_models(f"'{cv.name}'", len(cv.text)),
        hidden_text="",
        file_type=cv.file_type,
        name=cv.name,
        sha256=cv.sha256,
    )
