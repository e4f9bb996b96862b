"""Converted CVs kept in the workspace: the database row and a text artifact on disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jobmatch.artifacts import atomic_write_text
from jobmatch.config import Settings
from jobmatch.documents import ExtractedDocument
from jobmatch.storage import Database


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
