"""Overview: the pipeline, what this workspace holds, and where to go next."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import Settings
from jobmatch.history import run_history
from jobmatch.storage import Database

STAGES = (
    ("app_pages/offers.py", "Offers", "Scrape HelloWork, import a file, or paste an offer."),
    ("app_pages/convert_cv.py", "Convert CV", "PDF, DOCX or TXT to clean text; hidden text shown."),
    ("app_pages/matching.py", "Semantic matching", "Rank, rerank and score offers for a CV."),
    ("app_pages/compare_cvs.py", "Compare CVs", "Two CVs against the same offers, side by side."),
    ("app_pages/runs.py", "Run history & timings", "Every run, its duration and its artifacts."),
)


def overview() -> None:
    """Page body."""
    st.title("jobmatch")
    st.write(
        "Local-first matching of CVs and job offers: everything runs on this machine and no "
        "data leaves it. Demo offers (French and English) and three sample CVs are bundled, "
        "so every stage works without uploading anything."
    )
    settings = Settings()
    database = Database.from_settings(settings)
    try:
        offers, cvs, history = (
            database.count_offers(),
            len(database.list_cvs()),
            run_history(database),
        )
    finally:
        database.close()
    first, second, third = st.columns(3)
    first.metric("Offers stored", offers)
    second.metric("CVs stored", cvs)
    third.metric("Runs", len(history))
    st.subheader("Pipeline")
    for path, title, description in STAGES:
        st.page_link(path, label=f"{title} — {description}")
    if history.empty:
        st.info("Next: open **Semantic matching** and press *Rank offers* on the demo data.")
    else:
        latest = history.iloc[0]
        st.caption(f"Latest run: {latest['kind']} ({latest['status']}) at {latest['started_at']}.")


overview()
