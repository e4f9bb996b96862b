"""Run history & timings: what ran, how long it took, and its artifacts."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from jobmatch.config import Settings
from jobmatch.history import run_artifacts, run_history
from jobmatch.insights import timing_table
from jobmatch.pipeline import load_rank_run
from jobmatch.storage import Database


def show_artifacts(settings: Settings, run_id: str) -> None:
    """Preview and download each file the run wrote."""
    artifacts = run_artifacts(settings, run_id)
    if not artifacts:
        st.info("This run left no files.")
    for path in artifacts:
        with st.expander(path.name, expanded=path.suffix == ".csv"):
            if path.suffix == ".csv":
                st.dataframe(pd.read_csv(path), hide_index=True)
            elif path.suffix == ".json":
                st.code(path.read_text(encoding="utf-8", errors="replace")[:20_000], "json")
            else:
                st.text(path.read_text(encoding="utf-8", errors="replace")[:20_000])
            st.download_button(
                f"Download {path.name}", data=path.read_bytes(), file_name=path.name, key=str(path)
            )


def runs() -> None:
    """Page body."""
    st.title("Run history & timings")
    settings = Settings()
    database = Database.from_settings(settings)
    try:
        history = run_history(database)
    finally:
        database.close()
    if history.empty:
        st.info("No run yet: rank offers on the Semantic matching page first.")
        return
    st.dataframe(history, hide_index=True)
    finished = history.dropna(subset=["seconds"])
    if not finished.empty:
        figure = px.bar(
            finished.iloc[::-1],
            x="started_at",
            y="seconds",
            color="kind",
            hover_data=["run_id", "status"],
            labels={"seconds": "duration (s)", "started_at": "started"},
        )
        st.plotly_chart(figure, width="stretch")
    run_id = st.selectbox("Artifacts of run", history["run_id"])
    run = load_rank_run(settings, run_id)
    if run is not None and run.timings:
        figure = px.bar(
            timing_table(run.timings),
            x="seconds",
            y="stage",
            orientation="h",
            title=f"Time per stage · run {run_id}",
        )
        st.plotly_chart(figure, width="stretch")
    show_artifacts(settings, run_id)


runs()
