"""Recruiter: generate a test for an offer (or one applicant's gaps), review and edit it, send
it, and read the graded answers with their reasoning."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from app_pages.recruitment.session import (
    cached_llm,
    choose_posting,
    embedder_for,
    llm_available,
    plain,
    require,
    show_error,
)
from jobmatch.errors import JobmatchError
from jobmatch.recruitment import assessments as service
from jobmatch.recruitment.applications import list_applications
from jobmatch.recruitment.attempts import close_expired, graded_answers


def generate_form(database, user, posting) -> None:
    """Generate a draft for everyone or for one applicant."""
    applications = list_applications(database, user, posting.id)
    target = st.selectbox(
        "For",
        [None, *applications],
        format_func=lambda a: "Every applicant" if a is None else f"{a.candidate_name} (gaps)",
    )
    questions = st.number_input("Questions", 1, 20, service.DEFAULT_QUESTIONS)
    minutes = st.number_input("Time limit (minutes)", 1, 240, service.DEFAULT_TIME_LIMIT_MINUTES)
    use_llm = llm_available() and st.checkbox("Write it with the local LLM (slower)")
    if st.button("Generate a test"):
        with st.spinner("Generating…"):
            draft = service.create_assessment(
                database,
                user,
                posting.id,
                application_id=None if target is None else target.id,
                llm=cached_llm() if use_llm else None,
                questions=int(questions),
                time_limit_minutes=int(minutes),
            )
        st.success(f"Draft ready ({draft.source}): review it below, then send it.")


def _edited_question(key: str, spec: service.QuestionSpec) -> dict:
    st.caption("Multiple choice" if spec.kind == "mcq" else "Short answer")
    values = {
        "kind": spec.kind,
        "skill": st.text_input("Skill", spec.skill, key=f"{key}.skill"),
        "prompt": st.text_area("Question", spec.prompt, key=f"{key}.prompt"),
        "difficulty": st.selectbox(
            "Difficulty",
            ["easy", "medium", "hard"],
            index=["easy", "medium", "hard"].index(spec.difficulty),
            key=f"{key}.difficulty",
        ),
    }
    if spec.kind == "mcq":
        choices = st.text_area("Choices (one a line)", "\n".join(spec.choices), key=f"{key}.c")
        values["choices"] = [line for line in choices.splitlines() if line.strip()]
        values["answer_index"] = (
            st.number_input("Right choice (1 = first)", 1, 6, spec.answer_index + 1, key=f"{key}.a")
            - 1
        )
    else:
        values["rubric"] = st.text_area("Rubric", spec.rubric, key=f"{key}.rubric")
        keywords = st.text_input("Keywords (comma separated)", ", ".join(spec.keywords), key=key)
        values["keywords"] = [k.strip() for k in keywords.split(",") if k.strip()]
    return values


def review(database, user, draft: service.Assessment) -> None:
    """Edit a draft's questions, then save or send it."""
    with st.form(f"draft.{draft.id}"):
        title = st.text_input("Title", draft.title)
        minutes = st.number_input("Time limit (minutes)", 1, 240, draft.time_limit_minutes)
        questions = []
        for question in draft.questions:
            st.divider()
            questions.append(_edited_question(f"{draft.id}.{question.position}", question.spec))
        if st.form_submit_button("Save changes"):
            try:
                spec = service.AssessmentSpec(title=title, questions=questions)
                service.update_assessment(
                    database, user, draft.id, spec, time_limit_minutes=int(minutes)
                )
                st.rerun()
            except ValidationError as exc:
                st.error(f"Not saved: {exc.errors()[0]['msg']}")
            except JobmatchError as exc:
                show_error(exc)
    if st.button("Send to the candidate(s)", key=f"send.{draft.id}"):
        service.send_assessment(database, user, draft.id)
        st.rerun()


def assessments_page() -> None:
    """Page body."""
    database, user = require("recruiter")
    st.title("Tests")
    posting = choose_posting(database, user)
    if posting is None:
        return
    generate_form(database, user, posting)
    for test in service.list_assessments(database, user, posting.id):
        with st.expander(f"{plain(test.title)} — {test.status} ({test.source})"):
            if test.status == "draft":
                review(database, user, test)
            else:
                st.dataframe(
                    pd.DataFrame([q.spec.model_dump() for q in test.questions]), hide_index=True
                )
    st.subheader("Graded answers")
    close_expired(database, user, embedder_for=embedder_for)
    results = graded_answers(database, user, posting.id)
    if results.empty:
        st.info("No test submitted yet.")
    else:
        st.dataframe(results, hide_index=True)


assessments_page()
