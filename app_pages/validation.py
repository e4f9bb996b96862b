"""Validation: run ``evaluate`` on a labelled file and show its metrics and plots."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import Settings
from jobmatch.demo import demo_labelled_set
from jobmatch.errors import JobmatchError
from jobmatch.matching.evaluation import (
    EvaluationRun,
    LabelledSet,
    figures,
    metrics_wide,
    read_pairs_upload,
    run_evaluation,
)
from jobmatch.storage import Database
from ui import cached_embedder, cached_reranker, choose_models_and_top_k

RESULT_KEY = "validation.run"


def choose_labelled_set(settings: Settings) -> LabelledSet | None:
    """The demo ranking set or an uploaded CSV of labelled pairs. Raises ``JobmatchError``."""
    source = st.radio(
        "Labelled data", ["Demo labels (3 CVs × 40 offers)", "Upload pairs"], horizontal=True
    )
    if source.startswith("Demo"):
        return demo_labelled_set(settings)
    upload = st.file_uploader(
        "Pairs CSV: columns cv, offer (texts) and label (0/1 or graded)", type=["csv"]
    )
    threshold = st.number_input("Labels at or above this are matches", value=0.5, step=0.5)
    if upload is None:
        return None
    return read_pairs_upload(upload.getvalue(), upload.name, threshold, settings)


def evaluate(labelled: LabelledSet, models: list[str], top_k: int, threshold: float) -> None:
    """Run the evaluation with a status box and keep it in the session."""
    settings = Settings()
    database = Database.from_settings(settings)
    with st.status("Evaluating…", expanded=True) as status:
        bar = st.progress(0.0)
        try:
            run = run_evaluation(
                [labelled],
                settings=settings,
                database=database,
                embedders=[cached_embedder(name) for name in models],
                reranker=cached_reranker(settings.reranker) if top_k else None,
                top_k=top_k,
                threshold=threshold,
                bootstrap=200,
                progress=lambda stage, done, total: bar.progress(
                    min(done / max(total, 1), 1.0), text=f"{stage}: {done}/{total}"
                ),
            )
        finally:
            database.close()
        status.update(label=f"Evaluated (run {run.run_id})", state="complete", expanded=False)
    st.session_state[RESULT_KEY] = run


def show_run(run: EvaluationRun) -> None:
    """Metrics with intervals, the figures, and the report's files to download."""
    for result in run.results:
        st.subheader(result.labelled.name)
        st.caption(result.labelled.description)
        st.dataframe(metrics_wide(result.metrics), hide_index=True)
        st.caption("Each cell: value [95 % bootstrap interval]; 200 resamples by CV.")
        charts = figures(result)
        left, right = st.columns(2)
        for number, figure in enumerate(charts.values()):
            (left if number % 2 == 0 else right).plotly_chart(figure, width="stretch")
        st.markdown("**Final score by band**")
        st.dataframe(result.bands, hide_index=True)
    folder = run.report.parent
    for name in ("report.md", "metrics.csv", "scores.csv"):
        st.download_button(
            f"Download {name}", data=(folder / name).read_bytes(), file_name=name, key=name
        )


def validation() -> None:
    """Page body."""
    st.title("Validation")
    st.caption(
        "How well each score separates matches from non-matches on labelled data: TF-IDF "
        "(baseline), bi-encoder, first stage, cross-encoder and final score side by side."
    )
    settings = Settings()
    try:
        labelled = choose_labelled_set(settings)
    except JobmatchError as exc:
        st.error(str(exc))
        return
    models, top_k = choose_models_and_top_k(settings)
    threshold = st.slider("Decision threshold (final %)", 0, 100, 50)
    if st.button("Evaluate", type="primary", disabled=labelled is None):
        try:
            evaluate(labelled, models, top_k, float(threshold))
        except JobmatchError as exc:
            st.error(str(exc))
    if RESULT_KEY in st.session_state:
        show_run(st.session_state[RESULT_KEY])


validation()
