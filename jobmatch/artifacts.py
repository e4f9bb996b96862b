"""Atomic writes: an artifact on disk is either the old version or the complete new one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection
from pathlib import Path

import pandas as pd


def files_inside(
    folder: Path, suffixes: Collection[str] | None = None
) -> tuple[list[Path], list[str]]:
    """The regular files directly in ``folder``, sorted, and what was left out.

    A symbolic link is followed only when its target lies inside ``folder`` (a link to
    ``/etc/passwd`` in a CV folder is refused, with a warning naming it).

    Args:
        folder: The folder.
        suffixes: Lower-case extensions kept (e.g. ``{".pdf"}``). Default: every file.

    Returns:
        ``(files, warnings)``.
    """
    root = folder.resolve()
    files: list[Path] = []
    warnings: list[str] = []
    for path in sorted(folder.iterdir()):
        if suffixes is not None and path.suffix.lower() not in suffixes:
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            warnings.append(f"{path.name} is a link to a file outside {folder.name}/; skipped.")
        elif path.is_file():
            files.append(path)
    return files, warnings


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it.

    Args:
        path: Destination; parent folders are created.
        data: Content to write.

    Returns:
        The destination path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write UTF-8 ``text`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """``value`` made inert in a spreadsheet: a text cell starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets a leading ``'`` (OWASP's rule); numbers, and texts
    that are numbers (``-12.5``), are left as they are."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as RFC 4180 CSV text without its index, every text cell (and column name)
    passed through :func:`neutralise_formula`: the one CSV writer of every export."""
    safe = frame.copy()
    safe.columns = [neutralise_formula(str(name)) for name in frame.columns]
    for column in safe.columns[[not pd.api.types.is_numeric_dtype(t) for t in safe.dtypes]]:
        safe[column] = safe[column].map(neutralise_formula)
    return safe.to_csv(index=False)


def atomic_write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as UTF-8 CSV without its index, atomically (see :func:`csv_text`)."""
    return atomic_write_text(path, csv_text(frame))
