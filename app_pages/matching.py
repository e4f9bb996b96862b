"""Semantic matching: rank offers for a CV, filter, and download the matches."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.pipeline import RankRun
from ui import cached_rank, choose_cv, choose_models, choose_offers

MATCHES_KEY = "matching.run"


def show_matches(run: RankRun) -> None:
    """Filters, the ranked table and the CSV download."""
    matches = run.matches
    minimum = st.slider("Minimum final score", 0, 100, 0)
    shown = matches[matches["final_score"] >= minimum]
    st.caption(f"{len(shown)} of {len(matches)} offers · run {run.run_id}")
    st.dataframe(
        shown[
            [
                "rank",
                "title",
                "company",
                "location",
                "final_score",
                "band",
                "cross_score",
                "lexical_score",
                "bi_score",
                "url",
            ]
        ],
        hide_index=True,
        column_config={
            "final_score": st.column_config.ProgressColumn(
                "Final %", min_value=0, max_value=100, format="%.0f"
            ),
            "band": st.column_config.TextColumn("Match"),
            "cross_score": st.column_config.NumberColumn("Cross-encoder %", format="%.0f"),
            "lexical_score": st.column_config.NumberColumn("Lexical %", format="%.0f"),
            "bi_score": st.column_config.NumberColumn("Bi-encoder %", format="%.0f"),
            "url": st.column_config.LinkColumn("Link"),
        },
    )
    st.download_button(
        "Download ranked matches (CSV)",
        data=matches.to_csv(index=False).encode("utf-8"),
        file_name="matches.csv",
        mime="text/csv",
    )


def matching() -> None:
    """Page body."""
    st.title("Semantic matching")
    settings = Settings()
    try:
        document = choose_cv("CV", settings)
        offers = choose_offers()
    except JobmatchError as exc:
        st.error(str(exc))
        return
    models = choose_models(settings)
    if document is not None:
        for warning in document.warnings:
            st.warning(warning)
    ready = document is not None and bool(offers)
    if st.button("Rank offers", type="primary", disabled=not ready):
        try:
            st.session_state[MATCHES_KEY] = cached_rank((document,), offers, tuple(models))
        except JobmatchError as exc:
            st.error(str(exc))
    if MATCHES_KEY in st.session_state:
        show_matches(st.session_state[MATCHES_KEY])


matching()
