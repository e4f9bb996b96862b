"""Recruiter: applications per offer and status, the matcher's scores, test results per
skill."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import require
from jobmatch.i18n import _
from jobmatch.recruitment import dashboard as service
from ui import table, use_language


def dashboard_page() -> None:
    """Page body."""
    use_language()
    database, user = require("recruiter")
    st.title(_("Dashboard"))
    statuses = service.applications_by_status(database, user)
    if statuses.empty:
        st.info(_("No application yet."))
        return
    st.subheader(_("Applications per offer and status"))
    st.plotly_chart(service.status_chart(statuses))
    scores = service.score_distribution(database, user)
    if not scores.empty:
        st.subheader(_("Matcher scores"))
        st.plotly_chart(service.score_chart(scores))
    skills = service.results_by_skill(database, user)
    if skills.empty:
        st.caption(_("Test results per skill appear here once candidates submit tests."))
        return
    st.subheader(_("Test results per skill"))
    st.plotly_chart(service.skills_chart(skills))
    table(
        skills,
        {
            "offer": st.column_config.TextColumn(_("Offer"), pinned=True),
            "skill": st.column_config.TextColumn(_("Skill"), pinned=True),
            "mean_score": st.column_config.ProgressColumn(
                _("Mean score"), min_value=0, max_value=100, format="%.0f %%", pinned=True
            ),
            "answers": st.column_config.NumberColumn(_("Answers graded")),
        },
    )


dashboard_page()
