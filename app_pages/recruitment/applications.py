"""Recruiter: the applicants of an offer, ranked by the matcher, with their evidence; status
changes and CSV export."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import choose_posting, plain, require, show_error
from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.recruitment import applications as service
from ui import cached_embedder


def applications_page() -> None:
    """Page body."""
    database, user = require("recruiter")
    st.title("Applicants")
    settings = Settings()
    posting = choose_posting(database, user)
    if posting is None:
        return
    if st.button("Rank applicants"):
        with st.spinner("Ranking…"):
            service.rank_applications(
                database,
                user,
                posting.id,
                settings=settings,
                embedders=[cached_embedder(name) for name in settings.embedders],
            )
    applications = service.list_applications(database, user, posting.id)
    if not applications:
        st.info("No application yet.")
        return
    st.dataframe(service.applications_frame(database, user, posting.id), hide_index=True)
    if st.button("Export CSV"):
        path = service.export_applications(database, user, posting.id, settings)
        st.download_button("Download the CSV", data=path.read_bytes(), file_name=path.name)
    st.subheader("Status")
    application = st.selectbox(
        "Applicant", applications, format_func=lambda a: f"{a.candidate_name} ({a.status})"
    )
    status = st.selectbox("New status", service.STATUSES, index=1)
    if st.button("Update status"):
        try:
            service.set_status(database, user, application.id, status)
            st.rerun()
        except JobmatchError as exc:
            show_error(exc)
    if application.evidence:
        st.subheader(f"Evidence — {plain(application.candidate_name)}")
        st.text(
            f"Skills of the offer found in the CV: {', '.join(application.evidence['matched'])}"
        )
        st.text(f"Skills of the offer missing: {', '.join(application.gaps)}")


applications_page()
