"""Recruiter: publish offers (write one or promote a stored one), edit and close them."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import plain, require, show_error
from jobmatch.errors import JobmatchError
from jobmatch.recruitment import offers as service


def publish_form(database, user) -> None:
    """Write a new offer."""
    with st.form("publish", clear_on_submit=True):
        title = st.text_input("Title")
        location = st.text_input("Location")
        description = st.text_area("Description (requirements included)", height=200)
        if st.form_submit_button("Publish"):
            try:
                posting = service.publish_offer(
                    database, user, title, description, location=location
                )
                st.success(f"Published: {plain(posting.offer.title)}")
            except JobmatchError as exc:
                show_error(exc)


def promote_form(database, user) -> None:
    """Publish a copy of a scraped or imported offer."""
    stored = [o for o in database.get_offers() if not o.id.startswith("job-")]
    if not stored:
        st.caption("No scraped or imported offer stored yet (see the Offers page).")
        return
    choice = st.selectbox(
        "Stored offer",
        stored,
        format_func=lambda offer: f"{offer.title} — {offer.company} ({offer.id})",
    )
    if st.button("Publish this offer"):
        try:
            posting = service.promote_offer(database, user, choice.id)
            st.success(f"Published: {plain(posting.offer.title)}")
        except JobmatchError as exc:
            show_error(exc)


def posting_editor(database, user, posting) -> None:
    """Edit, close or reopen one posting."""
    with st.form(f"edit.{posting.id}"):
        title = st.text_input("Title", posting.offer.title)
        company = st.text_input("Company", posting.offer.company)
        location = st.text_input("Location", posting.offer.location)
        description = st.text_area("Description", posting.offer.description, height=200)
        if st.form_submit_button("Save"):
            try:
                service.edit_offer(
                    database,
                    user,
                    posting.id,
                    title=title,
                    description=description,
                    location=location,
                    company=company,
                )
                st.rerun()
            except JobmatchError as exc:
                show_error(exc)
    target = "closed" if posting.status == "open" else "open"
    label = "Close this offer" if target == "closed" else "Reopen this offer"
    if st.button(label, key=f"status.{posting.id}"):
        service.set_posting_status(database, user, posting.id, target)
        st.rerun()


def offers_page() -> None:
    """Page body."""
    database, user = require("recruiter")
    st.title("Published offers")
    write, promote = st.tabs(["Write an offer", "Promote a stored offer"])
    with write:
        publish_form(database, user)
    with promote:
        promote_form(database, user)
    postings = service.list_postings(database, user)
    if not postings:
        st.info("No offer published yet.")
    for posting in postings:
        with st.expander(f"{plain(posting.offer.title)} — {posting.status}"):
            posting_editor(database, user, posting)


offers_page()
