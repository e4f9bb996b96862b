"""Candidate: browse the open offers and apply with a CV."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import plain, require, show_error
from jobmatch.config import Settings
from jobmatch.documents import extract_document
from jobmatch.errors import JobmatchError
from jobmatch.recruitment.applications import apply, list_applications
from jobmatch.recruitment.offers import list_postings


def apply_form(database, user, posting, settings: Settings) -> None:
    """A CV (a file, or pasted text: both go through the same extraction) and the button."""
    source = st.radio(
        "CV", ["Upload a file", "Paste text"], horizontal=True, key=f"source.{posting.id}"
    )
    if source == "Upload a file":
        upload = st.file_uploader(
            "CV (PDF, DOCX or TXT)", type=["pdf", "docx", "txt"], key=f"file.{posting.id}"
        )
        content = None if upload is None else (upload.getvalue(), upload.name)
    else:
        text = st.text_area("Your CV as text", key=f"text.{posting.id}")
        content = (text.encode("utf-8"), "cv.txt") if text.strip() else None
    if st.button("Apply", key=f"apply.{posting.id}", disabled=content is None):
        try:
            document = extract_document(content[0], filename=content[1], settings=settings)
            apply(database, user, posting.id, document)
            st.success("Application sent.")
            for warning in document.warnings:
                st.warning(warning)
        except JobmatchError as exc:
            show_error(exc)


def jobs_page() -> None:
    """Page body."""
    database, user = require("candidate")
    st.title("Jobs")
    settings = Settings()
    applied = {application.posting_id for application in list_applications(database, user)}
    postings = list_postings(database, user)
    if not postings:
        st.info("No open offer at the moment.")
    for posting in postings:
        offer = posting.offer
        label = f"{offer.title} — {offer.company} ({offer.location or 'anywhere'})"
        with st.expander(plain(label)):
            st.text(offer.description)
            if posting.id in applied:
                st.caption("You have applied to this offer.")
            else:
                apply_form(database, user, posting, settings)


jobs_page()
