"""Past runs: a table of what ran, how long it took, and the artifacts each left on disk."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from jobmatch.artifacts import files_inside
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
    return files_inside(folder)[0]


@dataclass(frozen=True)
class Stage:
    """A stage of the pipeline as the overview shows it.

    Args:
        page: The app page of the stage.
        title: Its name.
        description: What it does, in one line.
        produces: What its count counts ("offers stored", "runs").
        run_kind: The run kind it records, or ``""`` when its count is not a run count.
    """

    page: str
    title: str
    description: str
    produces: str
    run_kind: str = ""


#: The job seeker's path, in order: the overview suggests the first stage with nothing yet.
STAGES = (
    Stage("app_pages/offers.py", "Offers", "Scrape HelloWork, import a file or paste an offer.",
          "offers stored"),
    Stage("app_pages/rewrite_offers.py", "Rewrite offers", "A clean summary of each offer.",
          "rewrite runs", "rewrite"),
    Stage("app_pages/convert_cv.py", "Convert CV", "PDF, DOCX or TXT to clean text.",
          "CVs stored"),
    Stage("app_pages/cv_synthesis.py", "CV synthesis", "A structured, anonymised profile.",
          "profiles", "profile"),
    Stage("app_pages/matching.py", "Semantic matching", "Rank every offer for a CV.",
          "ranking runs", "rank"),
    Stage("app_pages/reranking.py", "Cross-encoder reranking", "What rereading changed.",
          "ranking runs", "rank"),
    Stage("app_pages/explanations.py", "Explanations", "Evidence for each requirement.",
          "explanation runs", "explain"),
    Stage("app_pages/compare_cvs.py", "Compare CVs", "Two CVs against the same offers.",
          "ranking runs", "rank"),
    Stage("app_pages/validation.py", "Validation", "Metrics of every score on labels.",
          "evaluations", "evaluate"),
)  # fmt: skip


def stage_progress(database: Database) -> list[tuple[Stage, int]]:
    """Each stage of :data:`STAGES` with what this workspace holds of its output."""
    runs = database.count_runs()
    counts = {"offers stored": database.count_offers(), "CVs stored": len(database.list_cvs())}
    return [(stage, counts.get(stage.produces, runs.get(stage.run_kind, 0))) for stage in STAGES]
