"""Errors of the recruitment services: every one is a message for the person acting."""

from __future__ import annotations

from jobmatch.errors import JobmatchError


class RecruitmentError(JobmatchError):
    """A recruitment action cannot be done; the message says why."""


class SignInError(RecruitmentError):
    """Sign-in refused: wrong e-mail or password, or too many failed tries from this source
    (always the same message, so it never says which, nor whether the account exists)."""


class AccessDenied(RecruitmentError):
    """The acting user may not see or change this; deliberately the same as "not found", so
    nothing leaks about what exists."""

    def __init__(self, what: str = "item") -> None:
        super().__init__(f"No such {what}, or you may not open it.")


class AttemptClosed(RecruitmentError):
    """A test was already submitted, or its time is over."""


class MalformedAnswer(RecruitmentError):
    """A multiple-choice answer that names none of the question's choices."""
