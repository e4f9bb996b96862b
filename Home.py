"""jobmatch — the app's entry point and router (``streamlit run Home.py``)."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import recruitment_pages, sign_out_button

st.set_page_config(page_title="jobmatch", page_icon="🎯", layout="wide")

navigation = st.navigation(
    {
        "": [
            st.Page("app_pages/overview.py", title="Overview", icon=":material/home:", default=True)
        ],
        "Job search": [
            st.Page("app_pages/offers.py", title="Offers", icon=":material/search:"),
            st.Page(
                "app_pages/rewrite_offers.py", title="Rewrite offers", icon=":material/edit_note:"
            ),
            st.Page("app_pages/convert_cv.py", title="Convert CV", icon=":material/description:"),
            st.Page("app_pages/cv_synthesis.py", title="CV synthesis", icon=":material/badge:"),
        ],
        "Matching": [
            st.Page(
                "app_pages/matching.py", title="Semantic matching", icon=":material/leaderboard:"
            ),
            st.Page(
                "app_pages/reranking.py",
                title="Cross-encoder reranking",
                icon=":material/swap_vert:",
            ),
            st.Page("app_pages/explanations.py", title="Explanations", icon=":material/lightbulb:"),
            st.Page(
                "app_pages/compare_cvs.py", title="Compare CVs", icon=":material/compare_arrows:"
            ),
        ],
        "Validation": [
            st.Page("app_pages/validation.py", title="Validation", icon=":material/fact_check:"),
            st.Page("app_pages/runs.py", title="Run history & timings", icon=":material/history:"),
        ],
        "Recruitment": recruitment_pages(),
    }
)
sign_out_button()
navigation.run()
