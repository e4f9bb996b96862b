"""Recruiter: applications per offer and status, score distributions, test results per skill."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from app_pages.recruitment.session import require
from jobmatch.recruitment import dashboard as service


def dashboard_page() -> None:
    """Page body."""
    database, user = require("recruiter")
    st.title("Dashboard")
    statuses = service.applications_by_status(database, user)
    if statuses.empty:
        st.info("No application yet.")
        return
    st.subheader("Applications per offer and status")
    st.plotly_chart(px.bar(statuses, x="offer", y="applications", color="status"))
    scores = service.score_distribution(database, user)
    if not scores.empty:
        st.subheader("Matcher scores")
        st.plotly_chart(px.histogram(scores, x="final_score", color="offer", nbins=20))
    skills = service.results_by_skill(database, user)
    if not skills.empty:
        st.subheader("Test results per skill")
        st.plotly_chart(px.bar(skills, x="skill", y="mean_score", color="offer", barmode="group"))
        st.dataframe(skills, hide_index=True)


dashboard_page()
