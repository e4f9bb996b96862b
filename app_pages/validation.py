"""Validation: run ``evaluate`` on a labelled file and show its metrics and plots."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import Settings
from jobmatch.demo import demo_labelled_set
from jobmatch.errors import JobmatchError
from jobmatch.i18n import N_, _
from jobmatch.insights import with_band_labels
from jobmatch.matching.evaluation import (
    METRIC_LABELS,
    SYSTEM_LABELS,
    EvaluationRun,
    LabelledSet,
    figures,
    metrics_for_people,
    read_pairs_upload,
    run_evaluation,
    set_summary,
)
from jobmatch.storage import Database
from ui import cached_embedder, cached_reranker, choose_models_and_top_k, table, use_language

RESULT_KEY = "validation.run"
#: The report's files offered for download, with their labels and types.
DOWNLOADS = {
    "report.md": (N_("Download the report (Markdown)"), "text/markdown"),
    "metrics.csv": (N_("Download the metrics (CSV)"), "text/csv"),
    "scores.csv": (N_("Download the scores (CSV)"), "text/csv"),
}


def choose_labelled_set(settings: Settings) -> LabelledSet | None:
    """The demo ranking set or an uploaded CSV of labelled pairs. Raises ``JobmatchError``."""
    sources = {"demo": _("Demo labels (3 CVs × 40 offers)"), "upload": _("Upload pairs")}
    source = st.radio(_("Labelled data"), list(sources), format_func=sources.get, horizontal=True)
    if source == "demo":
        return demo_labelled_set(settings)
    upload = st.file_uploader(
        _("Pairs CSV: columns cv, offer (texts) and label (0/1 or graded)"), type=["csv"]
    )
    threshold = st.number_input(_("Labels at or above this are matches"), value=0.5, step=0.5)
    if upload is None:
        return None
    return read_pairs_upload(upload.getvalue(), upload.name, threshold, settings)


def evaluate(labelled: LabelledSet, models: list[str], top_k: int, threshold: float) -> None:
    """Run the evaluation with a status box and keep it in the session."""
    settings = Settings()
    database = Database.from_settings(settings)
    with st.status(_("Evaluating…"), expanded=True) as status:
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
                progress=lambda stage, done, total: bar.progress(min(done / max(total, 1), 1.0)),
            )
        finally:
            database.close()
        status.update(label=_("Evaluated"), state="complete", expanded=False)
    st.session_state[RESULT_KEY] = run


def metric_columns() -> dict[str, st.column_config.Column]:
    """The metrics table's labels and tooltips."""
    systems = {
        system: st.column_config.TextColumn(_(label), help=_(meaning))
        for system, (label, meaning) in SYSTEM_LABELS.items()
    }
    return systems | {
        "measure": st.column_config.TextColumn(
            _("Measure"), help=_("See “What the measures mean” below."), pinned=True
        )
    }


def band_columns() -> dict[str, st.column_config.Column]:
    """The bands table's labels and tooltips."""
    percent = "%.0f %%"
    return {
        "band": st.column_config.TextColumn(_("Match"), pinned=True),
        "low": st.column_config.NumberColumn(_("From"), format=percent),
        "high": st.column_config.NumberColumn(_("To"), format=percent),
        "pairs": st.column_config.NumberColumn(
            _("Pairs"), help=_("Judged pairs whose final score falls in the band.")
        ),
        "mean_score": st.column_config.NumberColumn(
            _("Mean final score"), help=_("The band's pairs' mean final score."), format=percent
        ),
        "match_rate": st.column_config.NumberColumn(
            _("Observed match rate"),
            help=_(
                "The share of the band's pairs that are matches: close to the mean score when "
                "the score is well calibrated."
            ),
            format=percent,
        ),
    }


def show_run(run: EvaluationRun) -> None:
    """Metrics with intervals, the figures, and the report's files to download."""
    for result in run.results:
        st.caption(set_summary(result))
        metrics = metrics_for_people(result.metrics)
        table(metrics, metric_columns(), ["measure", *metrics.columns[2:]])
        st.caption(_("Each cell: value [95 % interval, from 200 resamplings of the CVs]."))
        with st.expander(_("What the measures mean"), icon=":material/help:"):
            st.markdown(
                "\n".join(
                    f"- **{_(label)}** — {_(meaning)}"
                    for metric, (label, meaning) in METRIC_LABELS.items()
                    if metric in set(metrics["metric"])
                )
            )
        charts = figures(result)
        left, right = st.columns(2)
        for index, figure in enumerate(charts.values()):
            (left if index % 2 == 0 else right).plotly_chart(figure, width="stretch")
        heading = _("Final score by band")
        st.markdown(f"**{heading}**")
        table(with_band_labels(result.bands), band_columns())
    folder = run.report.parent
    for name, (label, mime) in DOWNLOADS.items():
        st.download_button(
            _(label),
            data=(folder / name).read_bytes(),
            file_name=name,
            mime=mime,
            key=name,
            icon=":material/download:",
        )


def validation() -> None:
    """Page body."""
    use_language()
    st.title(_("Validation"))
    st.caption(
        _(
            "How well each score separates matches from non-matches on labelled data: shared "
            "words (the baseline), bi-encoder, first stage, cross-encoder and final score side "
            "by side."
        )
    )
    settings = Settings()
    try:
        labelled = choose_labelled_set(settings)
    except JobmatchError as exc:
        st.error(str(exc))
        return
    models, top_k = choose_models_and_top_k(settings)
    threshold = st.slider(_("Decision threshold (final score)"), 0, 100, 50, format="%d %%")
    if st.button(_("Evaluate"), type="primary", disabled=labelled is None):
        try:
            evaluate(labelled, models, top_k, float(threshold))
        except JobmatchError as exc:
            st.error(str(exc))
    if RESULT_KEY in st.session_state:
        show_run(st.session_state[RESULT_KEY])


validation()
