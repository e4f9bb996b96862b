"""Views of a ranking run for people: filters, rank changes after reranking, stage timings.

Pure functions of the ``matches`` frame that :func:`jobmatch.pipeline.rank_documents` returns
(one block of rows per CV), so the app and notebooks show the same numbers.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

#: Extra offer columns the matches can be filtered on, when the offers have them.
FILTER_COLUMNS = ("location", "contract")


def filter_options(matches: pd.DataFrame) -> dict[str, list[str]]:
    """The distinct non-empty values of each :data:`FILTER_COLUMNS` column, sorted.

    Columns the offers do not have are left out.
    """
    options = {}
    for column in FILTER_COLUMNS:
        if column in matches.columns:
            values = matches[column].dropna().astype(str).str.strip()
            options[column] = sorted(set(values[values != ""]))
    return options


def filter_matches(
    matches: pd.DataFrame,
    min_score: float = 0.0,
    selected: dict[str, Collection[str]] | None = None,
) -> pd.DataFrame:
    """Rows with ``final_score >= min_score`` whose filter columns hold a selected value.

    Args:
        matches: Ranked matches.
        min_score: Lowest final score kept (0–100). Default 0.
        selected: Column → accepted values; an empty or missing selection keeps every row.
            Default none.
    """
    keep = matches["final_score"] >= min_score
    for column, values in (selected or {}).items():
        if values and column in matches.columns:
            keep &= matches[column].astype(str).str.strip().isin(set(values))
    return matches[keep]


def rank_changes(matches: pd.DataFrame) -> pd.DataFrame:
    """Each offer's rank after the first stage and after reranking, per CV.

    Returns:
        ``matches`` with ``first_stage_rank`` (order of ``first_stage_score``, ties in input
        order) and ``rank_change`` (positive: the offer moved up after reranking).
    """
    groups = matches["cv_id"] if "cv_id" in matches.columns else pd.Series(0, matches.index)
    first_rank = (
        matches.assign(_group=groups.to_numpy())
        .groupby("_group", sort=False)["first_stage_score"]
        .rank(ascending=False, method="first")
        .astype(int)
    )
    return matches.assign(
        first_stage_rank=first_rank, rank_change=first_rank.to_numpy() - matches["rank"].to_numpy()
    )


def reranked(matches: pd.DataFrame) -> pd.DataFrame:
    """The rows the cross-encoder read (a ``cross_score``), with their rank changes."""
    return rank_changes(matches)[matches["cross_score"].notna().to_numpy()]


def timing_table(timings: dict[str, float]) -> pd.DataFrame:
    """Stage timings as a frame (``stage``, ``seconds``), slowest first."""
    frame = pd.DataFrame({"stage": list(timings), "seconds": np.round(list(timings.values()), 3)})
    return frame.sort_values("seconds", ascending=False, ignore_index=True)
