"""Convert CV: a PDF, DOCX or TXT CV to clean text, with what was set aside."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import Settings
from jobmatch.demo import demo_cv_paths
from jobmatch.documents import ExtractedDocument, extract_document
from jobmatch.errors import JobmatchError
from jobmatch.storage import Database
from jobmatch.workspace import save_cv

#: Session key of the converted CV, read by the other pages.
CV_KEY = "cv.document"


def read_cv(settings: Settings) -> ExtractedDocument | None:
    """The CV chosen on this page: an upload or a demo CV."""
    upload = st.file_uploader("CV (PDF, DOCX or TXT)", type=["pdf", "docx", "txt"])
    if upload is not None:
        return extract_document(upload.getvalue(), filename=upload.name, settings=settings)
    demo = {path.name: path for path in demo_cv_paths()}
    name = st.selectbox("…or a demo CV", [None, *demo], format_func=lambda n: n or "—")
    return None if name is None else extract_document(demo[name], settings=settings)


def show_document(document: ExtractedDocument) -> None:
    """Figures, warnings, the clean text and what was set aside."""
    pages, chars, words = st.columns(3)
    pages.metric("Pages", len(document.pages))
    chars.metric("Characters", f"{len(document.text):,}")
    words.metric("Words", f"{len(document.text.split()):,}")
    for warning in document.warnings:
        st.warning(warning)
    st.text_area("Clean text (used for matching)", document.text, height=400, disabled=True)
    if document.hidden_text:
        with st.expander("Hidden text set aside (not used for matching)"):
            st.text(document.hidden_text)
    st.download_button(
        "Download the clean text",
        data=document.text.encode("utf-8"),
        file_name=f"{document.name.rsplit('.', 1)[0]}.txt",
        mime="text/plain",
    )


def convert_cv() -> None:
    """Page body."""
    st.title("Convert CV")
    st.caption("Letter-spacing, hyphenation and columns are repaired; hidden text is reported.")
    settings = Settings()
    try:
        document = read_cv(settings)
    except JobmatchError as exc:
        st.error(str(exc))
        return
    if document is None:
        st.info("Upload a CV or pick a demo CV.")
        return
    database = Database.from_settings(settings)
    try:
        saved = save_cv(document, database, settings)
    finally:
        database.close()
    st.session_state[CV_KEY] = document
    st.success(f"Converted {document.name} and saved it to the workspace (CV {saved.cv_id}).")
    show_document(document)


convert_cv()
