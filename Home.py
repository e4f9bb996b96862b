"""jobmatch — the app's entry point and router (``streamlit run Home.py``)."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="jobmatch", page_icon="🎯", layout="wide")

navigation = st.navigation(
    {
        "": [st.Page("app_pages/overview.py", title="Overview", icon="🏠", default=True)],
        "Job search": [
            st.Page("app_pages/convert_cv.py", title="Convert CV", icon="📄"),
            st.Page("app_pages/offers.py", title="Offers", icon="🔎"),
        ],
        "Matching": [
            st.Page("app_pages/matching.py", title="Semantic matching", icon="📊"),
            st.Page("app_pages/compare_cvs.py", title="Compare CVs", icon="⚖️"),
        ],
        "Validation": [
            st.Page("app_pages/runs.py", title="Run history & timings", icon="🕒"),
        ],
    }
)
navigation.run()
