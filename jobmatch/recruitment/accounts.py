"""Local accounts, roles and sessions.

E-mail addresses are checked with ``email-validator`` (syntax only, no network). Passwords
must be long enough and not among the most common ones; they are hashed with Argon2id
(``argon2-cffi``) and rehashed when its parameters change. A session is a random token given to
the browser; only its SHA-256 is stored, with an expiry, and it is checked on every page run.

Sign-in answers the same thing, after the same password-hashing work, for an unknown e-mail, a
wrong password and a throttled try. Failed tries are counted in the database per account *from
one source* and per source: past an allowance that source waits, the wait doubling with each
further failure up to a cap. Nobody is locked out by someone else's failures, as a correct
password from a source that is not throttled still signs in.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, delete, func, select, update

from jobmatch.i18n import _, current_language
from jobmatch.recruitment import tables as t
from jobmatch.recruitment.errors import RecruitmentError, SignInError
from jobmatch.storage import Database

Role = Literal["recruiter", "candidate"]
ROLES: tuple[Role, ...] = ("recruiter", "candidate")
#: Shortest password accepted (spaces at its ends do not count).
MIN_PASSWORD_LENGTH = 10
#: Passwords refused as too common (compared lower-cased), from the usual leaked-password
#: lists; only those long enough to pass :data:`MIN_PASSWORD_LENGTH`.
COMMON_PASSWORDS = frozenset(
    """
    0000000000 0123456789 0987654321 1111111111 1122334455 1234512345 1234567890 1234567891
    12345678910 123456789012 1234567890a 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx3edc a1b2c3d4e5
    abc1234567 abcd123456 abcdefghij admin12345 administrateur administrator azerty1234
    azerty12345 azerty123456 azertyuiop baseball123 bienvenue1 bienvenue123 bonjour123
    changeme123 chocolat123 doudou1234 football123 iloveyou12 iloveyou123 jetaime123 letmein123
    loulou1234 marseille13 motdepasse motdepasse1 motdepasse123 passw0rd123 password12
    password123 password1234 password123! princess123 q1w2e3r4t5 qazwsxedc123 qwerty1234
    qwerty12345 qwerty123456 qwertyuiop soleil1234 starwars123 sunshine123 superman123
    welcome123
    """.split()
)
#: Where a sign-in comes from when the caller does not say (a single local user).
LOCAL_SOURCE = "local"
#: Failed sign-ins allowed on one account from one source, and from one source on any
#: accounts, before that source has to wait.
ACCOUNT_FAILURES_ALLOWED = 5
SOURCE_FAILURES_ALLOWED = 20
#: The first wait past an allowance; it doubles with each further failure, up to the cap.
BACKOFF_START = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=15)
#: Failures are forgotten this long after a bucket's last one.
FAILURES_KEPT = timedelta(days=1)

_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so a wrong e-mail costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def session_lifetime() -> timedelta:
    """How long a session lasts: ``JOBMATCH_SESSION_HOURS`` hours, default 8."""
    return timedelta(hours=float(os.environ.get("JOBMATCH_SESSION_HOURS", "8")))


@dataclass(frozen=True)
class User:
    """A signed-in account: what every service function checks access against.

    Args:
        id: Random hex id.
        email: Lower-cased e-mail, the sign-in name.
        name: Display name.
        role: ``"recruiter"`` or ``"candidate"``.
        organisation_id: A recruiter's organisation; ``None`` for a candidate.
    """

    id: str
    email: str
    name: str
    role: Role
    organisation_id: str | None

    @property
    def is_recruiter(self) -> bool:
        """Whether this is a recruiter account."""
        return self.role == "recruiter"


def _now() -> datetime:
    return datetime.now(UTC)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _bucket(*parts: str) -> str:
    """A throttle bucket's key: e-mails and addresses are not stored in clear."""
    return _token_hash("\x1f".join(parts))


def _user(row: object) -> User:
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        role=row.role,
        organisation_id=row.organisation_id,
    )


def normalised_email(email: str) -> str:
    """The e-mail as stored: checked by ``email-validator`` (syntax only, no network) and
    lower-cased.

    Raises:
        RecruitmentError: Not a valid address; in English the message says what is wrong
            (``email-validator`` explains in English only).
    """
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        message = _("Enter a valid e-mail address, such as name@example.com.")
        if current_language() == "en":
            message = f"{message} {exc}"
        raise RecruitmentError(message) from exc
    return checked.normalized.lower()


