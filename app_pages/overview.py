"""Overview: the job seeker's path through the stages, what this workspace holds of each, and
what to do next."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import Settings
from jobmatch.history import StageState, run_title, stage_progress, status_label
from jobmatch.i18n import _, number
from jobmatch.storage import Database
from ui import page_link, plain, use_language


def stage_status(state: StageState) -> str:
    """A stage's status as a Material icon and a few words."""
    if state.done:
        return ":material/check_circle: " + state.stage.made(state.count)
    if state.is_next:
        return ":material/arrow_circle_right: **" + _("Next") + "**"
    if state.stage.required:
        return ":material/radio_button_unchecked: " + _("To do")
    return ":material/radio_button_unchecked: " + _("Optional")


def overview() -> None:
    """Page body."""
    use_language()
    st.title("jobmatch")
    st.write(
        _(
            "Local-first matching of CVs and job offers: everything runs on this machine and "
            "no data leaves it. Demo offers (French and English) and three sample CVs are "
            "bundled, so every stage works without uploading anything."
        )
    )
    settings = Settings()
    with Database.from_settings(settings) as database:
        states = stage_progress(database)
        latest = database.list_runs(limit=1)
        finished = sum(database.count_runs().values())
    counts = {state.stage.key: state.count for state in states}
    first, second, third = st.columns(3)
    first.metric(_("Offers stored"), number(counts["offers"], 0))
    second.metric(_("CVs stored"), number(counts["cvs"], 0))
    third.metric(_("Finished runs"), number(finished, 0))
    st.subheader(_("Your path"))
    for state in states:
        title, description, status = st.columns([3, 4, 2], vertical_alignment="center")
        with title:
            page_link(state.stage.page, _(state.stage.title), state.stage.icon)
        description.caption(_(state.stage.description))
        status.markdown(stage_status(state))
    upcoming = next((state.stage for state in states if state.is_next), None)
    if upcoming is None:
        st.success(_("Every stage has been run in this workspace."), icon=":material/done_all:")
    else:
        st.info(
            _("Next: **{stage}**: {description} Every stage works on the demo data.").format(
                stage=_(upcoming.title), description=_(upcoming.description)
            ),
            icon=":material/arrow_forward:",
        )
    if latest:
        st.caption(
            _("Latest run: {title} ({status}).").format(
                title=plain(run_title(latest[0], settings)),
                status=status_label(latest[0].status).lower(),
            )
        )


overview()
