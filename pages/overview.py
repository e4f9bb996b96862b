"""Overview: what jobmatch does and what this workspace holds."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import Settings
from jobmatch.storage import Database


def overview() -> None:
    """Show the pipeline and the workspace's counts."""
    st.title("jobmatch")
    st.write(
        "Local-first matching of CVs and job offers: everything runs on this machine and no "
        "data leaves it."
    )
    st.markdown(
        "**Pipeline** — offers → CV text → first-stage ranking (TF-IDF fused with a "
        "multilingual bi-encoder) → ranked, downloadable matches."
    )
    database = Database.from_settings(Settings())
    offers, cvs, runs = (
        database.count_offers(),
        len(database.list_cvs()),
        database.list_runs(limit=5),
    )
    database.close()
    first, second, third = st.columns(3)
    first.metric("Offers stored", offers)
    second.metric("CVs stored", cvs)
    third.metric("Recent runs", len(runs))
    st.page_link("pages/matching.py", label="Go to semantic matching", icon="📊")


overview()
