"""Errors of the recruitment services: every one is a message for the person acting, in the
interface language."""

from __future__ import annotations

from jobmatch.errors import JobmatchError
from jobmatch.i18n import N_, _


class RecruitmentError(JobmatchError):
    """A recruitment action cannot be done; the message says why."""


class SignInError(RecruitmentError):
    """Sign-in refused: wrong e-mail or password, or too many failed tries from this source
    (always the same message, so it never says which, nor whether the account exists)."""


#: The refusal of :class:`AccessDenied` per kind of thing asked for.
_DENIED = {
    "offer": N_("No such offer, or you may not open it."),
    "application": N_("No such application, or you may not open it."),
    "test": N_("No such test, or you may not open it."),
    "question": N_("No such question, or you may not open it."),
    "page": N_("No such page, or you may not open it."),
}


class AccessDenied(RecruitmentError):
    """The acting user may not see or change this; deliberately the same as "not found", so
    nothing leaks about what exists."""

    def __init__(self, what: str = "page") -> None:
        super().__init__(_(_DENIED.get(what, _DENIED["page"])))


class AttemptClosed(RecruitmentError):
    """A test was already submitted, or its time is over."""


class MalformedAnswer(RecruitmentError):
    """A multiple-choice answer that names none of the question's choices."""
