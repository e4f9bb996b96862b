"""Semantic matching: rank offers for a CV, filter, plot and download the matches."""

from __future__ import annotations

import streamlit as st

from jobmatch.artifacts import csv_text
from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.i18n import _
from jobmatch.insights import (
    BAND_LABELS,
    band_label,
    cross_encoder_feeds_final,
    filter_matches,
    filter_options,
    score_histogram,
    with_band_labels,
)
from jobmatch.pipeline import RankRun
from ui import (
    RANK_RUN_KEY,
    cancelled,
    choose_cv,
    choose_models_and_top_k,
    choose_offers,
    page_link,
    rank_with_status,
    score_columns,
    table,
    use_language,
)

#: The table's columns, left to right (rank, title and final score stay pinned).
TABLE_ORDER = [
    "rank",
    "title",
    "final_score",
    "band",
    "company",
    "location",
    "contract",
    "cross_score",
    "bi_score",
    "lexical_score",
    "url",
]


def filter_labels() -> dict[str, str]:
    """The filterable columns as people read them."""
    return {"location": _("Place"), "contract": _("Contract")}


def show_matches(run: RankRun) -> None:
    """Filters, the ranked table, the CSV download and the distribution of what is shown."""
    matches = run.matches
    minimum = st.slider(_("Minimum final score"), 0, 100, 0, format="%d %%")
    options = filter_options(matches)
    labels = filter_labels()
    columns = st.columns(max(len(options), 1))
    selected = {
        name: column.multiselect(labels[name], values, placeholder=_("All"))
        for column, (name, values) in zip(columns, options.items(), strict=False)
    }
    shown = filter_matches(matches, minimum, selected)
    st.caption(_("{shown} of {total} offers").format(shown=len(shown), total=len(matches)))
    feeds = cross_encoder_feeds_final(matches)
    labelled = with_band_labels(shown)
    table(labelled, score_columns(feeds), TABLE_ORDER)
    if shown["cross_score"].notna().any() and not feeds:
        st.caption(
            _(
                "Offers are sorted by the final score. The cross-encoder's score is shown for "
                "comparison and does not change it: see **Cross-encoder reranking**."
            )
        )
    st.download_button(
        _("Download ranked matches (CSV)"),
        data=csv_text(shown).encode("utf-8"),
        file_name="matches.csv",
        mime="text/csv",
        icon=":material/download:",
        help=_("The offers shown above, with every score."),
    )
    if shown.empty:
        st.info(_("No offer passes these filters."))
        return
    figure = score_histogram(
        labelled,
        "final_score",
        "band",
        title=_("Final scores of the offers shown"),
        x_title=_("Final score (%)"),
        legend_title=_("Match"),
        color_order=[band_label(band) for band in BAND_LABELS],
    )
    st.plotly_chart(figure, width="stretch")


def matching() -> None:
    """Page body."""
    use_language()
    st.title(_("Semantic matching"))
    st.caption(
        _(
            "A learned model reads many signals of the CV and each offer (words, job titles, "
            "skills, experience, closeness in meaning) and gives a calibrated 0–100 % score: "
            "the estimated chance that the offer suits the CV, and a band."
        )
    )
    settings = Settings()
    try:
        document = choose_cv(_("CV"), settings)
        offers = choose_offers()
    except JobmatchError as exc:
        st.error(str(exc))
        return
    models, top_k = choose_models_and_top_k(settings)
    if document is not None:
        for warning in document.warnings:
            st.warning(warning)
    if cancelled():
        st.info(_("Run cancelled: nothing was kept from it."))
    ready = document is not None and bool(offers)
    if st.button(_("Rank offers"), type="primary", disabled=not ready):
        try:
            st.session_state[RANK_RUN_KEY] = rank_with_status(
                (document,), offers, tuple(models), top_k
            )
        except JobmatchError as exc:
            st.error(str(exc))
    if RANK_RUN_KEY in st.session_state:
        show_matches(st.session_state[RANK_RUN_KEY])
        page_link(
            "app_pages/reranking.py",
            _("Next: what the cross-encoder makes of these offers"),
            ":material/swap_vert:",
        )


matching()
