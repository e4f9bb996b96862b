"""Compare CVs: two CVs against the same offers, side by side."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from jobmatch.compare import SeparatingTerms, separating_terms, side_by_side
from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from ui import choose_cv, choose_models, choose_offers, choose_rerank_top_k, rank_with_status

COMPARISON_KEY = "compare.result"


def show_terms(terms: SeparatingTerms, first: str, second: str) -> None:
    """The offers' terms that only one CV has."""
    left, right = st.columns(2)
    for column, name, items in (
        (left, first, terms.only_first),
        (right, second, terms.only_second),
    ):
        column.markdown(f"**Only in {name}** (offers using the term)")
        column.dataframe(
            [{"term": term, "offers": count} for term, count in items],
            hide_index=True,
            width="stretch",
        )


def compare_cvs() -> None:
    """Page body."""
    st.title("Compare CVs")
    st.caption("Two CVs against the same offers: ranks, scores and the terms that separate them.")
    settings = Settings()
    left, right = st.columns(2)
    try:
        with left:
            first = choose_cv("First CV", settings, default="cv_ingenieure_ia.txt")
        with right:
            second = choose_cv("Second CV", settings, default="cv_gestion_locative.txt")
        offers = choose_offers()
    except JobmatchError as exc:
        st.error(str(exc))
        return
    models = choose_models(settings)
    top_k = choose_rerank_top_k(settings)
    ready = first is not None and second is not None and bool(offers)
    if ready and first.sha256 == second.sha256:
        st.warning("Both sides are the same CV: choose two different CVs.")
        ready = False
    if st.button("Compare", type="primary", disabled=not ready):
        try:
            run = rank_with_status((first, second), offers, tuple(models), top_k)
        except JobmatchError as exc:
            st.error(str(exc))
            return
        # rank_documents returns each CV's block of rows in input order.
        matches, count = run.matches, len(offers)
        names = (first.name, second.name if second.name != first.name else f"{second.name} (2)")
        st.session_state[COMPARISON_KEY] = (
            names,
            side_by_side(matches.iloc[:count], matches.iloc[count:]),
            separating_terms(first.text, second.text, [offer.text for offer in offers]),
        )
    if COMPARISON_KEY not in st.session_state:
        return
    (first_id, second_id), table, terms = st.session_state[COMPARISON_KEY]
    st.subheader(f"{first_id} vs {second_id}")
    st.dataframe(
        table.rename(
            columns={
                "rank_first": f"rank · {first_id}",
                "rank_second": f"rank · {second_id}",
                "score_first": f"% · {first_id}",
                "score_second": f"% · {second_id}",
                "score_gap": "gap (first − second)",
            }
        ),
        hide_index=True,
    )
    figure = px.scatter(
        table,
        x="score_first",
        y="score_second",
        hover_name="title",
        labels={"score_first": f"{first_id} (final %)", "score_second": f"{second_id} (final %)"},
        range_x=[0, 100],
        range_y=[0, 100],
    )
    figure.add_shape(type="line", x0=0, y0=0, x1=100, y1=100, line={"dash": "dot"})
    st.plotly_chart(figure, width="stretch")
    show_terms(terms, first_id, second_id)


compare_cvs()
