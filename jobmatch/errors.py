"""The base of every error a user can fix (bad file, missing model…): its message is for them."""


class JobmatchError(Exception):
    """A problem with the user's input or set-up; ``str(exc)`` is a complete, clear message.

    The CLI prints it as one line and exits with status 2; the app shows it with ``st.error``.
    """
