"""Recruiter: generate a test for an offer (or one applicant's gaps), review and edit it, send
it, and read the graded answers with their reasoning."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from app_pages.recruitment.session import (
    choose_posting,
    embedder_for,
    require,
    show_error,
    source_badge,
)
from jobmatch.config import Settings
from jobmatch.errors import JobmatchError
from jobmatch.i18n import _, short_datetime
from jobmatch.llm import LLMError
from jobmatch.recruitment import assessments as service
from jobmatch.recruitment.applications import list_applications
from jobmatch.recruitment.attempts import close_expired, graded_answers
from ui import cached_llm, plain, table, use_language

_DIFFICULTIES = list(service.DIFFICULTY_LABELS)


def _local_model():
    """The local LLM, or ``None`` (with a warning) when it cannot be loaded."""
    try:
        return cached_llm(Settings().llm)
    except LLMError as exc:
        st.warning(_("{error} The standard wording is used.").format(error=plain(str(exc))))
        return None


def generate_form(database, user, posting) -> None:
    """Generate a draft for every applicant or for one applicant's gaps."""
    applications = {a.id: a for a in list_applications(database, user, posting.id)}
    target = st.selectbox(
        _("For"),
        ["", *applications],
        format_func=lambda key: (
            _("Every applicant")
            if not key
            else _("{name} (the skills their CV lacks)").format(
                name=applications[key].candidate_name
            )
        ),
    )
    left, right = st.columns(2)
    questions = left.number_input(_("Questions"), 1, 20, service.DEFAULT_QUESTIONS)
    minutes = right.number_input(
        _("Time limit (minutes)"),
        1,
        service.MAX_TIME_LIMIT_MINUTES,
        service.DEFAULT_TIME_LIMIT_MINUTES,
    )
    use_llm = st.checkbox(
        _("Write it with the local model (slower)"),
        help=_(
            "Without it, the questions come from the standard wording, in the offer's language."
        ),
    )
    if st.button(_("Generate a test"), type="primary", icon=":material/auto_awesome:"):
        llm = _local_model() if use_llm else None
        with st.spinner(_("Generating…")):
            service.create_assessment(
                database,
                user,
                posting.id,
                application_id=target or None,
                llm=llm,
                questions=int(questions),
                time_limit_minutes=int(minutes),
            )
        st.success(_("Draft ready: review it below, then send it."))


def _edited_question(key: str, spec: service.QuestionSpec) -> dict:
    st.caption(_(service.KIND_LABELS[spec.kind]))
    values = {
        "kind": spec.kind,
        "skill": st.text_input(_("Skill"), spec.skill, key=f"{key}.skill"),
        "prompt": st.text_area(_("Question"), spec.prompt, key=f"{key}.prompt"),
        "difficulty": st.selectbox(
            _("Difficulty"),
            _DIFFICULTIES,
            index=_DIFFICULTIES.index(spec.difficulty),
            format_func=lambda level: _(service.DIFFICULTY_LABELS[level]),
            key=f"{key}.difficulty",
        ),
    }
    if spec.kind == "mcq":
        choices = st.text_area(
            _("Choices (one a line)"), "\n".join(spec.choices), key=f"{key}.choices"
        )
        values["choices"] = [line for line in choices.splitlines() if line.strip()]
        values["answer_index"] = (
            st.number_input(
                _("Right choice (1 = first)"), 1, 6, spec.answer_index + 1, key=f"{key}.answer"
            )
            - 1
        )
    else:
        values["rubric"] = st.text_area(_("Rubric"), spec.rubric, key=f"{key}.rubric")
        keywords = st.text_input(
            _("Keywords (comma separated)"), ", ".join(spec.keywords), key=f"{key}.keywords"
        )
        values["keywords"] = [k.strip() for k in keywords.split(",") if k.strip()]
    return values


