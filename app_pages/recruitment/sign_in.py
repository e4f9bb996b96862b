"""Sign in, create a candidate account, or (first run) create the first recruiter."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import (
    TOKEN_KEY,
    database,
    plain,
    show_error,
    signed_in_user,
)
from jobmatch.errors import JobmatchError
from jobmatch.recruitment import accounts


def _signed_in(email: str, password: str) -> None:
    # Failed tries are throttled per client address: None when browsing from this machine
    # (and not a string under AppTest).
    address = st.context.ip_address
    source = address if isinstance(address, str) else accounts.LOCAL_SOURCE
    st.session_state[TOKEN_KEY] = accounts.sign_in(database(), email, password, source=source)
    st.rerun()


def first_recruiter() -> None:
    """First run: the form that creates the organisation and its first recruiter."""
    st.info("First run: create your organisation and its first recruiter account.")
    with st.form("first_recruiter"):
        organisation = st.text_input("Organisation")
        name = st.text_input("Your name")
        email = st.text_input("E-mail")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Create the first recruiter"):
            try:
                accounts.create_first_recruiter(database(), organisation, email, name, password)
                _signed_in(email, password)
            except JobmatchError as exc:
                show_error(exc)


def sign_in_page() -> None:
    """Page body."""
    st.title("Recruitment")
    user = signed_in_user()
    if user is not None:
        st.success(f"Signed in as {plain(user.name)}.")
        return
    if not accounts.has_recruiter(database()):
        first_recruiter()
        return
    sign_in_tab, sign_up_tab = st.tabs(["Sign in", "Create a candidate account"])
    with sign_in_tab, st.form("sign_in"):
        email = st.text_input("E-mail", key="sign_in.email")
        password = st.text_input("Password", type="password", key="sign_in.password")
        if st.form_submit_button("Sign in"):
            try:
                _signed_in(email, password)
            except JobmatchError as exc:
                show_error(exc)
    with sign_up_tab, st.form("sign_up"):
        name = st.text_input("Your name", key="sign_up.name")
        email = st.text_input("E-mail", key="sign_up.email")
        password = st.text_input(
            "Password (10 characters or more)", type="password", key="sign_up.password"
        )
        if st.form_submit_button("Create my account"):
            try:
                accounts.sign_up_candidate(database(), email, name, password)
                _signed_in(email, password)
            except JobmatchError as exc:
                show_error(exc)


sign_in_page()
