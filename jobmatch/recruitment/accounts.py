"""Local accounts, roles and sessions.

Passwords are hashed with Argon2id (``argon2-cffi``) and rehashed when its parameters change.
A session is a random token given to the browser; only its SHA-256 is stored, with an expiry,
and it is checked on every page run. Sign-in errors never say whether the account exists, and
an account is locked for a while after repeated failures.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, select, update

from jobmatch.recruitment import tables as t
from jobmatch.recruitment.errors import RecruitmentError, SignInError
from jobmatch.storage import Database

Role = Literal["recruiter", "candidate"]
ROLES: tuple[Role, ...] = ("recruiter", "candidate")
#: Shortest password accepted.
MIN_PASSWORD_LENGTH = 10
#: Failed sign-ins in a row before an account is locked, and for how long.
MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)

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


def _user(row: object) -> User:
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        role=row.role,
        organisation_id=row.organisation_id,
    )


def _check_new_account(email: str, password: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) < 3:
        raise RecruitmentError("Enter a valid e-mail address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RecruitmentError(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    return email


def _insert_user(
    conn: Connection, email: str, name: str, password: str, role: Role, organisation_id: str | None
) -> User:
    email = _check_new_account(email, password)
    if conn.scalar(select(func.count()).select_from(t.users).where(t.users.c.email == email)):
        raise RecruitmentError("An account with this e-mail already exists: sign in instead.")
    user = User(uuid.uuid4().hex, email, name.strip() or email, role, organisation_id)
    conn.execute(
        t.users.insert().values(
            id=user.id,
            email=user.email,
            name=user.name,
            role=role,
            organisation_id=organisation_id,
            password_hash=_hasher.hash(password),
            failed_logins=0,
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
        raise RecruitmentError("Enter the organisation's name.")
    with database.transaction(write_lock=True) as conn:
        query = select(func.count()).select_from(t.users).where(t.users.c.role == "recruiter")
        if first_run and conn.scalar(query):
            raise RecruitmentError("The first recruiter exists already: sign in.")
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
        raise RecruitmentError("Only a recruiter can add recruiters.")
    with database.transaction(write_lock=True) as conn:
        return _insert_user(conn, email, name, password, "recruiter", actor.organisation_id)


def sign_up_candidate(database: Database, email: str, name: str, password: str) -> User:
    """Create a candidate account (anyone may; candidates see only their own things)."""
    with database.transaction(write_lock=True) as conn:
        return _insert_user(conn, email, name, password, "candidate", None)


def sign_in(database: Database, email: str, password: str, *, now: datetime | None = None) -> str:
    """Check the password and open a session.

    Args:
        database: The database.
        email: The account's e-mail (case does not matter).
        password: Its password.
        now: The current time; default the clock (tests pass one).

    Returns:
        The session token, to keep in the browser session (never stored in clear).

    Raises:
        SignInError: Wrong e-mail or password, or the account is locked for a while.
    """
    now = now or _now()
    wrong = SignInError("Wrong e-mail or password.")
    with database.transaction(write_lock=True) as conn:
        row = conn.execute(
            select(t.users).where(t.users.c.email == email.strip().lower())
        ).one_or_none()
        if row is None:
            with contextlib.suppress(VerificationError):  # same work as for a real account
                _hasher.verify(_DUMMY_HASH, password)
            raise wrong
        if row.locked_until is not None and row.locked_until > now:
            raise SignInError("Too many failed attempts: try again in a few minutes.")
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            failed = row.failed_logins + 1
            locked = now + LOCK_DURATION if failed >= MAX_FAILED_LOGINS else None
            conn.execute(
                update(t.users)
                .where(t.users.c.id == row.id)
                .values(failed_logins=0 if locked else failed, locked_until=locked)
            )
            failure = wrong
        else:
            failure = None
    if failure is not None:  # raised after the commit, so the failed try is counted
        raise failure
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    with database.transaction() as conn:
        conn.execute(update(t.users).where(t.users.c.id == row.id).values(**values))
        conn.execute(
            t.user_sessions.insert().values(
                token_hash=_token_hash(token),
                user_id=row.id,
                created_at=now,
                expires_at=now + session_lifetime(),
                revoked_at=None,
            )
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
