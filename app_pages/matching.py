"""Semantic matching: rank offers for a CV, filter, plot and download the matches."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from jobmatch.artifacts import csv_text
from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.insights import filter_matches, filter_options
from jobmatch.matching.calibration import BANDS
from jobmatch.pipeline import RankRun
from ui import (
    RANK_RUN_KEY,
    cancelled,
    choose_cv,
    choose_models_and_top_k,
    choose_offers,
    rank_with_status,
)

TABLE_COLUMNS = {
    "rank": st.column_config.NumberColumn("Rank"),
    "title": st.column_config.TextColumn("Title"),
    "company": st.column_config.TextColumn("Company"),
    "location": st.column_config.TextColumn("Place"),
    "contract": st.column_config.TextColumn("Contract"),
    "final_score": st.column_config.ProgressColumn(
        "Final %", min_value=0, max_value=100, format="%.0f"
    ),
    "band": st.column_config.TextColumn("Match"),
    "cross_score": st.column_config.NumberColumn("Cross-encoder %", format="%.0f"),
    "bi_score": st.column_config.NumberColumn("Bi-encoder %", format="%.0f"),
    "lexical_score": st.column_config.NumberColumn("Lexical %", format="%.0f"),
    "url": st.column_config.LinkColumn("Link"),
}
LABELS = {"location": "Place", "contract": "Contract"}


def show_matches(run: RankRun) -> None:
    """Filters, the ranked table, the CSV download and the score distribution."""
    matches = run.matches
    minimum = st.slider("Minimum final score", 0, 100, 0)
    options = filter_options(matches)
    columns = st.columns(max(len(options), 1))
    selected = {
        name: column.multiselect(LABELS[name], values, placeholder="All")
        for column, (name, values) in zip(columns, options.items(), strict=False)
    }
    shown = filter_matches(matches, minimum, selected)
    st.caption(f"{len(shown)} of {len(matches)} offers · run {run.run_id}")
    st.dataframe(
        shown[[name for name in TABLE_COLUMNS if name in shown.columns]],
        hide_index=True,
        column_config=TABLE_COLUMNS,
    )
    st.download_button(
        "Download ranked matches (CSV)",
        data=csv_text(shown).encode("utf-8"),
        file_name="matches.csv",
        mime="text/csv",
        help="The offers shown above, with every score column.",
    )
    figure = px.histogram(
        matches,
        x="final_score",
        color="band",
        nbins=20,
        range_x=[0, 100],
        category_orders={"band": [name for name, _ in BANDS]},
        labels={"final_score": "final score (%)"},
        title="Final score distribution",
    )
    st.plotly_chart(figure, width="stretch")


def matching() -> None:
    """Page body."""
    st.title("Semantic matching")
    st.caption(
        "A learned model reads many signals of the CV and each offer (words, job titles, "
        "skills, experience, the bi-encoder's similarities) and gives a calibrated 0–100 % "
        "score: the estimated chance that the offer is relevant to the CV, and a band."
    )
    settings = Settings()
    try:
        document = choose_cv("CV", settings)
        offers = choose_offers()
    except JobmatchError as exc:
        st.error(str(exc))
        return
    models, top_k = choose_models_and_top_k(settings)
    if document is not None:
        for warning in document.warnings:
            st.warning(warning)
    if cancelled():
        st.info("Run cancelled: nothing was kept from it.")
    ready = document is not None and bool(offers)
    if st.button("Rank offers", type="primary", disabled=not ready):
        try:
            st.session_state[RANK_RUN_KEY] = rank_with_status(
                (document,), offers, tuple(models), top_k
            )
        except JobmatchError as exc:
            st.error(str(exc))
    if RANK_RUN_KEY in st.session_state:
        show_matches(st.session_state[RANK_RUN_KEY])
        st.caption("Next: **Cross-encoder reranking** shows how reranking moved these offers.")


matching()
