"""Offers: scrape HelloWork, import a file, paste an offer, and see and download what is stored."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jobmatch.artifacts import csv_text
from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.i18n import N_, _, ngettext, number
from jobmatch.imports import FORMATS, import_offers, offer_from_paste
from jobmatch.offers import (
    PUBLISHED_WINDOWS,
    offer_source,
    offer_warnings,
    published_on,
    source_label,
    with_source,
)
from jobmatch.scraping.hellowork import BASE_URL, SearchQuery
from jobmatch.scraping.scraper import ScrapeOptions, ScrapeReport, scrape
from jobmatch.storage import Database
from ui import offer_filters, use_language

CONTRACTS = ["CDI", "CDD", "Stage", "Alternance", "Intérim", "Freelance", "Indépendant"]
FORMAT_LABELS = {
    "auto": N_("Recognise it"),
    "offers": N_("Offers columns (id, title, company, location, description…)"),
    "france-travail": N_("France Travail API records"),
}
#: The stored offers' table, left to right (the title stays pinned).
TABLE_COLUMNS = [
    "title",
    "company",
    "location",
    "contract",
    "published",
    "source",
    "salary",
    "url",
]


def report_line(report: ScrapeReport) -> str:
    """What a scrape did, in one line."""
    stored = ngettext("{count} new offer stored", "{count} new offers stored", report.stored)
    rest = _("already stored: {known} · failed: {failed} · results pages: {pages} · {seconds} s")
    return (
        stored.format(count=report.stored)
        + " · "
        + rest.format(
            known=report.known,
            failed=len(report.failed),
            pages=report.pages,
            seconds=number(report.seconds),
        )
    )


def run_scrape(query: SearchQuery, options: ScrapeOptions, settings: Settings) -> None:
    """Scrape with a live progress bar; errors and unreadable offers are reported."""
    report: ScrapeReport | None = None
    error = ""
    with (
        Database.from_settings(settings) as database,
        st.status(_("Scraping HelloWork…"), expanded=True) as status,
    ):
        bar = st.progress(0.0, text=_("Starting the browser…"))
        line = st.empty()

        def progress(done: int, total: int, message: str) -> None:
            text = _("{done} / {total} offers").format(done=done, total=total)
            bar.progress(min(done / max(total, 1), 1.0), text=text)
            line.text(message)  # scraped titles: plain text only

        try:
            report = scrape(query, database, options=options, progress=progress)
        except JobmatchError as exc:
            error = str(exc)
        if report is None:
            status.update(label=_("Scraping stopped"), state="error")
        else:
            status.update(label=report_line(report), state="complete", expanded=False)
    if error:
        st.error(error)
    if report is not None:
        st.success(report_line(report))
        for failure in report.failed:
            st.text(failure)


def scrape_tab(settings: Settings) -> None:
    """The search form; submitting it runs the scraper."""
    st.caption(
        _(
            "A headless Chromium reads HelloWork's results and offer pages, politely (one "
            "request at a time, with a pause). Each offer is stored as soon as it is read: "
            "stopping the run loses nothing, and the same search run again resumes where it "
            "stopped."
        )
    )
    with st.form("scrape"):
        keywords = st.text_input(_("Keywords"), placeholder="data analyst", key="scrape.keywords")
        location = st.text_input(_("Location"), placeholder="Lyon", key="scrape.location")
        contracts = st.multiselect(
            _("Contract types (none: all)"), CONTRACTS, key="scrape.contracts"
        )
        since = st.selectbox(
            _("Published"),
            list(PUBLISHED_WINDOWS),
            format_func=lambda window: _(PUBLISHED_WINDOWS[window][0]),
            key="scrape.since",
        )
        max_offers = st.number_input(_("Maximum offers"), 1, 1000, 30, key="scrape.max")
        with st.expander(_("Advanced")):
            base_url = st.text_input(_("Site URL"), BASE_URL, key="scrape.base_url")
            min_interval = st.number_input(
                _("Seconds between requests"),
                0.0,
                60.0,
                ScrapeOptions.min_interval,
                step=0.5,
                key="scrape.min_interval",
            )
            accept = st.checkbox(_("Accept the site's cookies (default: refuse them)"))
        submitted = st.form_submit_button(_("Scrape"), type="primary", icon=":material/search:")
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
        _("Offers file (CSV, JSONL or JSON)"), type=["csv", "jsonl", "json"], key="import.file"
    )
    file_format = st.selectbox(
        _("Format"),
        FORMATS,
        format_func=lambda name: _(FORMAT_LABELS[name]),
        key="import.format",
    )
    clicked = st.button(
        _("Import"), disabled=upload is None, key="import.run", icon=":material/upload:"
    )
    if not clicked or upload is None:
        return
    if upload.size > settings.max_upload_bytes:
        st.error(
            _("The file is larger than {size} MB.").format(
                size=settings.max_upload_bytes // 1_000_000
            )
        )
        return
    try:
        offers = import_offers(upload.getvalue(), upload.name, file_format)
    except JobmatchError as exc:
        st.error(str(exc))
        return
    offers = with_source(offers, upload.name)
    with Database.from_settings(settings) as database:
        database.upsert_offers(offers, source=upload.name)
    st.success(
        ngettext("Imported {count} offer.", "Imported {count} offers.", len(offers)).format(
            count=len(offers)
        )
    )
    for warning in offer_warnings(offers):
        st.warning(warning)


def paste_tab(settings: Settings) -> None:
    """Paste one offer's text or URL; it is added to the stored offers."""
    text = st.text_area(
        _("Offer text or URL"),
        height=200,
        key="paste.text",
        help=_(
            "A URL is opened in a headless Chromium (HelloWork, or any page with a JSON-LD "
            "JobPosting). Text may have lines such as 'Entreprise : …', 'Lieu : …', "
            "'Contrat : …'."
        ),
    )
    if not st.button(_("Add offer"), key="paste.add", icon=":material/add:"):
        return
    try:
        with st.spinner(_("Reading the offer…")):
            offer = offer_from_paste(text)
    except JobmatchError as exc:
        st.error(str(exc))
        return
    with Database.from_settings(settings) as database:
        database.upsert_offers([offer], source="paste")
    st.success(_("Offer added."))
    st.text(f"{offer.title} — {offer.company}" if offer.company else offer.title)


