"""Convert CV: a PDF, DOCX or TXT CV to clean text, with what was set aside; the converted CV
is kept in the workspace for every other page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from jobmatch.config import Settings
from jobmatch.demo import demo_cv_paths
from jobmatch.documents import ExtractedDocument, extract_document
from jobmatch.errors import JobmatchError
from jobmatch.i18n import _, number, short_datetime
from jobmatch.storage import CVRecord, Database
from jobmatch.workspace import save_cv, stored_cvs
from ui import use_language


def read_cv(settings: Settings) -> ExtractedDocument | None:
    """The CV chosen on this page: an upload or a demo CV."""
    upload = st.file_uploader(_("CV (PDF, DOCX or TXT)"), type=["pdf", "docx", "txt"])
    if upload is not None:
        return extract_document(upload.getvalue(), filename=upload.name, settings=settings)
    demo = {path.name: path for path in demo_cv_paths()}
    name = st.selectbox(_("…or a demo CV"), [None, *demo], format_func=lambda n: n or "—")
    return None if name is None else extract_document(demo[name], settings=settings)


def show_document(document: ExtractedDocument) -> None:
    """Figures, warnings, the clean text (readable, selectable) and what was set aside."""
    pages, chars, words = st.columns(3)
    pages.metric(_("Pages"), number(len(document.pages), 0))
    chars.metric(_("Characters"), number(len(document.text), 0))
    words.metric(_("Words"), number(len(document.text.split()), 0))
    for warning in document.warnings:
        st.warning(warning)
    heading = _("Clean text (used for matching)")
    st.markdown(f"**{heading}**")
    with st.container(height=400, border=True):
        st.text(document.text)
    if document.hidden_text:
        with st.expander(_("Hidden text set aside (not used for matching)")):
            st.text(document.hidden_text)
    st.download_button(
        _("Download the clean text"),
        data=document.text.encode("utf-8"),
        file_name=f"{Path(document.name).stem}.txt",
        mime="text/plain",
        icon=":material/download:",
    )


def show_workspace_cvs(cvs: list[CVRecord]) -> None:
    """The CVs kept in the workspace, newest first."""
    st.subheader(_("CVs in the workspace"))
    if not cvs:
        st.caption(_("No CV yet."))
        return
    st.caption(_("Every page that needs a CV offers them under Stored CVs."))
    st.dataframe(
        pd.DataFrame(
            {
                _("CV"): [cv.name for cv in cvs],
                _("Added"): [short_datetime(cv.created_at) for cv in cvs],
                _("Words"): [len(cv.text.split()) for cv in cvs],
            }
        ),
        hide_index=True,
        column_config={_("CV"): st.column_config.TextColumn(pinned=True)},
    )


def convert_cv() -> None:
    """Page body."""
    use_language()
    st.title(_("Convert CV"))
    st.caption(_("Letter-spacing, hyphenation and columns are repaired; hidden text is reported."))
    settings = Settings()
    try:
        document = read_cv(settings)
    except JobmatchError as exc:
        st.error(str(exc))
        document = None
    with Database.from_settings(settings) as database:
        if document is not None:
            save_cv(document, database, settings)
        cvs = stored_cvs(database)
    if document is None:
        st.info(_("Upload a CV or pick a demo CV."))
    else:
        st.success(
            _(
                "Converted {name} and saved it to the workspace: pick it under Stored CVs on "
                "the other pages."
            ).format(name=document.name)
        )
        show_document(document)
    show_workspace_cvs(cvs)


convert_cv()
