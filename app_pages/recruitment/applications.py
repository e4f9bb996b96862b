"""Recruiter: the applicants of an offer, ranked by the matcher, with their evidence; status
changes and CSV download."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import choose_posting, require, show_error
from jobmatch.config import Settings
from jobmatch.documents import safe_filename
from jobmatch.errors import JobmatchError
from jobmatch.i18n import _
from jobmatch.recruitment import applications as service
from ui import cached_embedder, plain, table, use_language


def applicant_columns() -> dict[str, st.column_config.Column]:
    """Labels and tooltips of the applicants table; rank, name and score pinned."""
    percent = "%.0f %%"
    return {
        "rank": st.column_config.NumberColumn(
            _("Rank"), help=_("Place by final score: 1 is the best match."), pinned=True
        ),
        "candidate": st.column_config.TextColumn(_("Candidate"), pinned=True),
        "final_score": st.column_config.ProgressColumn(
            _("Final score"),
            help=_(
                "The matcher's estimated chance, 0–100 %, that the CV suits the offer (the same "
                "score as on the job-seeker side). Empty until the applicants are ranked."
            ),
            min_value=0,
            max_value=100,
            format=percent,
            pinned=True,
        ),
        "band": st.column_config.TextColumn(_("Match")),
        "status": st.column_config.TextColumn(_("Status")),
        "test_score": st.column_config.NumberColumn(
            _("Test score"), help=_("The latest graded test, 0–100."), format="%.0f"
        ),
        "matched_skills": st.column_config.TextColumn(_("Skills found in the CV")),
        "missing_skills": st.column_config.TextColumn(_("Skills missing")),
        "email": st.column_config.TextColumn(_("E-mail")),
        "cv_name": st.column_config.TextColumn(_("CV")),
        "applied_at": st.column_config.TextColumn(_("Applied")),
    }


def status_form(
    database, user, applications: list[service.Application], names: dict[str, str]
) -> None:
    """Move one applicant to another status, and show their evidence (skills named as in the
    offer: ``names``)."""
    st.subheader(_("Status"))
    shown = {application.id: application for application in applications}
    chosen = shown[
        st.selectbox(
            _("Applicant"),
            list(shown),
            format_func=lambda key: (
                f"{shown[key].candidate_name} · {service.status_label(shown[key].status)}"
            ),
        )
    ]
    status = st.selectbox(
        _("New status"), service.STATUSES, index=1, format_func=service.status_label
    )
    if st.button(_("Update the status")):
        try:
            service.set_status(database, user, chosen.id, status)
            st.rerun()
        except JobmatchError as exc:
            show_error(exc)
    if chosen.evidence:
        st.markdown(
            _("**Skills of the offer found in the CV:** {skills}").format(
                skills=plain(", ".join(names.get(s, s) for s in chosen.evidence["matched"])) or "—"
            )
        )
        st.markdown(
            _("**Skills of the offer missing:** {skills}").format(
                skills=plain(", ".join(names.get(s, s) for s in chosen.gaps)) or "—"
            )
        )


def applications_page() -> None:
    """Page body."""
    use_language()
    database, user = require("recruiter")
    st.title(_("Applicants"))
    settings = Settings()
    posting = choose_posting(database, user)
    if posting is None:
        return
    applications = service.list_applications(database, user, posting.id)
    if not applications:
        st.info(_("No application yet."))
        return
    if st.button(_("Rank applicants"), type="primary", icon=":material/leaderboard:"):
        with st.spinner(_("Ranking…")):
            applications = service.rank_applications(
                database,
                user,
                posting.id,
                settings=settings,
                embedders=[cached_embedder(name) for name in settings.embedders],
            )
    frame = service.applications_frame(database, user, posting.id)
    table(service.readable_applications(frame, posting.offer.text), applicant_columns())
    st.download_button(
        _("Download the CSV"),
        data=frame.to_csv(index=False),
        file_name=safe_filename(f"{posting.offer.title}-applications.csv"),
        mime="text/csv",
        icon=":material/download:",
    )
    status_form(database, user, applications, service.skill_spellings(posting.offer.text))


applications_page()
