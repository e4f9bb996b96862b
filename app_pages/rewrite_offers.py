"""Rewrite offers: a clean summary of each offer (profile, skills, seniority, mission…); the
summaries made before are reopened here."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.history import load_stage_run
from jobmatch.i18n import _, ngettext
from jobmatch.llm import LLM, LLMCache
from jobmatch.offers import Offer
from jobmatch.understanding.rewrite import OfferSummary, rewrite_offers
from jobmatch.understanding.runs import SUMMARIES_FILE, provenance_label
from jobmatch.understanding.summary import shown_value, shown_values
from ui import (
    choose_llm,
    choose_offers,
    choose_run,
    provenance_badge,
    recorded_generation,
    use_language,
)

#: Session key of the summaries shown (a run id; a new run is shown at once).
RUN_KEY = "rewrite.run"


def summaries_table(summaries: list[OfferSummary]) -> pd.DataFrame:
    """One row per offer, with the columns as people read them."""
    return pd.DataFrame(
        {
            _("Title"): [summary.title for summary in summaries],
            _("Company"): [summary.company or "—" for summary in summaries],
            _("Profile sought"): [summary.profile for summary in summaries],
            _("Core mission"): [summary.core_mission for summary in summaries],
            _("Hard skills"): [shown_values(summary.hard_skills) for summary in summaries],
            _("Soft skills"): [shown_values(summary.soft_skills) for summary in summaries],
            _("Seniority"): [shown_value(summary.seniority) for summary in summaries],
            _("Contract"): [shown_value(summary.contract) for summary in summaries],
            _("Place"): [shown_value(summary.place) for summary in summaries],
            _("Language"): [shown_value(summary.language) for summary in summaries],
            _("Wording"): [provenance_label(summary.source) for summary in summaries],
        }
    )


def show_summaries(summaries: list[OfferSummary], data: bytes) -> None:
    """Who wrote them, the summaries as a table (title pinned), and the JSON Lines download."""
    for source in sorted({summary.source for summary in summaries}, reverse=True):
        provenance_badge(source)
    flagged = sum(len(summary.flagged) for summary in summaries)
    caption = ngettext("{count} offer", "{count} offers", len(summaries)).format(
        count=len(summaries)
    )
    if flagged:
        caption += " · " + ngettext(
            "{count} generated sentence removed by the check",
            "{count} generated sentences removed by the check",
            flagged,
        ).format(count=flagged)
    st.caption(caption)
    st.dataframe(
        summaries_table(summaries),
        hide_index=True,
        column_config={_("Title"): st.column_config.TextColumn(pinned=True)},
    )
    st.download_button(
        _("Download the summaries (JSONL)"),
        data=data,
        file_name=SUMMARIES_FILE,
        mime="application/jsonl",
        icon=":material/download:",
    )


def rewrite(offers: list[Offer], llm: LLM | None, settings: Settings) -> None:
    """How many offers to rewrite, and the button that rewrites them (a recorded run, shown
    at once)."""
    count = st.number_input(_("Offers to rewrite"), 1, len(offers), min(5, len(offers)))
    if st.button(_("Rewrite offers"), type="primary", icon=":material/edit_note:"):
        run = recorded_generation(
            _("Rewriting offers…"),
            "rewrite",
            {"offers": "app", "llm": llm.name if llm else ""},
            lambda box: rewrite_offers(
                offers[:count],
                llm,
                cache=LLMCache.from_settings(settings),
                on_token=box.on_token,
                progress=box.progress,
            ),
            SUMMARIES_FILE,
            settings,
        )
        if run is not None:
            st.session_state[RUN_KEY] = run.run_id


def rewrite_page() -> None:
    """Page body."""
    use_language()
    st.title(_("Rewrite offers"))
    st.caption(
        _(
            "Skills, seniority, contract and place come from the offer's facts; the LLM only "
            "words the profile sought and the mission, and its words are checked."
        )
    )
    settings = Settings()
    llm = choose_llm(settings)
    try:
        offers = choose_offers()
    except JobmatchError as exc:
        st.error(str(exc))
        offers = None
    if offers:
        rewrite(offers, llm, settings)
    else:
        st.info(_("Pick stored offers or the demo offers, or upload a file."))
    st.subheader(_("Summaries"))
    run_id = choose_run("rewrite", _("Summaries made"), settings, key=RUN_KEY)
    if run_id is None:
        st.caption(_("No summaries yet: rewrite some offers above."))
        return
    run = load_stage_run(settings, run_id, SUMMARIES_FILE, OfferSummary)
    if run is None:
        st.warning(_("These summaries can no longer be read."))
        return
    show_summaries(run.records, run.artifact.read_bytes())


rewrite_page()
