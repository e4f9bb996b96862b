"""Candidate: take a test once, within its time limit; every answer is saved as it is given.

The test shown is held by its id (the picker's key), so starting one, which changes its
label, keeps that test on screen."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app_pages.recruitment.session import embedder_for, require
from jobmatch.errors import JobmatchError
from jobmatch.i18n import _, ngettext, number
from jobmatch.recruitment.accounts import User
from jobmatch.recruitment.assessments import (
    DIFFICULTY_LABELS,
    SentTest,
    list_candidate_tests,
    questions_label,
)
from jobmatch.recruitment.attempts import (
    CandidateTest,
    get_candidate_test,
    save_answer,
    start_attempt,
    submit_attempt,
)
from jobmatch.storage import Database
from ui import plain, use_language

#: Session-state key of the test shown (its id).
TEST_KEY = "take_test.test"
_ERROR_KEY = "take_test.error"


def _act(action: Callable[..., object], *arguments: object) -> None:
    """Run a service call from a widget's callback; its error is shown on the next run."""
    try:
        action(*arguments)
    except JobmatchError as exc:
        st.session_state[_ERROR_KEY] = str(exc)


def _start(database: Database, user: User, test_id: str) -> None:
    _act(start_attempt, database, user, test_id)
    st.session_state[TEST_KEY] = test_id  # the started test is the one shown


def _submit(database: Database, user: User, test_id: str) -> None:
    _act(lambda: submit_attempt(database, user, test_id, embedder_for=embedder_for))


def _save(database: Database, user: User, test_id: str, question_id: str, key: str) -> None:
    value = st.session_state[key]
    _act(save_answer, database, user, test_id, question_id, "" if value is None else str(value))


def questions(database: Database, user: User, test: CandidateTest) -> None:
    """One widget per question; each change is saved at once."""
    for question in test.questions:
        key = f"answer.{question.id}"
        saved = test.answers.get(question.id, "")
        st.markdown(
            _("**Question {number}** · {skill} · {difficulty}").format(
                number=question.position,
                skill=plain(question.skill),
                difficulty=_(DIFFICULTY_LABELS[question.difficulty]),
            )
        )
        st.markdown(plain(question.prompt))
        arguments = (database, user, test.assessment_id, question.id, key)
        if question.kind == "mcq":
            st.radio(
                _("Your answer"),
                range(len(question.choices)),
                index=int(saved) if saved.isdigit() else None,
                format_func=lambda i, choices=question.choices: choices[i],
                key=key,
                on_change=_save,
                args=arguments,
            )
        else:
            st.text_area(_("Your answer"), saved, key=key, on_change=_save, args=arguments)


def _default(tests: dict[str, SentTest]) -> str:
    """The test shown first: the one in progress, else the latest not started, else the
    latest."""
    for state in ("in progress", "not started"):
        found = next((key for key, test in tests.items() if test.state == state), None)
        if found is not None:
            return found
    return next(iter(tests))


def take_test_page() -> None:
    """Page body."""
    use_language()
    database, user = require("candidate")
    st.title(_("Take a test"))
    if error := st.session_state.pop(_ERROR_KEY, None):
        st.error(plain(error))
    tests = {test.id: test for test in list_candidate_tests(database, user)}
    if not tests:
        st.info(_("No test sent to you yet."))
        return
    if st.session_state.get(TEST_KEY) not in tests:
        st.session_state[TEST_KEY] = _default(tests)
    chosen = st.selectbox(
        _("Test"), list(tests), format_func=lambda key: tests[key].label(), key=TEST_KEY
    )
    test = get_candidate_test(database, user, chosen)
    st.subheader(plain(test.title))
    if test.submitted_at is not None:
        st.success(_("Submitted. Your score: {score} / 100.").format(score=number(test.score, 0)))
        return
    if test.started_at is None:
        st.info(
            _(
                "{questions}, {minutes} minutes once started. You can take it once; answers "
                "are saved as you go."
            ).format(
                questions=questions_label(len(test.questions)), minutes=test.time_limit_minutes
            )
        )
        st.button(
            _("Start the test"),
            type="primary",
            icon=":material/play_arrow:",
            on_click=_start,
            args=(database, user, test.assessment_id),
        )
        return
    minutes, seconds = divmod(int(test.seconds_left()), 60)
    if not minutes and not seconds:
        st.warning(_("Time is over: the answers saved before the deadline will be graded."))
    else:
        st.caption(
            ngettext(
                "In progress: {minutes} minute {seconds} s left (the server checks the deadline).",
                "In progress: {minutes} minutes {seconds} s left (the server checks the deadline).",
                minutes,
            ).format(minutes=minutes, seconds=f"{seconds:02d}")
        )
        questions(database, user, test)
    st.button(
        _("Submit"),
        type="primary",
        icon=":material/send:",
        on_click=_submit,
        args=(database, user, test.assessment_id),
    )


take_test_page()
