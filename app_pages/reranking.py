"""Cross-encoder reranking: whether the cross-encoder feeds the final score, and the order it
alone would give the offers it read."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from jobmatch.config import Settings
from jobmatch.i18n import _, ngettext
from jobmatch.insights import (
    count_tick_step,
    cross_encoder_feeds_final,
    cross_encoder_order,
    score_histogram,
    timing_table,
)
from jobmatch.pipeline import RankRun
from ui import current_rank_run, score_columns, table, use_language

#: The comparison table's columns, left to right.
ORDER_COLUMNS = [
    "final_place",
    "title",
    "final_score",
    "cross_place",
    "cross_score",
    "place_gap",
    "company",
]


def places(count: int) -> str:
    """``count`` places, in words."""
    return ngettext("{count} place", "{count} places", count).format(count=count)


def order_columns(feeds: bool) -> dict[str, st.column_config.Column]:
    """The comparison table's labels and tooltips."""
    return score_columns(feeds) | {
        "final_place": st.column_config.NumberColumn(
            _("Final place"),
            help=_("Place among the offers the cross-encoder read, by final score."),
            pinned=True,
        ),
        "cross_place": st.column_config.NumberColumn(
            _("Cross-encoder's place"),
            help=_("The place the cross-encoder's score alone would give the offer."),
        ),
        "place_gap": st.column_config.NumberColumn(
            _("Difference"),
            help=_(
                "Places the offer would gain (positive) or lose (negative) if the "
                "cross-encoder alone ordered these offers."
            ),
            format="%+d",
        ),
    }


def explain_the_final_score(feeds: bool, read: int) -> None:
    """Say whether the final score uses the cross-encoder."""
    if feeds:
        st.info(
            _(
                "The final score combines the first stage's score with the cross-encoder's for "
                "the {count} offers it read. Below: the order the cross-encoder alone would "
                "give them, beside the final order."
            ).format(count=read),
            icon=":material/info:",
        )
        return
    st.info(
        _(
            "The final score does not use the cross-encoder: it is the learned first stage's "
            "score, which ranked real CVs better on its own. The cross-encoder read the "
            "{count} best offers with the CV; its score is shown for comparison only. Below: "
            "the order it alone would give them, beside the final order."
        ).format(count=read),
        icon=":material/info:",
    )


def show_moves(rows: pd.DataFrame) -> None:
    """The offers the cross-encoder alone would place differently, as bars (or a sentence
    when it agrees with the final order)."""
    moving = rows[rows["place_gap"] != 0]
    if moving.empty:
        st.success(
            _("The cross-encoder alone would order these offers exactly as the final score does."),
            icon=":material/check_circle:",
        )
        return
    bars = px.bar(
        moving,
        x="place_gap",
        y="title",
        orientation="h",
        hover_data={"final_place": True, "cross_place": True},
        labels={
            "place_gap": _("Places gained with the cross-encoder's order"),
            "title": "",
            "final_place": _("Final place"),
            "cross_place": _("Cross-encoder's place"),
        },
        title=_("Offers the cross-encoder alone would move"),
    )
    largest = int(moving["place_gap"].abs().max())
    bars.update_xaxes(dtick=count_tick_step(largest), tickformat="d")
    bars.update_yaxes(autorange="reversed")
    st.plotly_chart(bars, width="stretch")


def show_run(run: RankRun) -> None:
    """Everything the page shows about one ranking run."""
    rows = cross_encoder_order(run.matches)
    feeds = cross_encoder_feeds_final(run.matches)
    if rows.empty:
        st.info(
            _(
                "The cross-encoder read no offer in this run: reranking is off by default, and "
                "the final score is the learned first stage's. Set 'Offers reranked by the "
                "cross-encoder' above 0 on the Semantic matching page to see what it would "
                "change."
            )
        )
        return
    if "cv_id" in rows.columns and rows["cv_id"].nunique() > 1:
        cv_id = st.selectbox(_("CV"), sorted(rows["cv_id"].unique()))
        rows = rows[rows["cv_id"] == cv_id]
    explain_the_final_score(feeds, len(rows))
    would_move = int((rows["place_gap"] != 0).sum())
    first, second, third = st.columns(3)
    first.metric(
        _("Offers read by the cross-encoder"),
        len(rows),
        help=_("The first stage's best offers, reread with the CV."),
    )
    second.metric(
        _("Offers it would place differently"),
        would_move,
        help=_("Offers whose place would change if the cross-encoder alone ordered them."),
    )
    third.metric(
        _("Largest difference"),
        places(int(rows["place_gap"].abs().max())),
        help=_("The most places one offer would gain or lose."),
    )
    if feeds:
        moved = int((rows["rank_change"] != 0).sum())
        st.caption(
            ngettext(
                "Reranking moved {count} offer in the final order.",
                "Reranking moved {count} offers in the final order.",
                moved,
            ).format(count=moved)
        )

    st.subheader(_("Final order and the cross-encoder's order"))
    table(rows, order_columns(feeds), ORDER_COLUMNS)
    show_moves(rows)

    scatter = px.scatter(
        rows,
        x="final_score",
        y="cross_score",
        hover_name="title",
        hover_data={"company": True, "final_place": True, "cross_place": True},
        range_x=[0, 100],
        range_y=[0, 100],
        labels={
            "final_score": _("Final score (%)"),
            "cross_score": _("Cross-encoder (%)"),
            "company": _("Company"),
            "final_place": _("Final place"),
            "cross_place": _("Cross-encoder's place"),
        },
        title=_("Final score and cross-encoder score (one point per offer)"),
    )
    st.plotly_chart(scatter, width="stretch")

    scores = rows.melt(
        value_vars=["final_score", "cross_score"], var_name="score", value_name="percent"
    )
    names = {"final_score": _("Final score"), "cross_score": _("Cross-encoder")}
    figure = score_histogram(
        scores.assign(score=scores["score"].map(names)),
        "percent",
        "score",
        title=_("Scores of the offers the cross-encoder read"),
        x_title=_("Score (%)"),
        legend_title=_("Score"),
        stacked=False,
    )
    st.plotly_chart(figure, width="stretch")
    if run.timings:
        st.subheader(_("Time per stage"))
        table(
            timing_table(run.timings),
            {
                "label": st.column_config.TextColumn(_("Stage")),
                "seconds": st.column_config.NumberColumn(_("Seconds"), format="%.1f s"),
            },
            ["label", "seconds"],
        )


def reranking() -> None:
    """Page body."""
    use_language()
    st.title(_("Cross-encoder reranking"))
    st.caption(
        _(
            "The learned first stage scores every offer; a cross-encoder can then reread the "
            "best ones together with the CV. This page says whether its reading counts in the "
            "final score and how it would order the offers on its own."
        )
    )
    run = current_rank_run(Settings())
    if run is None:
        st.info(_("No ranking yet: rank offers on the Semantic matching page first."))
        return
    show_run(run)


reranking()
