"""Candidate: take a test once, within its time limit; every answer is saved as it is given."""

from __future__ import annotations

import streamlit as st

from app_pages.recruitment.session import embedder_for, require, show_error
from jobmatch.errors import JobmatchError
from jobmatch.recruitment.assessments import list_candidate_tests
from jobmatch.recruitment.attempts import (
    CandidateTest,
    get_candidate_test,
    save_answer,
    start_attempt,
    submit_attempt,
)


def _save(database, user, test_id: str, question_id: str, key: str, mcq: bool) -> None:
    value = st.session_state[key]
    if mcq:
        value = "" if value is None else str(value)
    try:
        save_answer(database, user, test_id, question_id, value)
    except JobmatchError as exc:
        st.session_state["take_test.error"] = str(exc)


def questions(database, user, test: CandidateTest) -> None:
    """One widget per question; each change is saved at once."""
    for question in test.questions:
        key = f"answer.{question.id}"
        saved = test.answers.get(question.id, "")
        st.markdown(f"**Question {question.position}** · {question.difficulty}")
        st.text(question.prompt)
        arguments = (database, user, test.assessment_id, question.id, key, question.kind == "mcq")
        if question.kind == "mcq":
            st.radio(
                "Your answer",
                range(len(question.choices)),
                index=int(saved) if saved.isdigit() else None,
                format_func=lambda i, choices=question.choices: choices[i],
                key=key,
                on_change=_save,
                args=arguments,
            )
        else:
            st.text_area("Your answer", saved, key=key, on_change=_save, args=arguments)


def take_test_page() -> None:
    """Page body."""
    database, user = require("candidate")
    st.title("Take a test")
    if error := st.session_state.pop("take_test.error", None):
        st.error(error)
    tests = list_candidate_tests(database, user)
    if not tests:
        st.info("No test sent to you yet.")
        return
    chosen = st.selectbox(
        "Test", tests, format_func=lambda t: f"{t['title']} — {t['offer']} ({t['state']})"
    )
    test = get_candidate_test(database, user, chosen["id"])
    if test.submitted_at is not None:
        st.success(f"Submitted. Your score: {test.score:.0f} / 100.")
        return
    if test.started_at is None:
        st.info(
            f"{len(test.questions)} questions, {test.time_limit_minutes} minutes once started. "
            "You can take it once; answers are saved as you go."
        )
        if st.button("Start the test"):
            start_attempt(database, user, test.assessment_id)
            st.rerun()
        return
    minutes, seconds = divmod(int(test.seconds_left()), 60)
    st.caption(f"Time left: {minutes} min {seconds:02d} s (the server checks the deadline).")
    questions(database, user, test)
    if st.button("Submit", type="primary"):
        try:
            score = submit_attempt(database, user, test.assessment_id, embedder_for=embedder_for)
            st.success(f"Submitted. Your score: {score:.0f} / 100.")
        except JobmatchError as exc:
            show_error(exc)


take_test_page()
