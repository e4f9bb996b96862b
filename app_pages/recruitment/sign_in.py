"""Sign in, create a candidate account, or (first run) create the first recruiter; a signed-in
user goes on to their role's first page."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import (
    TOKEN_KEY,
    WELCOME_KEY,
    database,
    open_landing_page,
    show_error,
    signed_in_user,
)
from jobmatch.errors import JobmatchError
from jobmatch.i18n import _
from jobmatch.recruitment import accounts
from ui import use_language


def _signed_in(email: str, password: str) -> None:
    # Failed tries are throttled per client address: None when browsing from this machine
    # (and not a string under AppTest).
    address = st.context.ip_address
    source = address if isinstance(address, str) else accounts.LOCAL_SOURCE
    st.session_state[TOKEN_KEY] = accounts.sign_in(database(), email, password, source=source)
    st.session_state[WELCOME_KEY] = True
    st.rerun()  # the router now lists the role's pages, and this page opens the first


def first_recruiter() -> None:
    """First run: the form that creates the organisation and its first recruiter."""
    st.info(_("First run: create your organisation and its first recruiter account."))
    with st.form("first_recruiter"):
        organisation = st.text_input(_("Organisation"))
        name = st.text_input(_("Your name"))
        email = st.text_input(_("E-mail"))
        password = st.text_input(_("Password (10 characters or more)"), type="password")
        if st.form_submit_button(_("Create the first recruiter"), type="primary"):
            try:
                accounts.create_first_recruiter(database(), organisation, email, name, password)
                _signed_in(email, password)
            except JobmatchError as exc:
                show_error(exc)


def sign_in_page() -> None:
    """Page body."""
    use_language()
    user = signed_in_user()
    if user is not None:
        open_landing_page(user)
        return
    st.title(_("Recruitment"))
    if not accounts.has_recruiter(database()):
        first_recruiter()
        return
    sign_in_tab, sign_up_tab = st.tabs([_("Sign in"), _("Create a candidate account")])
    with sign_in_tab, st.form("sign_in"):
        email = st.text_input(_("E-mail"), key="sign_in.email")
        password = st.text_input(_("Password"), type="password", key="sign_in.password")
        if st.form_submit_button(_("Sign in"), type="primary"):
            try:
                _signed_in(email, password)
            except JobmatchError as exc:
                show_error(exc)
    with sign_up_tab, st.form("sign_up"):
        name = st.text_input(_("Your name"), key="sign_up.name")
        email = st.text_input(_("E-mail"), key="sign_up.email")
        password = st.text_input(
            _("Password (10 characters or more)"), type="password", key="sign_up.password"
        )
        if st.form_submit_button(_("Create my account"), type="primary"):
            try:
                accounts.sign_up_candidate(database(), email, name, password)
                _signed_in(email, password)
            except JobmatchError as exc:
                show_error(exc)


sign_in_page()
