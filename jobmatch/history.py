"""Past runs: a table of what ran, how long it took, and the artifacts each left on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from jobmatch.config import Settings
from jobmatch.storage import Database

HISTORY_COLUMNS = ("run_id", "kind", "status", "started_at", "seconds", "params", "error")


def run_history(database: Database, limit: int = 50) -> pd.DataFrame:
    """The latest runs, newest first.

    Args:
        database: Where runs are recorded.
        limit: Most runs returned. Default 50.

    Returns:
        Columns :data:`HISTORY_COLUMNS`; ``seconds`` is empty while a run is still going.
    """
    rows = [
        {
            "run_id": run.id,
            "kind": run.kind,
            "status": run.status,
            "started_at": run.started_at,
            "seconds": None
            if run.finished_at is None
            else round((run.finished_at - run.started_at).total_seconds(), 2),
            "params": json.dumps(run.params, ensure_ascii=False),
            "error": run.error,
        }
        for run in database.list_runs(limit=limit)
    ]
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


def run_artifacts(settings: Settings, run_id: str) -> list[Path]:
    """Files a run wrote under ``runs/<run-id>/``, by name (none if the folder is absent)."""
    folder = settings.runs_dir / run_id
    if not run_id.isalnum() or not folder.is_dir():  # ids are hex: never a path
        return []
    return sorted(path for path in folder.iterdir() if path.is_file())
