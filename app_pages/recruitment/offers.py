"""Recruiter: publish offers (write one or publish a stored one), edit, close and reopen them."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import require, show_error
from jobmatch.errors import JobmatchError
from jobmatch.i18n import _
from jobmatch.offers import offer_source, source_label, unique_labels
from jobmatch.recruitment import offers as service
from ui import offer_filters, plain, use_language


def publish_form(database, user) -> None:
    """Write a new offer."""
    with st.form("publish", clear_on_submit=True):
        title = st.text_input(_("Title"))
        location = st.text_input(_("Location"))
        description = st.text_area(_("Description (requirements included)"), height=200)
        if st.form_submit_button(_("Publish"), type="primary"):
            try:
                posting = service.publish_offer(
                    database, user, title, description, location=location
                )
                st.success(_("Published: {title}").format(title=plain(posting.offer.title)))
            except JobmatchError as exc:
                show_error(exc)


def promote_form(database, user) -> None:
    """Publish a copy of a scraped, imported or pasted offer (filtered like on the Offers
    page)."""
    stored = service.publishable_offers(database, user)
    if not stored:
        st.caption(_("No scraped, imported or pasted offer stored yet (see the Offers page)."))
        return
    shown = offer_filters(stored, key="promote")
    if not shown:
        st.info(_("No stored offer passes these filters."))
        return
    labels = dict(
        zip(
            [offer.id for offer in shown],
            unique_labels(
                f"{offer.title} — {offer.company} · {source_label(offer_source(offer))}"
                for offer in shown
            ),
            strict=True,
        )
    )
    choice = st.selectbox(_("Stored offer"), list(labels), format_func=labels.get)
    if st.button(_("Publish this offer"), type="primary"):
        try:
            posting = service.promote_offer(database, user, choice)
            st.success(_("Published: {title}").format(title=plain(posting.offer.title)))
        except JobmatchError as exc:
            show_error(exc)


def posting_editor(database, user, posting: service.Posting) -> None:
    """Edit, close or reopen one posting."""
    with st.form(f"edit.{posting.id}"):
        title = st.text_input(_("Title"), posting.offer.title)
        company = st.text_input(_("Company"), posting.offer.company)
        location = st.text_input(_("Location"), posting.offer.location)
        description = st.text_area(_("Description"), posting.offer.description, height=200)
        if st.form_submit_button(_("Save")):
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
    closing = posting.status == "open"
    label = _("Close this offer") if closing else _("Reopen this offer")
    if st.button(label, key=f"status.{posting.id}"):
        service.set_posting_status(database, user, posting.id, "closed" if closing else "open")
        st.rerun()


def offers_page() -> None:
    """Page body."""
    use_language()
    database, user = require("recruiter")
    st.title(_("Published offers"))
    write, promote = st.tabs([_("Write an offer"), _("Publish a stored offer")])
    with write:
        publish_form(database, user)
    with promote:
        promote_form(database, user)
    postings = service.list_postings(database, user)
    if not postings:
        st.info(_("No offer published yet."))
    for posting in postings:
        with st.expander(plain(posting.label()), icon=":material/work:"):
            posting_editor(database, user, posting)


offers_page()
