"""Errors of the recruitment services: every one is a message for the person acting."""

from __future__ import annotations

from jobmatch.errors import JobmatchError


class RecruitmentError(JobmatchError):
    """A recruitment action cannot be done; the message says why."""


class SignInError(RecruitmentError):
    """Wrong e-mail or password (the message never says which), or too many failed tries."""


class AccessDenied(RecruitmentError):
    """The acting user may not see or change this; deliberately the same as "not found", so
    nothing leaks about what exists."""

    def __init__(self, what: str = "item") -> None:
        super().__init__(f"No such {what}, or you may not open it.")


class AttemptClosed(RecruitmentError):
    """A test was already submitted, or its time is over."""