def check_password(password: str) -> None:
    """Refuse a blank, short (:data:`MIN_PASSWORD_LENGTH`) or common password.

    Raises:
        RecruitmentError: Which rule the password breaks.
    """
    stripped = password.strip()
    if not stripped:
        raise RecruitmentError(_("Choose a password: it cannot be blank or only spaces."))
    if len(stripped) < MIN_PASSWORD_LENGTH:
        raise RecruitmentError(
            _("Choose a password of at least {count} characters.").format(count=MIN_PASSWORD_LENGTH)
        )
    if stripped.lower() in COMMON_PASSWORDS:
        raise RecruitmentError(_("This password is one of the most common: choose another one."))


def _insert_user(
    conn: Connection, email: str, name: str, password: str, role: Role, organisation_id: str | None
) -> User:
    email = normalised_email(email)
    check_password(password)
    if conn.scalar(select(func.count()).select_from(t.users).where(t.users.c.email == email)):
        raise RecruitmentError(_("An account with this e-mail already exists: sign in instead."))
    user = User(uuid.uuid4().hex, email, name.strip() or email, role, organisation_id)
    conn.execute(
        t.users.insert().values(
            id=user.id,
            email=user.email,
            name=user.name,
            role=role,
            organisation_id=organisation_id,
            password_hash=_hasher.hash(password),
            failed_logins=0,  # schema v2's lock, replaced by sign_in_failures (v4)
            locked_until=None,
            created_at=_now(),
        )
    )
    return user


def has_recruiter(database: Database) -> bool:
    """Whether any recruiter account exists (if not, the app offers the first-run set-up)."""
    with database.engine.connect() as conn:
        query = select(func.count()).select_from(t.users).where(t.users.c.role == "recruiter")
        return bool(conn.scalar(query))


def create_first_recruiter(
    database: Database, organisation: str, email: str, name: str, password: str
) -> User:
    """First run: create the organisation and its first recruiter.

    Raises:
        RecruitmentError: A recruiter exists already, or the e-mail/password is not valid.
    """
    return register_organisation(database, organisation, email, name, password, first_run=True)


def register_organisation(
    database: Database,
    organisation: str,
    email: str,
    name: str,
    password: str,
    *,
    first_run: bool = False,
) -> User:
    """Create an organisation with its first recruiter (an operator's action: the app offers
    it only on first run).

    Args:
        database: The database.
        organisation: Its name.
        email: The recruiter's e-mail.
        name: The recruiter's name.
        password: The recruiter's password.
        first_run: Refuse when any recruiter exists already; default ``False``.
    """
    if not organisation.strip():
        raise RecruitmentError(_("Enter the organisation's name."))
    with database.transaction(write_lock=True) as conn:
        query = select(func.count()).select_from(t.users).where(t.users.c.role == "recruiter")
        if first_run and conn.scalar(query):
            raise RecruitmentError(_("The first recruiter exists already: sign in."))
        organisation_id = uuid.uuid4().hex
        conn.execute(
            t.organisations.insert().values(
                id=organisation_id, name=organisation.strip(), created_at=_now()
            )
        )
        return _insert_user(conn, email, name, password, "recruiter", organisation_id)


def add_recruiter(database: Database, actor: User, email: str, name: str, password: str) -> User:
    """A recruiter adds a colleague to their own organisation."""
    if not actor.is_recruiter:
        raise RecruitmentError(_("Only a recruiter can add recruiters."))
    with database.transaction(write_lock=True) as conn:
        return _insert_user(conn, email, name, password, "recruiter", actor.organisation_id)


def sign_up_candidate(database: Database, email: str, name: str, password: str) -> User:
    """Create a candidate account (anyone may; candidates see only their own things)."""
    with database.transaction(write_lock=True) as conn:
        return _insert_user(conn, email, name, password, "candidate", None)


def backoff(failures: int, allowed: int) -> timedelta:
    """How long a bucket waits after its last failure: nothing within its allowance, then
    :data:`BACKOFF_START`, doubled with each further failure up to :data:`BACKOFF_CAP`."""
    if failures < allowed:
        return timedelta(0)
    return min(BACKOFF_START * 2 ** min(failures - allowed, 20), BACKOFF_CAP)  # no overflow


def _throttled(conn: Connection, buckets: dict[str, int], now: datetime) -> bool:
    """Whether any of ``buckets`` (key → failures allowed) is still waiting at ``now``."""
    failures = t.sign_in_failures
    rows = conn.execute(
        select(failures).where(
            failures.c.bucket.in_(list(buckets)),
            failures.c.last_failure_at > now - FAILURES_KEPT,
        )
    )
    return any(
        now < row.last_failure_at + backoff(row.failures, buckets[row.bucket]) for row in rows
    )


