"""Run history & timings: what ran, how long it took, and what it made (to download, or to
reopen on the page that made it)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from jobmatch.config import Settings
from jobmatch.history import STAGES, run_artifacts, run_history, run_timings, seconds_label
from jobmatch.i18n import _, short_datetime
from jobmatch.insights import timing_table
from jobmatch.storage import Database
from ui import page_link, use_language


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """The runs as people read them: name, status, start, duration, details, error."""
    return pd.DataFrame(
        {
            _("Run"): history["title"],
            _("Status"): history["status"],
            _("Started"): history["started_at"].map(short_datetime),
            _("Duration"): history["seconds"].map(seconds_label),
            _("Details"): history["details"],
            _("Error"): history["error"],
        }
    )


def durations_chart(history: pd.DataFrame) -> None:
    """How long each finished run took, newest on top."""
    finished = history.dropna(subset=["seconds"])
    if finished.empty:
        return
    figure = px.bar(
        finished,
        x="seconds",
        y="title",
        color="kind_label",
        orientation="h",
        labels={"seconds": _("Duration (s)"), "title": "", "kind_label": _("Stage")},
        title=_("Duration of each run"),
    )
    figure.update_yaxes(autorange="reversed")
    st.plotly_chart(figure, width="stretch")


def show_files(settings: Settings, run_id: str, kind: str, title: str) -> None:
    """Where the run is reopened, its time per stage (rankings) and each file's download."""
    stage = next((stage for stage in STAGES if stage.key == kind), None)
    if stage is not None:
        page_link(
            stage.page, _("Reopen it on the {page} page").format(page=_(stage.title)), stage.icon
        )
    timings = run_timings(settings, run_id)
    if timings:
        figure = px.bar(
            timing_table(timings),
            x="seconds",
            y="label",
            orientation="h",
            labels={"seconds": _("Duration (s)"), "label": ""},
            title=_("Time per stage · {run}").format(run=title),
        )
        st.plotly_chart(figure, width="stretch")
    files = run_artifacts(settings, run_id)
    if not files:
        st.info(_("This run left no files."))
    for path in files:
        st.download_button(
            _("Download {name}").format(name=path.name),
            data=path.read_bytes(),
            file_name=path.name,
            key=f"download.{path.name}",
            icon=":material/download:",
        )


def runs() -> None:
    """Page body."""
    use_language()
    st.title(_("Run history & timings"))
    settings = Settings()
    with Database.from_settings(settings) as database:
        history = run_history(database, settings)
    if history.empty:
        st.info(_("No run yet: rank offers on the Semantic matching page first."))
        return
    st.dataframe(
        history_table(history),
        hide_index=True,
        column_config={_("Run"): st.column_config.TextColumn(pinned=True)},
    )
    durations_chart(history)
    st.subheader(_("What a run made"))
    runs_by_id = history.set_index("run_id")
    run_id = st.selectbox(_("Run"), list(runs_by_id.index), format_func=runs_by_id["title"].get)
    show_files(settings, run_id, runs_by_id.at[run_id, "kind"], runs_by_id.at[run_id, "title"])


runs()
