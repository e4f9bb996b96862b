"""CV synthesis: a structured, anonymised profile of a CV; the profiles made before are
reopened here."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.history import load_stage_run
from jobmatch.i18n import _, ngettext, number
from jobmatch.llm import LLMCache
from jobmatch.understanding.profile import CVProfile, removed_summary, synthesise_profile
from jobmatch.understanding.runs import PROFILE_FILE
from jobmatch.understanding.summary import shown_value, shown_values
from ui import (
    choose_cv,
    choose_llm,
    choose_run,
    provenance_badge,
    recorded_generation,
    use_language,
)

#: Session key of the profile shown (a run id; a new run is shown at once).
RUN_KEY = "cv_synthesis.run"


def details_table(profile: CVProfile) -> pd.DataFrame:
    """The profile's other fields, one per row, as people read them."""
    rows = {
        _("Latest title"): shown_value(profile.title),
        _("Hard skills"): shown_values(profile.hard_skills),
        _("Soft skills"): shown_values(profile.soft_skills),
        _("Languages spoken"): shown_values(profile.languages),
        _("Education"): shown_value(profile.education_level),
        _("Job titles"): shown_values(profile.job_titles),
        _("Place"): shown_value(profile.place),
        _("Language of the CV"): shown_value(profile.language),
    }
    return pd.DataFrame({_("Field"): list(rows), _("Value"): list(rows.values())})


def show_profile(profile: CVProfile, data: bytes) -> None:
    """Who wrote it, what anonymisation removed, the profile's fields and its download."""
    provenance_badge(profile.source)
    if profile.anonymised:
        st.success(
            _("Identity removed before anything read the CV: {removed}.").format(
                removed=removed_summary(profile.removed)
            )
        )
    else:
        st.warning(_("Identity kept (names, contacts and birth dates are in the profile)."))
    st.subheader(_("Profile"))
    st.text(profile.profile)
    st.text(profile.core_mission)
    if profile.flagged:
        with st.expander(
            ngettext(
                "{count} generated sentence removed by the check",
                "{count} generated sentences removed by the check",
                len(profile.flagged),
            ).format(count=len(profile.flagged))
        ):
            st.text("\n".join(profile.flagged))
    seniority, years, contract = st.columns(3)
    seniority.metric(_("Seniority"), shown_value(profile.seniority))
    years.metric(
        _("Years of experience"),
        number(profile.years_experience) if profile.years_experience else "—",
    )
    contract.metric(_("Contract sought"), shown_value(profile.contract))
    st.dataframe(details_table(profile), hide_index=True)
    st.download_button(
        _("Download the profile (JSON)"),
        data=data,
        file_name=PROFILE_FILE,
        mime="application/json",
        icon=":material/download:",
    )


def cv_synthesis() -> None:
    """Page body."""
    use_language()
    st.title(_("CV synthesis"))
    st.caption(
        _(
            "A structured profile for matching on skills, not identity: names, e-mails, "
            "phones, addresses, photo captions and birth dates are removed first."
        )
    )
    settings = Settings()
    llm = choose_llm(settings)
    try:
        document = choose_cv(_("CV"), settings)
    except JobmatchError as exc:
        st.error(str(exc))
        document = None
    keep_identity = st.checkbox(_("Keep identity (skip anonymisation)"), value=False)
    clicked = st.button(
        _("Synthesise the CV"),
        type="primary",
        disabled=document is None,
        icon=":material/badge:",
    )
    if clicked and document is not None:
        run = recorded_generation(
            _("Synthesising the CV…"),
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
            st.session_state[RUN_KEY] = run.run_id
    st.subheader(_("Profiles"))
    run_id = choose_run("profile", _("Profile made"), settings, key=RUN_KEY)
    if run_id is None:
        st.caption(_("No profile yet: synthesise a CV above."))
        return
    run = load_stage_run(settings, run_id, PROFILE_FILE, CVProfile)
    if run is None:
        st.warning(_("This profile can no longer be read."))
        return
    show_profile(run.records, run.artifact.read_bytes())


cv_synthesis()