def _record_failure(
    database: Database, conn: Connection, buckets: dict[str, int], now: datetime
) -> None:
    """Count a failure in every bucket, forgetting buckets quiet for :data:`FAILURES_KEPT`."""
    failures = t.sign_in_failures
    conn.execute(delete(failures).where(failures.c.last_failure_at <= now - FAILURES_KEPT))
    stmt = database.insert(failures).values(
        [{"bucket": bucket, "failures": 1, "last_failure_at": now} for bucket in buckets]
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[failures.c.bucket],
            set_={
                "failures": failures.c.failures + 1,
                "last_failure_at": stmt.excluded.last_failure_at,
            },
        )
    )


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sign_in(
    database: Database,
    email: str,
    password: str,
    *,
    source: str = LOCAL_SOURCE,
    now: datetime | None = None,
) -> str:
    """Check the password and open a session.

    The password is hashed whatever happens (against a dummy hash for an unknown e-mail), and
    an unknown e-mail, a wrong password and a throttled try all get the same
    :class:`SignInError`. A failure counts against the account from ``source`` and against
    ``source``; past their allowances (:data:`ACCOUNT_FAILURES_ALLOWED`,
    :data:`SOURCE_FAILURES_ALLOWED`) that source waits (:func:`backoff`), while other sources
    still sign in. A success clears the account's count from ``source``.

    Args:
        database: The database.
        email: The account's e-mail (case does not matter).
        password: Its password.
        source: Where the try comes from (the client's address); default
            :data:`LOCAL_SOURCE`.
        now: The current time; default the clock (tests pass one).

    Returns:
        The session token, to keep in the browser session (never stored in clear).

    Raises:
        SignInError: Wrong e-mail or password, or too many failed tries from ``source``.
    """
    now = now or _now()
    try:
        email = normalised_email(email)
    except RecruitmentError:  # matches no account, and is throttled like any other e-mail
        email = email.strip().lower()
    account = _bucket("account", email, source)
    buckets = {
        account: ACCOUNT_FAILURES_ALLOWED,
        _bucket("source", source): SOURCE_FAILURES_ALLOWED,
    }
    with database.engine.connect() as conn:
        row = conn.execute(select(t.users).where(t.users.c.email == email)).one_or_none()
    # Hashed outside the write lock; the buckets are read and counted under it.
    matches = _password_matches(_DUMMY_HASH if row is None else row.password_hash, password)
    with database.transaction(write_lock=True) as conn:
        throttled = _throttled(conn, buckets, now)
        if row is None or not matches or throttled:
            if not throttled:
                _record_failure(database, conn, buckets, now)
            token = None
        else:
            token = secrets.token_urlsafe(32)
            conn.execute(delete(t.sign_in_failures).where(t.sign_in_failures.c.bucket == account))
            if _hasher.check_needs_rehash(row.password_hash):
                conn.execute(
                    update(t.users)
                    .where(t.users.c.id == row.id)
                    .values(password_hash=_hasher.hash(password))
                )
            conn.execute(
                t.user_sessions.insert().values(
                    token_hash=_token_hash(token),
                    user_id=row.id,
                    created_at=now,
                    expires_at=now + session_lifetime(),
                    revoked_at=None,
                )
            )
    if token is None:  # raised after the commit, so the failure is counted
        raise SignInError(
            _("Wrong e-mail or password, or too many failed tries: wait a few minutes.")
        )
    return token


def current_user(
    database: Database, token: str | None, *, now: datetime | None = None
) -> User | None:
    """The user of a live session, or ``None`` when the token is unknown, expired or revoked."""
    if not token:
        return None
    now = now or _now()
    sessions = t.user_sessions
    query = (
        select(t.users)
        .join(sessions, sessions.c.user_id == t.users.c.id)
        .where(
            sessions.c.token_hash == _token_hash(token),
            sessions.c.revoked_at.is_(None),
            sessions.c.expires_at > now,
        )
    )
    with database.engine.connect() as conn:
        row = conn.execute(query).one_or_none()
    return None if row is None else _user(row)


def sign_out(database: Database, token: str) -> None:
    """Revoke the session: the token opens nothing any more."""
    sessions = t.user_sessions
    with database.transaction() as conn:
        conn.execute(
            update(sessions)
            .where(sessions.c.token_hash == _token_hash(token), sessions.c.revoked_at.is_(None))
            .values(revoked_at=_now())
        )
