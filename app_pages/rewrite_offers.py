"""Rewrite offers: a clean summary of each offer (profile, skills, seniority, mission…)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.llm import LLMCache
from jobmatch.understanding.rewrite import rewrite_offers
from jobmatch.understanding.runs import SUMMARIES_FILE, StageRun
from ui import choose_llm, choose_offers, recorded_generation

RUN_KEY = "rewrite.run"


def show_summaries(run: StageRun) -> None:
    """The summaries as a table, and the JSON Lines download."""
    frame = pd.DataFrame([summary.model_dump() for summary in run.records])
    for column in ("hard_skills", "soft_skills"):
        frame[column] = frame[column].str.join(", ")
    st.caption(f"{len(frame)} offers · run {run.run_id} · {run.artifact}")
    st.dataframe(
        frame[
            [
                "title",
                "company",
                "profile",
                "core_mission",
                "hard_skills",
                "soft_skills",
                "seniority",
                "contract",
                "place",
                "language",
                "source",
            ]
        ],
        hide_index=True,
    )
    st.download_button(
        "Download the summaries (JSONL)",
        data=run.artifact.read_bytes(),
        file_name=SUMMARIES_FILE,
        mime="application/jsonl",
    )


def rewrite_page() -> None:
    """Page body."""
    st.title("Rewrite offers")
    st.caption(
        "Skills, seniority, contract and place come from the offer's facts; the LLM only "
        "words the profile sought and the mission, and its words are checked."
    )
    settings = Settings()
    llm = choose_llm(settings)
    try:
        offers = choose_offers()
    except JobmatchError as exc:
        st.error(str(exc))
        return
    if not offers:
        st.info("Pick the demo offers or upload a file.")
        return
    count = st.number_input("Offers to rewrite", 1, len(offers), min(5, len(offers)))
    if st.button("Rewrite offers", type="primary"):
        run = recorded_generation(
            "Rewriting offers…",
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
            st.session_state[RUN_KEY] = run
    if RUN_KEY in st.session_state:
        show_summaries(st.session_state[RUN_KEY])


rewrite_page()