def review(database, user, draft: service.Assessment) -> None:
    """Edit a draft's questions, then save or send it."""
    with st.form(f"draft.{draft.id}"):
        title = st.text_input(_("Title"), draft.title)
        minutes = st.number_input(
            _("Time limit (minutes)"), 1, service.MAX_TIME_LIMIT_MINUTES, draft.time_limit_minutes
        )
        questions = []
        for question in draft.questions:
            st.divider()
            questions.append(_edited_question(f"{draft.id}.{question.position}", question.spec))
        if st.form_submit_button(_("Save changes")):
            try:
                spec = service.AssessmentSpec(title=title, questions=questions)
                service.update_assessment(
                    database, user, draft.id, spec, time_limit_minutes=int(minutes)
                )
                st.rerun()
            except ValidationError as exc:
                st.error(_("Not saved: {reason}.").format(reason=plain(service.spec_error(exc))))
            except JobmatchError as exc:
                show_error(exc)
    send = _("Send to the candidate(s)")
    if st.button(send, key=f"send.{draft.id}", type="primary", icon=":material/send:"):
        service.send_assessment(database, user, draft.id)
        st.rerun()


def questions_table(test: service.Assessment) -> None:
    """A sent test's questions with their keys."""
    rows = [
        {
            "position": question.position,
            "skill": question.spec.skill,
            "kind": _(service.KIND_LABELS[question.spec.kind]),
            "difficulty": _(service.DIFFICULTY_LABELS[question.spec.difficulty]),
            "prompt": question.spec.prompt,
            "choices": " / ".join(question.spec.choices),
            "key": question.spec.choices[question.spec.answer_index]
            if question.spec.kind == "mcq"
            else question.spec.rubric,
        }
        for question in test.questions
    ]
    table(
        pd.DataFrame(rows),
        {
            "position": st.column_config.NumberColumn("#", pinned=True),
            "skill": st.column_config.TextColumn(_("Skill"), pinned=True),
            "kind": st.column_config.TextColumn(_("Kind")),
            "difficulty": st.column_config.TextColumn(_("Difficulty")),
            "prompt": st.column_config.TextColumn(_("Question"), width="large"),
            "choices": st.column_config.TextColumn(_("Choices")),
            "key": st.column_config.TextColumn(
                _("Right answer or rubric"), width="large", help=_("Never shown to candidates.")
            ),
        },
    )


def results(database, user, posting) -> None:
    """Each submitted test's score, then every graded answer with its reasoning."""
    st.subheader(_("Results"))
    close_expired(database, user, embedder_for=embedder_for)
    answers = graded_answers(database, user, posting.id)
    if answers.empty:
        st.info(_("No test submitted yet."))
        return
    answers = answers.assign(
        submitted_at=answers["submitted_at"].map(short_datetime), score=100 * answers["score"]
    )
    scores = answers.drop_duplicates(["candidate", "test"])
    table(
        scores[["candidate", "test_score", "test", "submitted_at"]],
        {
            "candidate": st.column_config.TextColumn(_("Candidate"), pinned=True),
            "test_score": st.column_config.ProgressColumn(
                _("Test score"), min_value=0, max_value=100, format="%.0f / 100", pinned=True
            ),
            "test": st.column_config.TextColumn(_("Test")),
            "submitted_at": st.column_config.TextColumn(_("Submitted")),
        },
    )
    st.subheader(_("Graded answers"))
    shown = ["candidate", "position", "score", "skill", "answer", "reasoning", "malformed", "test"]
    table(
        answers[shown],
        {
            "candidate": st.column_config.TextColumn(_("Candidate"), pinned=True),
            "position": st.column_config.NumberColumn(_("Question"), pinned=True),
            "score": st.column_config.ProgressColumn(
                _("Score"), min_value=0, max_value=100, format="%.0f %%", pinned=True
            ),
            "skill": st.column_config.TextColumn(_("Skill")),
            "answer": st.column_config.TextColumn(_("Answer"), width="medium"),
            "reasoning": st.column_config.TextColumn(_("Reasoning"), width="large"),
            "malformed": st.column_config.CheckboxColumn(
                _("Unreadable"), help=_("The stored answer could not be read: scored 0.")
            ),
            "test": st.column_config.TextColumn(_("Test")),
        },
    )


def assessments_page() -> None:
    """Page body."""
    use_language()
    database, user = require("recruiter")
    st.title(_("Tests"))
    posting = choose_posting(database, user)
    if posting is None:
        return
    generate_form(database, user, posting)
    for test in service.list_assessments(database, user, posting.id):
        with st.expander(
            plain(test.label()), expanded=test.status == "draft", icon=":material/quiz:"
        ):
            source_badge(test.source)
            if test.status == "draft":
                review(database, user, test)
            else:
                st.markdown(f"**{plain(test.title)}**")
                questions_table(test)
    results(database, user, posting)


assessments_page()