def column_labels() -> dict[str, st.column_config.Column]:
    """The stored offers' columns as people read them (the title pinned)."""
    return {
        "title": st.column_config.TextColumn(_("Title"), pinned=True),
        "company": st.column_config.TextColumn(_("Company")),
        "location": st.column_config.TextColumn(_("Place")),
        "contract": st.column_config.TextColumn(_("Contract")),
        "published": st.column_config.TextColumn(_("Published")),
        "source": st.column_config.TextColumn(_("Source")),
        "salary": st.column_config.TextColumn(_("Salary")),
        "url": st.column_config.LinkColumn(_("Link")),
    }


def stored_offers(settings: Settings) -> None:
    """The stored offers, filtered by source and publication date, and their CSV download."""
    with Database.from_settings(settings) as database:
        offers = database.get_offers()
    st.subheader(_("Stored offers"))
    if not offers:
        st.caption(_("No offers stored yet."))
        return
    shown = offer_filters(offers, "stored")
    st.caption(
        ngettext(
            "{shown} of {total} offer · every page can use them under Stored offers",
            "{shown} of {total} offers · every page can use them under Stored offers",
            len(offers),
        ).format(shown=len(shown), total=len(offers))
    )
    frame = pd.DataFrame([offer.to_record() for offer in shown])
    table = frame.reindex(columns=TABLE_COLUMNS, fill_value="")
    dates = [published_on(offer) for offer in shown]
    table["published"] = [date.isoformat() if date else "" for date in dates]  # sorts as text
    table["source"] = [source_label(offer_source(offer)) for offer in shown]
    # Only web links become clickable: scraped URLs are not trusted.
    table["url"] = table["url"].where(table["url"].str.match(r"https?://"), "")
    st.dataframe(
        table,
        hide_index=True,
        column_config=column_labels(),
        placeholder="—",
    )
    st.download_button(
        _("Download offers (CSV)"),
        data=csv_text(frame).encode("utf-8"),
        file_name="offers.csv",
        mime="text/csv",
        icon=":material/download:",
        disabled=frame.empty,
    )


def offers_page() -> None:
    """Page body."""
    use_language()
    st.title(_("Offers"))
    settings = Settings()
    scrape_col, import_col, paste_col = st.tabs(
        [_("Scrape HelloWork"), _("Import a file"), _("Paste")]
    )
    with scrape_col:
        scrape_tab(settings)
    with import_col:
        import_tab(settings)
    with paste_col:
        paste_tab(settings)
    stored_offers(settings)


offers_page()
