"""Overview: the pipeline, what this workspace holds of each stage, and where to go next."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import Settings
from jobmatch.history import run_history, stage_progress
from jobmatch.storage import Database


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
        stages, history = stage_progress(database), run_history(database)
    finally:
        database.close()
    produced = {stage.produces: count for stage, count in stages}
    first, second, third = st.columns(3)
    first.metric("Offers stored", produced["offers stored"])
    second.metric("CVs stored", produced["CVs stored"])
    third.metric("Runs", len(history))
    st.subheader("Pipeline")
    for stage, count in stages:
        left, right = st.columns([3, 1])
        left.page_link(stage.page, label=f"{stage.title} — {stage.description}")
        right.caption(f"{count} {stage.produces}")
    pending = next((stage for stage, count in stages if count == 0), None)
    if pending is not None:
        st.info(
            f"Next: open **{pending.title}** ({pending.description.lower().rstrip('.')}); "
            "every stage works on the demo data."
        )
    if not history.empty:
        latest = history.iloc[0]
        st.caption(f"Latest run: {latest['kind']} ({latest['status']}) at {latest['started_at']}.")


overview()
