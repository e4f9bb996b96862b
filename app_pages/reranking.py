"""Cross-encoder reranking: what rereading the best offers with the CV changed."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from jobmatch.config import Settings
from jobmatch.insights import reranked, timing_table
from ui import current_rank_run


def reranking() -> None:
    """Page body."""
    st.title("Cross-encoder reranking")
    st.caption(
        "The learned first stage ranks every offer; the cross-encoder can then read the CV and "
        "each of the best offers together. Its score is shown, not used: on real CV–offer "
        "pairs it did not improve the ranking, so the final score is the first stage's and "
        "reranking is off unless you ask for it. Here: how its score relates to the first "
        "stage's."
    )
    settings = Settings()
    run = current_rank_run(settings)
    if run is None:
        st.info("No ranking yet: rank offers on the Semantic matching page first.")
        return
    rows = reranked(run.matches)
    if rows.empty:
        st.info(
            "The cross-encoder read no offer in this run: reranking is off by default. Set "
            "'Offers reranked by the cross-encoder' above 0 on the Semantic matching page to "
            "compare its scores with the first stage's."
        )
        return
    if "cv_id" in rows.columns and rows["cv_id"].nunique() > 1:
        cv_id = st.selectbox("CV", sorted(rows["cv_id"].unique()))
        rows = rows[rows["cv_id"] == cv_id]
    moved = int((rows["rank_change"] != 0).sum())
    first, second, third = st.columns(3)
    first.metric("Offers reread", len(rows))
    second.metric("Offers that moved", moved)
    third.metric("Largest move", f"{int(rows['rank_change'].abs().max())} places")

    scatter = px.scatter(
        rows,
        x="bi_score" if rows["bi_score"].notna().any() else "first_stage_score",
        y="cross_score",
        color="band",
        hover_name="title",
        hover_data={"company": True, "rank": True, "final_score": ":.0f"},
        range_x=[0, 100],
        range_y=[0, 100],
        labels={
            "bi_score": "bi-encoder %",
            "first_stage_score": "first stage %",
            "cross_score": "cross-encoder %",
        },
        title="Bi-encoder vs cross-encoder (one point per offer)",
    )
    st.plotly_chart(scatter, width="stretch")

    changes = rows.sort_values("rank")
    bars = px.bar(
        changes,
        x="rank_change",
        y="title",
        orientation="h",
        hover_data={"first_stage_rank": True, "rank": True},
        labels={"rank_change": "places gained after reranking", "title": ""},
        title="Rank changes after reranking",
    )
    bars.update_yaxes(autorange="reversed")
    st.plotly_chart(bars, width="stretch")

    scores = rows.melt(
        value_vars=[c for c in ("bi_score", "cross_score", "final_score") if rows[c].notna().any()],
        var_name="score",
        value_name="percent",
    )
    st.plotly_chart(
        px.histogram(
            scores,
            x="percent",
            color="score",
            barmode="overlay",
            nbins=20,
            range_x=[0, 100],
            title="Score distributions of the reread offers",
        ),
        width="stretch",
    )
    if run.timings:
        st.subheader("Time per stage")
        st.dataframe(timing_table(run.timings), hide_index=True)


reranking()
