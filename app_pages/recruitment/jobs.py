"""Candidate: browse the open offers and apply with a CV."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import require, show_error
from jobmatch.config import Settings
from jobmatch.documents import extract_document
from jobmatch.errors import JobmatchError
from jobmatch.i18n import N_, _
from jobmatch.recruitment.applications import apply, list_applications
from jobmatch.recruitment.offers import list_postings
from ui import plain, use_language

#: How a CV is given (English source strings: stable widget values in every language).
CV_SOURCES = (N_("Upload a file"), N_("Paste text"))


def apply_form(database, user, posting, settings: Settings) -> None:
    """A CV (a file, or pasted text: both go through the same extraction) and the button."""
    source = st.radio(
        _("CV"), CV_SOURCES, format_func=_, horizontal=True, key=f"source.{posting.id}"
    )
    if source == CV_SOURCES[0]:
        upload = st.file_uploader(
            _("CV (PDF, DOCX or TXT)"), type=["pdf", "docx", "txt"], key=f"file.{posting.id}"
        )
        content = None if upload is None else (upload.getvalue(), upload.name)
    else:
        text = st.text_area(_("Your CV as text"), key=f"text.{posting.id}", height=250)
        content = (text.encode("utf-8"), "cv.txt") if text.strip() else None
    if st.button(_("Apply"), key=f"apply.{posting.id}", disabled=content is None, type="primary"):
        try:
            document = extract_document(content[0], filename=content[1], settings=settings)
            apply(database, user, posting.id, document)
            st.success(_("Application sent."))
            for warning in document.warnings:
                st.warning(plain(warning))
        except JobmatchError as exc:
            show_error(exc)


def jobs_page() -> None:
    """Page body."""
    use_language()
    database, user = require("candidate")
    st.title(_("Jobs"))
    settings = Settings()
    applied = {application.posting_id for application in list_applications(database, user)}
    postings = list_postings(database, user)
    if not postings:
        st.info(_("No open offer at the moment."))
    for posting in postings:
        offer = posting.offer
        label = _("{title} — {company} ({place})").format(
            title=offer.title, company=offer.company, place=offer.location or _("anywhere")
        )
        with st.expander(plain(label), icon=":material/work:"):
            st.markdown(plain(offer.description).replace("\n", "  \n"))
            if posting.id in applied:
                st.caption(_("You have applied to this offer."))
            else:
                apply_form(database, user, posting, settings)


jobs_page()
