"""jobmatch — the app's entry point and router (``streamlit run Home.py``)."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="jobmatch", page_icon="🎯", layout="wide")

navigation = st.navigation(
    {
        "": [st.Page("pages/overview.py", title="Overview", icon="🏠", default=True)],
        "Matching": [st.Page("pages/matching.py", title="Semantic matching", icon="📊")],
    }
)
navigation.run()
