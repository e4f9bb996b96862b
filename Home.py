"""jobmatch — the app's entry point and router (``streamlit run Home.py``)."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import recruitment_pages, sign_out_button
from jobmatch.i18n import _
from ui import language_switch

st.set_page_config(page_title="jobmatch", page_icon=":material/target:", layout="wide")
language_switch()

navigation = st.navigation(
    {
        "": [
            st.Page(
                "app_pages/overview.py", title=_("Overview"), icon=":material/home:", default=True
            )
        ],
        _("Job search"): [
            st.Page("app_pages/offers.py", title=_("Offers"), icon=":material/search:"),
            st.Page(
                "app_pages/rewrite_offers.py",
                title=_("Rewrite offers"),
                icon=":material/edit_note:",
            ),
            st.Page(
                "app_pages/convert_cv.py", title=_("Convert CV"), icon=":material/description:"
            ),
            st.Page("app_pages/cv_synthesis.py", title=_("CV synthesis"), icon=":material/badge:"),
        ],
        _("Matching"): [
            st.Page(
                "app_pages/matching.py", title=_("Semantic matching"), icon=":material/leaderboard:"
            ),
            st.Page(
                "app_pages/reranking.py",
                title=_("Cross-encoder reranking"),
                icon=":material/swap_vert:",
            ),
            st.Page(
                "app_pages/explanations.py", title=_("Explanations"), icon=":material/lightbulb:"
            ),
            st.Page(
                "app_pages/compare_cvs.py", title=_("Compare CVs"), icon=":material/compare_arrows:"
            ),
        ],
        _("Validation"): [
            st.Page("app_pages/validation.py", title=_("Validation"), icon=":material/fact_check:"),
            st.Page(
                "app_pages/runs.py", title=_("Run history & timings"), icon=":material/history:"
            ),
        ],
        _("Recruitment"): recruitment_pages(),
    },
    expanded=True,  # every page listed: a signed-in role's pages are never folded away
)
sign_out_button()
navigation.run()
