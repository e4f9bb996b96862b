"""Compare CVs: two CVs against the same offers, side by side."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from jobmatch.compare import SeparatingTerms, separating_terms, side_by_side
from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.i18n import _
from ui import (
    choose_cv,
    choose_models,
    choose_offers,
    choose_rerank_top_k,
    plain,
    rank_with_status,
    table,
    use_language,
)

COMPARISON_KEY = "compare.result"
#: The comparison table's columns, left to right (title and both scores pinned).
TABLE_ORDER = [
    "title",
    "score_first",
    "score_second",
    "score_gap",
    "rank_first",
    "rank_second",
    "company",
]


def comparison_columns(first: str, second: str) -> dict[str, st.column_config.Column]:
    """The comparison table's labels (named after the CVs) and tooltips."""
    score_help = _(
        "The final score of the offer for this CV: the estimated chance, 0–100 %, that it "
        "suits the CV."
    )
    rank_help = _("The offer's place in this CV's ranking: 1 is its best match.")
    return {
        "title": st.column_config.TextColumn(_("Title"), pinned=True),
        "company": st.column_config.TextColumn(_("Company")),
        "score_first": st.column_config.NumberColumn(
            _("{cv}: score").format(cv=first), help=score_help, format="%.0f %%", pinned=True
        ),
        "score_second": st.column_config.NumberColumn(
            _("{cv}: score").format(cv=second), help=score_help, format="%.0f %%", pinned=True
        ),
        "score_gap": st.column_config.NumberColumn(
            _("Difference"),
            help=_(
                "The first CV's score minus the second's, in points: positive when the offer "
                "suits the first CV better."
            ),
            format="%+.0f",
        ),
        "rank_first": st.column_config.NumberColumn(
            _("{cv}: rank").format(cv=first), help=rank_help
        ),
        "rank_second": st.column_config.NumberColumn(
            _("{cv}: rank").format(cv=second), help=rank_help
        ),
    }


def show_terms(terms: SeparatingTerms, first: str, second: str) -> None:
    """The offers' terms that only one CV has."""
    columns = {
        "term": st.column_config.TextColumn(_("Term")),
        "offers": st.column_config.NumberColumn(
            _("Offers using it"), help=_("How many of the offers use this term.")
        ),
    }
    left, right = st.columns(2)
    for column, name, items in (
        (left, first, terms.only_first),
        (right, second, terms.only_second),
    ):
        with column:
            heading = _("Only in {cv}").format(cv=plain(name))
            st.markdown(f"**{heading}**")
            if items:
                table(pd.DataFrame(items, columns=["term", "offers"]), columns)
            else:
                st.caption(_("No term of the offers is in this CV alone."))


def compare_cvs() -> None:
    """Page body."""
    use_language()
    st.title(_("Compare CVs"))
    st.caption(
        _("Two CVs against the same offers: ranks, scores and the terms that separate them.")
    )
    settings = Settings()
    left, right = st.columns(2)
    try:
        with left:
            first = choose_cv(_("First CV"), settings, default="cv_ingenieure_ia.txt")
        with right:
            second = choose_cv(_("Second CV"), settings, default="cv_gestion_locative.txt")
        offers = choose_offers()
    except JobmatchError as exc:
        st.error(str(exc))
        return
    models = choose_models(settings)
    top_k = choose_rerank_top_k(settings)
    ready = first is not None and second is not None and bool(offers)
    if ready and first.sha256 == second.sha256:
        st.warning(_("Both sides are the same CV: choose two different CVs."))
        ready = False
    if st.button(_("Compare"), type="primary", disabled=not ready):
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
    (first_id, second_id), comparison, terms = st.session_state[COMPARISON_KEY]
    st.subheader(_("{first} and {second}").format(first=plain(first_id), second=plain(second_id)))
    table(comparison, comparison_columns(first_id, second_id), TABLE_ORDER)
    figure = px.scatter(
        comparison,
        x="score_first",
        y="score_second",
        hover_name="title",
        labels={
            "score_first": _("{cv}: score (%)").format(cv=first_id),
            "score_second": _("{cv}: score (%)").format(cv=second_id),
        },
        range_x=[0, 100],
        range_y=[0, 100],
        title=_("Each offer's score for both CVs (above the line: better for the second)"),
    )
    figure.add_shape(type="line", x0=0, y0=0, x1=100, y1=100, line={"dash": "dot"})
    st.plotly_chart(figure, width="stretch")
    show_terms(terms, first_id, second_id)


compare_cvs()
