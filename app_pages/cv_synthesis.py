"""CV synthesis: a structured, anonymised profile of a CV."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.llm import LLMCache
from jobmatch.understanding.profile import synthesise_profile
from jobmatch.understanding.runs import PROFILE_FILE, StageRun
from ui import choose_cv, choose_llm, recorded_generation

RUN_KEY = "cv_synthesis.run"


def show_profile(run: StageRun) -> None:
    """The profile's key fields, the whole JSON and its download."""
    profile = run.records
    st.caption(f"Run {run.run_id} · {run.artifact} · wording: {profile.source}")
    if profile.anonymised:
        removed = ", ".join(f"{kind} × {count}" for kind, count in profile.removed.items())
        st.success(f"Identity removed before anything read the CV: {removed or 'nothing found'}.")
    else:
        st.warning("Identity kept (names, contacts and birth dates are in the profile's source).")
    st.subheader("Profile")
    st.text(profile.profile)
    st.text(profile.core_mission)
    seniority, years, contract = st.columns(3)
    seniority.metric("Seniority", profile.seniority or "—")
    years.metric(
        "Years of experience", f"{profile.years_experience:g}" if profile.years_experience else "—"
    )
    contract.metric("Contract sought", profile.contract or "—")
    st.json(profile.model_dump(), expanded=False)
    st.download_button(
        "Download the profile (JSON)",
        data=run.artifact.read_bytes(),
        file_name=PROFILE_FILE,
        mime="application/json",
    )


def cv_synthesis() -> None:
    """Page body."""
    st.title("CV synthesis")
    st.caption(
        "A structured profile for matching on skills, not identity: names, e-mails, phones, "
        "addresses, photo captions and birth dates are removed first."
    )
    settings = Settings()
    llm = choose_llm(settings)
    try:
        document = choose_cv("CV", settings)
    except JobmatchError as exc:
        st.error(str(exc))
        return
    keep_identity = st.checkbox("Keep identity (skip anonymisation)", value=False)
    if st.button("Synthesise the CV", type="primary", disabled=document is None):
        run = recorded_generation(
            "Synthesising the CV…",
            "profile",
            {"cv": document.name, "llm": llm.name if llm else "", "keep_identity": keep_identity},
            lambda box: synthesise_profile(
                document.text,
                llm,
                keep_identity=keep_identity,
                cache=LLMCache.from_settings(settings),
                on_token=box.on_token,
            ),
            PROFILE_FILE,
            settings,
        )
        if run is not None:
            st.session_state[RUN_KEY] = run
    if RUN_KEY in st.session_state:
        show_profile(st.session_state[RUN_KEY])


cv_synthesis()
