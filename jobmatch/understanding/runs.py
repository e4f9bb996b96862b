"""Runs of the understanding stages: recorded in the database, their output written under
``runs/<run-id>/``, the same way from the CLI and the app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from jobmatch.artifacts import atomic_write_text
from jobmatch.config import Settings
from jobmatch.i18n import N_, _
from jobmatch.storage import Database

SUMMARIES_FILE = "offer_summaries.jsonl"
PROFILE_FILE = "profile.json"
EXPLANATIONS_FILE = "explanations.jsonl"

#: Who wrote a summary's, a profile's or an explanation's sentences (their ``source``):
#: the LLM (checked against the source), or the deterministic template.
PROVENANCE_LABELS = {"llm": N_("written by the local model"), "fallback": N_("standard wording")}


def provenance_label(source: str) -> str:
    """``source`` (``"llm"`` or ``"fallback"``) as people read it, in the current language."""
    return _(PROVENANCE_LABELS.get(source, PROVENANCE_LABELS["fallback"]))


def write_records(path: Path, records: BaseModel | Sequence[BaseModel]) -> Path:
    """Write models atomically: one model as an indented JSON object; several as a JSON list
    for a ``.json`` path, else as JSON Lines."""
    if isinstance(records, BaseModel):
        text = records.model_dump_json(indent=2) + "\n"
    elif Path(path).suffix.lower() == ".json":
        text = "[\n" + ",\n".join(record.model_dump_json() for record in records) + "\n]\n"
    else:
        text = "".join(record.model_dump_json() + "\n" for record in records)
    return atomic_write_text(path, text)


@dataclass(frozen=True)
class StageRun:
    """A finished understanding run.

    Args:
        run_id: The run's id in the database and its folder under ``runs/``.
        records: What it produced (one model or a list).
        artifact: The file written under ``runs/<run-id>/``.
    """

    run_id: str
    records: BaseModel | list[BaseModel]
    artifact: Path


def record_stage(
    kind: str,
    params: dict[str, Any],
    produce: Callable[[], BaseModel | list[BaseModel]],
    file_name: str,
    *,
    settings: Settings,
    database: Database,
) -> StageRun:
    """Run ``produce`` as a recorded run and write its records to ``runs/<run-id>/file_name``.

    Args:
        kind: The run's kind (``"rewrite"``, ``"profile"``).
        params: Its parameters, stored with it.
        produce: Computes the records (see :func:`write_records` for the format).
        file_name: The artifact's name.
        settings: Where runs live.
        database: Where the run is recorded.

    Returns:
        The run; a failure or an interruption is recorded as such and raised again.
    """
    with database.recorded_run(kind, params) as run_id:
        records = produce()
        artifact = write_records(settings.runs_dir / run_id / file_name, records)
    return StageRun(run_id=run_id, records=records, artifact=artifact)
