"""Candidate: their own applications and tests."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.recruitment.session import require
from jobmatch.recruitment.applications import list_applications
from jobmatch.recruitment.assessments import list_candidate_tests


def my_applications_page() -> None:
    """Page body."""
    database, user = require("candidate")
    st.title("My applications")
    applications = list_applications(database, user)
    if not applications:
        st.info("No application yet: see the Jobs page.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "offer": [a.offer_title for a in applications],
                "status": [a.status for a in applications],
                "cv": [a.cv_name for a in applications],
                "applied_at": [a.created_at for a in applications],
            }
        ),
        hide_index=True,
    )
    st.subheader("Tests")
    tests = list_candidate_tests(database, user)
    if tests:
        st.dataframe(pd.DataFrame(tests).drop(columns="id"), hide_index=True)
    else:
        st.caption("No test sent to you yet.")


my_applications_page()
