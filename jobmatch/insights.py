"""Views of a ranking run for people: filters, band labels, rank changes after reranking,
the cross-encoder's own order, stage timings.

Pure functions of the ``matches`` frame that :func:`jobmatch.pipeline.rank_documents` returns
(one block of rows per CV), so the app and notebooks show the same numbers.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from jobmatch.i18n import N_, _

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Extra offer columns the matches can be filtered on, when the offers have them.
FILTER_COLUMNS = ("location", "contract")
#: Each band of :data:`jobmatch.matching.calibration.BANDS` as people read it.
BAND_LABELS = {
    "strong": N_("Strong match"),
    "partial": N_("Partial match"),
    "weak": N_("Weak match"),
}
#: Each stage of a ranking run's timings as people read it.
STAGE_LABELS = {
    "first stage": N_("First stage"),
    "reranking": N_("Cross-encoder"),
    "storage": N_("Saving"),
}
#: Width of a score histogram's bins, in points of %.
BIN_WIDTH = 5
#: Final scores closer than this (points of %) count as equal (they are rounded to 0.01).
_SAME_SCORE = 0.05


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


def band_label(band: str) -> str:
    """A band's name (``"strong"``…) in the current language."""
    return _(BAND_LABELS[band])


def with_band_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``band`` column in words of the current language."""
    return frame.assign(band=frame["band"].map(band_label))


def cross_encoder_feeds_final(matches: pd.DataFrame) -> bool:
    """Whether the cross-encoder's reading changed any final score of a run.

    With the bundled cross-encoder it does not (its weight in the calibration is 0,
    :mod:`jobmatch.matching.calibration`): the final score of an offer it read is its
    first-stage score.
    """
    read = matches["cross_score"].notna()
    gap = (matches.loc[read, "final_score"] - matches.loc[read, "first_stage_score"]).abs()
    return bool((gap > _SAME_SCORE).any())


def cross_encoder_order(matches: pd.DataFrame) -> pd.DataFrame:
    """The offers the cross-encoder read, with the order it alone would give them, per CV.

    Returns:
        :func:`reranked` rows, in the run's order (each CV's offers by final rank), with
        ``final_place`` (1 = best of the offers read, by final score), ``cross_place`` (the
        same by the cross-encoder's score alone) and ``place_gap`` (``final_place −
        cross_place``: positive when the cross-encoder alone would put the offer higher).
    """
    rows = reranked(matches)
    groups = rows["cv_id"] if "cv_id" in rows.columns else pd.Series(0, rows.index)
    by_group = rows.assign(_group=groups.to_numpy()).groupby("_group", sort=False)
    final_place = by_group["rank"].rank(method="first").astype(int)
    cross_place = by_group["cross_score"].rank(ascending=False, method="first").astype(int)
    return rows.assign(
        final_place=final_place, cross_place=cross_place, place_gap=final_place - cross_place
    )


def count_tick_step(largest: int) -> int:
    """A whole tick step (1, 2, 5, 10, 20…) for a count axis reaching ``largest``: at most
    eight ticks, never fractions of an offer."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= 8 * factor * magnitude:
                return factor * magnitude
        magnitude *= 10


def score_histogram(
    frame: pd.DataFrame,
    x: str,
    color: str,
    *,
    title: str,
    x_title: str,
    legend_title: str,
    stacked: bool = True,
    color_order: list[str] | None = None,
) -> go.Figure:
    """A Plotly histogram of the 0–100 scores ``frame[x]`` coloured by ``frame[color]``, in
    bins of :data:`BIN_WIDTH` points, stacked or overlaid, with a whole-number count axis."""
    import plotly.express as px

    bins = np.arange(0, 100 + BIN_WIDTH, BIN_WIDTH)
    groups = [frame[x]] if stacked else [group[x] for _key, group in frame.groupby(color)]
    largest = max((int(np.histogram(g.dropna(), bins)[0].max()) for g in groups), default=0)
    figure = px.histogram(
        frame,
        x=x,
        color=color,
        barmode="relative" if stacked else "overlay",
        category_orders={color: color_order} if color_order else None,
        labels={x: x_title, color: legend_title},
        title=title,
    )
    counted = _("Offers")
    figure.update_traces(xbins={"start": 0, "end": 100, "size": BIN_WIDTH})
    figure.for_each_trace(
        lambda trace: trace.update(
            hovertemplate=trace.hovertemplate.replace("count=", f"{counted}=")
        )
    )
    figure.update_xaxes(range=[0, 100])
    figure.update_yaxes(
        title=counted, rangemode="tozero", tickformat="d", dtick=count_tick_step(largest)
    )
    return figure


def timing_table(timings: dict[str, float]) -> pd.DataFrame:
    """Stage timings as a frame (``stage``, ``label`` in the current language, ``seconds``),
    slowest first."""
    frame = pd.DataFrame(
        {
            "stage": list(timings),
            "label": [
                _(STAGE_LABELS[stage]) if stage in STAGE_LABELS else stage for stage in timings
            ],
            "seconds": np.round(list(timings.values()), 3),
        }
    )
    return frame.sort_values("seconds", ascending=False, ignore_index=True)
