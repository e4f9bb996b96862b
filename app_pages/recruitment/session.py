"""Who is signed in, which recruitment pages they get, and the shared widgets of those pages.

The browser session keeps only the session token; the user is looked up in the database on
every page run, so an expired or revoked session opens nothing.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from jobmatch.config import Settings
from jobmatch.embeddings import Embedder
from jobmatch.errors import JobmatchError
from jobmatch.i18n import N_, _
from jobmatch.recruitment.accounts import Role, User, current_user, sign_out
from jobmatch.recruitment.offers import Posting, list_postings
from jobmatch.storage import Database
from ui import cached_embedder, plain, provenance_badge

#: Key of the session token in ``st.session_state``.
TOKEN_KEY = "recruitment.token"
#: Set at sign-in: the next recruitment page confirms it with a toast.
WELCOME_KEY = "recruitment.welcome"
_PAGES = "app_pages/recruitment"
#: Each role's pages (file, title, icon, URL path), its landing page first.
ROLE_PAGES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "recruiter": (
        ("offers.py", N_("Published offers"), ":material/work:", "recruiter-offers"),
        ("applications.py", N_("Applicants"), ":material/group:", "recruiter-applications"),
        ("assessments.py", N_("Tests"), ":material/quiz:", "recruiter-tests"),
        ("dashboard.py", N_("Dashboard"), ":material/monitoring:", "recruiter-dashboard"),
    ),
    "candidate": (
        ("jobs.py", N_("Jobs"), ":material/work:", "jobs"),
        ("my_applications.py", N_("My applications"), ":material/assignment:", "my-applications"),
        ("take_test.py", N_("Take a test"), ":material/quiz:", "take-test"),
    ),
}
ROLE_LABELS = {"recruiter": N_("recruiter"), "candidate": N_("candidate")}


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    return Database(url)


def database() -> Database:
    """The app's database (one engine per URL and server process)."""
    return _database(Settings().database_url)


def signed_in_user() -> User | None:
    """The user of this browser session's live session, or ``None`` (a dead token is dropped)."""
    token = st.session_state.get(TOKEN_KEY)
    user = current_user(database(), token)
    if user is None:
        st.session_state.pop(TOKEN_KEY, None)
    return user


def signed_in_as(user: User) -> str:
    """``"Signed in as Alice (candidate)."``, in the current language (Markdown-safe)."""
    return _("Signed in as {name} ({role}).").format(
        name=plain(user.name), role=_(ROLE_LABELS[user.role])
    )


def require(role: Role) -> tuple[Database, User]:
    """The database and user for a page of ``role``; anyone else gets an error and nothing
    more of the page. Right after signing in, a toast confirms it."""
    user = signed_in_user()
    if user is None or user.role != role:
        st.error(_("Sign in with the right account to open this page."))
        st.stop()
    if st.session_state.pop(WELCOME_KEY, False):
        st.toast(signed_in_as(user), icon=":material/check_circle:", duration="long")
    return database(), user


def open_landing_page(user: User) -> None:
    """Go to the first page of the user's role (the router lists it); a page run on its own
    says who is signed in instead."""
    try:
        st.switch_page(f"{_PAGES}/{ROLE_PAGES[user.role][0][0]}")
    except StreamlitPageNotFoundError:
        st.success(signed_in_as(user))


def choose_posting(database: Database, user: User) -> Posting | None:
    """A picker of the organisation's postings (``None`` when there are none)."""
    postings = {posting.id: posting for posting in list_postings(database, user)}
    if not postings:
        st.info(_("Publish an offer first, on the Published offers page."))
        return None
    chosen = st.selectbox(
        _("Offer"), list(postings), format_func=lambda key: postings[key].label(), key="posting"
    )
    return postings[chosen]


def embedder_for(name: str) -> Embedder:
    """The cached bundled embedder ``name`` (for grading)."""
    return cached_embedder(name)


def show_error(exc: JobmatchError) -> None:
    """A service error as a plain-text message."""
    st.error(plain(str(exc)))


def source_badge(source: str) -> None:
    """Who wrote a test: the local model, the standard wording, or a recruiter's edit."""
    if source == "edited":
        st.badge(_("edited by a recruiter"), icon=":material/edit:", color="blue")
    else:
        provenance_badge(source)


def recruitment_pages() -> list[st.Page]:
    """The Recruitment section: the role's pages when signed in (and the sign-in page,
    hidden, which sends on to them), else the sign-in page."""
    user = signed_in_user()
    pages = [] if user is None else ROLE_PAGES[user.role]
    sign_in = st.Page(
        f"{_PAGES}/sign_in.py",
        title=_("Sign in"),
        icon=":material/login:",
        url_path="sign-in",
        visibility="visible" if user is None else "hidden",
    )
    return [
        *(
            st.Page(f"{_PAGES}/{path}", title=_(title), icon=icon, url_path=url_path)
            for path, title, icon, url_path in pages
        ),
        sign_in,
    ]


def sign_out_button() -> None:
    """In the sidebar: who is signed in, and a button that revokes the session."""
    user = signed_in_user()
    if user is None:
        return
    st.sidebar.caption(signed_in_as(user))
    if st.sidebar.button(_("Sign out"), key="recruitment.sign_out", icon=":material/logout:"):
        sign_out(database(), st.session_state.pop(TOKEN_KEY))
        st.rerun()
