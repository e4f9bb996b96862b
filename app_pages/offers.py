"""Offers: scrape HelloWork, import a file, paste an offer, and see and download what is stored."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jobmatch.artifacts import csv_text
from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.imports import FORMATS, import_offers, offer_from_paste
from jobmatch.offers import offer_warnings
from jobmatch.scraping.hellowork import BASE_URL, SearchQuery
from jobmatch.scraping.scraper import ScrapeOptions, ScrapeReport, scrape
from jobmatch.storage import Database

CONTRACTS = ["CDI", "CDD", "Stage", "Alternance", "Intérim", "Freelance", "Indépendant"]
SINCE_LABELS = {
    "all": "Any time",
    "24h": "Last 24 hours",
    "3d": "Last 3 days",
    "week": "Last week",
    "month": "Last month",
}
FORMAT_LABELS = {
    "auto": "Recognise it",
    "offers": "Offers columns (id, title, company, location, description…)",
    "france-travail": "France Travail API records",
}
TABLE_COLUMNS = ["title", "company", "location", "contract", "published_at", "salary", "url"]


def run_scrape(query: SearchQuery, options: ScrapeOptions, settings: Settings) -> None:
    """Scrape with a live progress bar; errors and unreadable offers are reported."""
    report: ScrapeReport | None = None
    error = ""
    with (
        Database.from_settings(settings) as database,
        st.status("Scraping HelloWork…", expanded=True) as status,
    ):
        bar = st.progress(0.0, text="Starting the browser…")
        line = st.empty()

        def progress(done: int, total: int, message: str) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=f"{done} / {total} offers")
            line.text(message)  # scraped titles: plain text only

        try:
            report = scrape(query, database, options=options, progress=progress)
        except JobmatchError as exc:
            error = str(exc)
        if report is None:
            status.update(label="Scraping stopped", state="error")
        else:
            status.update(label=report.summary(), state="complete", expanded=False)
    if error:
        st.error(error)
    if report is not None:
        st.success(report.summary())
        for failure in report.failed:
            st.text(failure)


def scrape_tab(settings: Settings) -> None:
    """The search form; submitting it runs the scraper."""
    st.caption(
        "A headless Chromium reads HelloWork's results and offer pages, politely (one request "
        "at a time, with a pause). Each offer is stored as soon as it is read: stopping the run "
        "loses nothing, and the same search run again resumes where it stopped."
    )
    with st.form("scrape"):
        keywords = st.text_input("Keywords", placeholder="data analyst", key="scrape.keywords")
        location = st.text_input("Location", placeholder="Lyon", key="scrape.location")
        contracts = st.multiselect("Contract types (none: all)", CONTRACTS, key="scrape.contracts")
        since = st.selectbox(
            "Published", list(SINCE_LABELS), format_func=SINCE_LABELS.get, key="scrape.since"
        )
        max_offers = st.number_input("Maximum offers", 1, 1000, 30, key="scrape.max")
        with st.expander("Advanced"):
            base_url = st.text_input("Site URL", BASE_URL, key="scrape.base_url")
            min_interval = st.number_input(
                "Seconds between requests",
                0.0,
                60.0,
                ScrapeOptions.min_interval,
                step=0.5,
                key="scrape.min_interval",
            )
            accept = st.checkbox("Accept the site's cookies (default: refuse them)")
        submitted = st.form_submit_button("Scrape", type="primary")
    if not submitted:
        return
    try:
        query = SearchQuery(
            keywords=keywords,
            location=location,
            contracts=tuple(contracts),
            since=since,
            max_offers=int(max_offers),
        )
    except JobmatchError as exc:
        st.error(str(exc))
        return
    options = ScrapeOptions(base_url=base_url, min_interval=min_interval, accept_cookies=accept)
    run_scrape(query, options, settings)


def import_tab(settings: Settings) -> None:
    """Upload an offers file or France Travail records; they are added to the stored offers."""
    upload = st.file_uploader(
        "Offers file (CSV, JSONL or JSON)", type=["csv", "jsonl", "json"], key="import.file"
    )
    file_format = st.selectbox(
        "Format", FORMATS, format_func=FORMAT_LABELS.get, key="import.format"
    )
    if not st.button("Import", disabled=upload is None, key="import.run") or upload is None:
        return
    if upload.size > settings.max_upload_bytes:
        st.error(f"The file is larger than {settings.max_upload_bytes // 1_000_000} MB.")
        return
    try:
        offers = import_offers(upload.getvalue(), upload.name, file_format)
    except JobmatchError as exc:
        st.error(str(exc))
        return
    with Database.from_settings(settings) as database:
        database.upsert_offers(offers, source=upload.name)
    st.success(f"Imported {len(offers)} offers.")
    for warning in offer_warnings(offers):
        st.warning(warning)


def paste_tab(settings: Settings) -> None:
    """Paste one offer's text or URL; it is added to the stored offers."""
    text = st.text_area(
        "Offer text or URL",
        height=200,
        key="paste.text",
        help="A URL is opened in a headless Chromium (HelloWork, or any page with a JSON-LD "
        "JobPosting). Text may have lines such as 'Entreprise : …', 'Lieu : …', 'Contrat : …'.",
    )
    if not st.button("Add offer", key="paste.add"):
        return
    try:
        with st.spinner("Reading the offer…"):
            offer = offer_from_paste(text)
    except JobmatchError as exc:
        st.error(str(exc))
        return
    with Database.from_settings(settings) as database:
        database.upsert_offers([offer], source="paste")
    st.success("Offer added.")
    st.text(f"{offer.title} — {offer.company}" if offer.company else offer.title)


def stored_offers(settings: Settings) -> None:
    """The stored offers as a table, and their CSV download."""
    with Database.from_settings(settings) as database:
        offers = database.get_offers()
    st.subheader("Stored offers")
    if not offers:
        st.caption("No offers stored yet.")
        return
    frame = pd.DataFrame([offer.to_record() for offer in offers])
    shown = frame.reindex(columns=TABLE_COLUMNS, fill_value="")
    # Only web links become clickable: scraped URLs are not trusted.
    shown["url"] = shown["url"].where(shown["url"].str.match(r"https?://"), "")
    st.caption(f"{len(frame)} offers")
    st.dataframe(
        shown,
        hide_index=True,
        column_config={"url": st.column_config.LinkColumn("Link")},
    )
    st.download_button(
        "Download offers (CSV)",
        data=csv_text(frame).encode("utf-8"),
        file_name="offers.csv",
        mime="text/csv",
    )


def offers_page() -> None:
    """Page body."""
    st.title("Offers")
    settings = Settings()
    scrape_col, import_col, paste_col = st.tabs(["Scrape HelloWork", "Import a file", "Paste"])
    with scrape_col:
        scrape_tab(settings)
    with import_col:
        import_tab(settings)
    with paste_col:
        paste_tab(settings)
    stored_offers(settings)


offers_page()
