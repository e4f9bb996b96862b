"""Candidate: their own applications and tests."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.recruitment.session import require
from jobmatch.i18n import _, number, short_datetime
from jobmatch.recruitment.applications import list_applications, status_label
from jobmatch.recruitment.assessments import list_candidate_tests
from ui import page_link, use_language


def my_applications_page() -> None:
    """Page body."""
    use_language()
    database, user = require("candidate")
    st.title(_("My applications"))
    applications = list_applications(database, user)
    if not applications:
        st.info(_("No application yet."))
        page_link("app_pages/recruitment/jobs.py", _("See the open offers"), ":material/work:")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "offer": [a.offer_title for a in applications],
                "status": [status_label(a.status) for a in applications],
                "cv": [a.cv_name for a in applications],
                "applied_at": [short_datetime(a.created_at) for a in applications],
            }
        ),
        hide_index=True,
        column_config={
            "offer": st.column_config.TextColumn(_("Offer"), pinned=True),
            "status": st.column_config.TextColumn(_("Status")),
            "cv": st.column_config.TextColumn(_("CV")),
            "applied_at": st.column_config.TextColumn(_("Applied")),
        },
    )
    st.subheader(_("Tests"))
    tests = list_candidate_tests(database, user)
    if not tests:
        st.caption(_("No test sent to you yet."))
        return
    st.dataframe(
        pd.DataFrame(
            {
                "test": [test.label() for test in tests],
                "minutes": [test.time_limit_minutes for test in tests],
                "score": [
                    "" if test.score is None else f"{number(test.score, 0)} / 100" for test in tests
                ],
            }
        ),
        hide_index=True,
        column_config={
            "test": st.column_config.TextColumn(_("Test"), pinned=True),
            "minutes": st.column_config.NumberColumn(_("Time limit (minutes)")),
            "score": st.column_config.TextColumn(_("Score")),
        },
    )
    page_link("app_pages/recruitment/take_test.py", _("Take a test"), ":material/quiz:")


my_applications_page()
