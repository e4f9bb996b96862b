"""The database: offers, CVs, pipeline runs and their scores.

SQLAlchemy Core over SQLite by default (a file under ``data/``), and the same code over
PostgreSQL (``postgresql+psycopg://`` URLs). The schema is versioned: :data:`MIGRATIONS` is an
ordered list of functions, and opening a database applies the ones it lacks, in one
transaction, recording each in the ``schema_version`` table.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url

from jobmatch.config import Settings
from jobmatch.offers import Offer, content_id

#: How long a SQLite connection waits for another writer's lock before failing.
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Source of the offers a recruiter publishes: only the recruitment service writes them.
POSTINGS_SOURCE = "recruitment"
#: Rows sent to the database per statement batch by the bulk writers.
BATCH_SIZE = 1_000
# Keys of the PostgreSQL advisory locks that serialise schema upgrades and offer upserts.
_MIGRATION_LOCK = 0x6A6F_626D_0001
_OFFERS_LOCK = 0x6A6F_626D_0002
_WRITE_LOCK = 0x6A6F_626D_0003


class SchemaError(RuntimeError):
    """The database schema is newer than this code knows how to use."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; naive values are refused.

    PostgreSQL keeps it as ``timestamp with time zone``; SQLite as UTC text. Values read back
    are always aware and in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- Migrations -------------------------------------------------------------------------------
# Each migration takes the database from version N-1 to N and is frozen once released: it
# declares the tables it creates itself and never uses the current-schema tables below, which
# follow the latest version. To change the schema, append a function to MIGRATIONS and update the
# current-schema tables to match.

Migration = Callable[[Connection], None]


def _v1_create_tables(conn: Connection) -> None:
    """Version 1: offers, CVs, runs and scores."""
    schema = MetaData()
    Table(
        "offers",
        schema,
        Column("id", Text, primary_key=True),
        Column("seq", Integer, nullable=False, index=True),
        Column("title", Text, nullable=False),
        Column("company", Text, nullable=False),
        Column("location", Text, nullable=False),
        Column("description", Text, nullable=False),
        Column("url", Text, nullable=False),
        Column("extra", Text, nullable=False),
        Column("source", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    Table(
        "cvs",
        schema,
        Column("id", Text, primary_key=True),
        Column("name", Text, nullable=False),
        Column("text", Text, nullable=False),
        Column("sha256", Text, nullable=False),
        Column("file_type", Text, nullable=False),
        Column("owner", Text, nullable=False, index=True),
        Column("created_at", UTCDateTime, nullable=False),
    )
    Table(
        "runs",
        schema,
        Column("id", Text, primary_key=True),
        Column("kind", Text, nullable=False),
        Column("params", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("started_at", UTCDateTime, nullable=False, index=True),
        Column("finished_at", UTCDateTime),
    )
    Table(
        "scores",
        schema,
        Column("run_id", Text, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        Column("cv_id", Text, nullable=False),
        Column("offer_id", Text, nullable=False),
        Column("rank", Integer, nullable=False),
        Column("lexical_score", Float, nullable=False),
        Column("bi_score", Float, nullable=True),
        Column("final_score", Float, nullable=False),
        Column("cross_score", Float),
        Column("extra", Text, nullable=False),
        PrimaryKeyConstraint("run_id", "cv_id", "offer_id"),
    )
    schema.create_all(conn)


def _v2_recruitment(conn: Connection) -> None:
    """Version 2: the recruiter side (organisations, accounts, sessions, published offers,
    applications, tests, attempts, answers and grades)."""
    schema = MetaData()
    Table("offers", schema, Column("id", Text, primary_key=True))
    Table("cvs", schema, Column("id", Text, primary_key=True))
    Table(
        "organisations",
        schema,
        Column("id", Text, primary_key=True),
        Column("name", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
    )
    Table(
        "users",
        schema,
        Column("id", Text, primary_key=True),
        Column("email", Text, nullable=False, unique=True),
        Column("name", Text, nullable=False),
        Column("role", Text, nullable=False),
        Column("organisation_id", Text, ForeignKey("organisations.id"), index=True),
        Column("password_hash", Text, nullable=False),
        Column("failed_logins", Integer, nullable=False),
        Column("locked_until", UTCDateTime),
        Column("created_at", UTCDateTime, nullable=False),
    )
    Table(
        "user_sessions",
        schema,
        Column("token_hash", Text, primary_key=True),
        Column(
            "user_id", Text, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        Column("created_at", UTCDateTime, nullable=False),
        Column("expires_at", UTCDateTime, nullable=False),
        Column("revoked_at", UTCDateTime),
    )
    Table(
        "postings",
        schema,
        Column("id", Text, primary_key=True),
        Column("organisation_id", Text, ForeignKey("organisations.id"), nullable=False, index=True),
        Column("offer_id", Text, ForeignKey("offers.id"), nullable=False),
        Column("status", Text, nullable=False),
        Column("created_by", Text, ForeignKey("users.id"), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    Table(
        "applications",
        schema,
        Column("id", Text, primary_key=True),
        Column("posting_id", Text, ForeignKey("postings.id"), nullable=False, index=True),
        Column("candidate_id", Text, ForeignKey("users.id"), nullable=False, index=True),
        Column("cv_id", Text, ForeignKey("cvs.id"), nullable=False),
        Column("status", Text, nullable=False),
        Column("final_score", Float),
        Column("band", Text, nullable=False),
        Column("evidence", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        UniqueConstraint("posting_id", "candidate_id"),
    )
    Table(
        "assessments",
        schema,
        Column("id", Text, primary_key=True),
        Column("posting_id", Text, ForeignKey("postings.id"), nullable=False, index=True),
        Column("application_id", Text, ForeignKey("applications.id"), index=True),
        Column("title", Text, nullable=False),
        Column("time_limit_minutes", Integer, nullable=False),
        Column("status", Text, nullable=False),
        Column("source", Text, nullable=False),
        Column("created_by", Text, ForeignKey("users.id"), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    Table(
        "questions",
        schema,
        Column("id", Text, primary_key=True),
        Column(
            "assessment_id",
            Text,
            ForeignKey("assessments.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("position", Integer, nullable=False),
        Column("kind", Text, nullable=False),
        Column("prompt", Text, nullable=False),
        Column("choices", Text, nullable=False),
        Column("answer_index", Integer),
        Column("rubric", Text, nullable=False),
        Column("keywords", Text, nullable=False),
        Column("difficulty", Text, nullable=False),
        Column("skill", Text, nullable=False),
    )
    Table(
        "attempts",
        schema,
        Column("id", Text, primary_key=True),
        Column("assessment_id", Text, ForeignKey("assessments.id"), nullable=False, index=True),
        Column("application_id", Text, ForeignKey("applications.id"), nullable=False),
        Column("candidate_id", Text, ForeignKey("users.id"), nullable=False, index=True),
        Column("started_at", UTCDateTime, nullable=False),
        Column("deadline", UTCDateTime, nullable=False),
        Column("submitted_at", UTCDateTime),
        Column("score", Float),
        UniqueConstraint("assessment_id", "candidate_id"),
    )
    Table(
        "answers",
        schema,
        Column("attempt_id", Text, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
        Column("question_id", Text, ForeignKey("questions.id"), nullable=False),
        Column("value", Text, nullable=False),
        Column("saved_at", UTCDateTime, nullable=False),
        PrimaryKeyConstraint("attempt_id", "question_id"),
    )
    Table(
        "grades",
        schema,
        Column("attempt_id", Text, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
        Column("question_id", Text, ForeignKey("questions.id"), nullable=False),
        Column("score", Float, nullable=False),
        Column("reasoning", Text, nullable=False),
        PrimaryKeyConstraint("attempt_id", "question_id"),
    )
    for name in ("offers", "cvs"):  # stubs for the foreign keys: those tables exist already
        schema.remove(schema.tables[name])
    schema.create_all(conn)


def _v3_run_owner(conn: Connection) -> None:
    """Version 3: each run records the process that runs it (host, pid, process start), so a
    run whose process was killed can be told from one still running."""
    conn.execute(text("ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT ''"))


def _process_owner(pid: int) -> str:
    """``host|pid|start``: who runs a run. ``start`` is the process's start time in clock
    ticks since boot (Linux ``/proc``; empty elsewhere), so a reused pid is another owner;
    a process that does not exist gets ``start`` ``"gone"``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return f"{socket.gethostname()}|{pid}|gone"
    except PermissionError:
        pass  # it exists, owned by another user
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        start = stat.rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        start = ""
    return f"{socket.gethostname()}|{pid}|{start}"


def _owner_is_gone(owner: str) -> bool:
    """Whether a run's owner (:func:`_process_owner`) is a process of this machine that no
    longer runs; owners of other machines, or unknown (runs older than schema 3), are not."""
    host, _, rest = owner.partition("|")
    pid = rest.partition("|")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return _process_owner(int(pid)) != owner


def _v4_sign_in_failures(conn: Connection) -> None:
    """Version 4: failed recruitment sign-ins counted per bucket (an account from one source,
    or one source), for the sign-in backoff."""
    schema = MetaData()
    Table(
        "sign_in_failures",
        schema,
        Column("bucket", Text, primary_key=True),
        Column("failures", Integer, nullable=False),
        Column("last_failure_at", UTCDateTime, nullable=False, index=True),
    )
    schema.create_all(conn)


#: Ordered migrations; ``MIGRATIONS[i]`` upgrades a database to version ``i + 1``.
MIGRATIONS: tuple[Migration, ...] = (
    _v1_create_tables,
    _v2_recruitment,
    _v3_run_owner,
    _v4_sign_in_failures,
)

# --- Current schema (what the queries use) ----------------------------------------------------

#: The current schema, which the queries use.
metadata = MetaData()

schema_version_table = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", UTCDateTime, nullable=False),
)
offers_table = Table(
    "offers",
    metadata,
    Column("id", Text, primary_key=True),
    Column("seq", Integer, nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("company", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("extra", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
cvs_table = Table(
    "cvs",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("file_type", Text, nullable=False),
    Column("owner", Text, nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
)
runs_table = Table(
    "runs",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("params", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("started_at", UTCDateTime, nullable=False, index=True),
    Column("finished_at", UTCDateTime),
    Column("owner", Text, nullable=False, server_default=""),
)
scores_table = Table(
    "scores",
    metadata,
    Column("run_id", Text, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("cv_id", Text, nullable=False),
    Column("offer_id", Text, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("lexical_score", Float, nullable=False),
    Column("bi_score", Float, nullable=True),
    Column("final_score", Float, nullable=False),
    Column("cross_score", Float),
    Column("extra", Text, nullable=False),
    PrimaryKeyConstraint("run_id", "cv_id", "offer_id"),
)

# --- Records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CVRecord:
    """A stored CV.

    Args:
        id: Stable id derived from the owner and the text.
        name: Display name (usually the uploaded file name).
        text: Extracted plain text.
        sha256: Hash of the source file.
        file_type: Source format, e.g. ``"pdf"``.
        owner: Who the CV belongs to; empty when the app has a single user.
        created_at: When it was first stored (aware, UTC).
    """

    id: str
    name: str
    text: str
    sha256: str
    file_type: str
    owner: str
    created_at: datetime


@dataclass(frozen=True)
class RunRecord:
    """A pipeline run.

    Args:
        id: Random hex id.
        kind: What ran, e.g. ``"match"``.
        params: The parameters it ran with (decoded JSON).
        status: ``"running"`` until finished, then what :meth:`Database.finish_run` set.
        error: Error message of a failed run, else empty.
        started_at: Start time (aware, UTC).
        finished_at: End time (aware, UTC), ``None`` while running.
    """

    id: str
    kind: str
    params: dict[str, Any]
    status: str
    error: str
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class ScoreRow:
    """The scores of one (CV, offer) pair in a run.

    Args:
        cv_id: The CV.
        offer_id: The offer.
        rank: Position of the offer for this CV, 1 = best.
        lexical_score: Lexical (TF-IDF) score, 0–100.
        bi_score: Bi-encoder score, 0–100; ``None`` when ranked without a bi-encoder.
        final_score: Fused first-stage score, 0–100.
        cross_score: Cross-encoder score; default ``None`` (pair not reranked).
        extra: Anything else worth keeping (stored as JSON); default empty.
    """

    cv_id: str
    offer_id: str
    rank: int
    lexical_score: float
    bi_score: float | None
    final_score: float
    cross_score: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _batches(items: Iterable[Any], size: int = BATCH_SIZE) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to WAL mode (a no-op once it is).

    Retries until the busy timeout while another connection holds the lock: on a new file,
    SQLite answers "locked" here at once instead of calling the busy handler.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _configure_sqlite(engine: Engine) -> None:
    """Per-connection pragmas, and BEGIN emitted by SQLAlchemy so DDL is transactional too."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # sqlite3 must not issue BEGIN/COMMIT itself
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _enable_wal(cursor)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so a read-then-write transaction waits for
        # other writers (busy_timeout) instead of failing when it comes to write.
        immediate = conn.get_execution_options().get("jobmatch_write_lock", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Offers, CVs, runs and scores in SQLite or PostgreSQL.

    Safe to open several times on the same database, from threads or processes: SQLite runs in
    WAL mode with a busy timeout, and every write method is one transaction.

    Args:
        url: SQLAlchemy URL: ``sqlite:///path/to/file.sqlite3`` (parent folder created) or
            ``postgresql+psycopg://user:password@host:port/dbname``.

    Raises:
        ValueError: The URL names another database backend.
        SchemaError: The database was written by a newer version of jobmatch.
    """

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        if backend not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
        if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_engine(parsed, pool_pre_ping=backend == "postgresql")
        if backend == "sqlite":
            _configure_sqlite(self._engine)
        self._insert = sqlite.insert if backend == "sqlite" else postgresql.insert
        try:
            self._migrate()
            self.mark_interrupted_runs()
        except BaseException:
            self._engine.dispose()
            raise

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Database:
        """Open the database named by ``settings.database_url``.

        Args:
            settings: Settings to use; default ``Settings()`` (environment variables applied).
        """
        return cls((settings or Settings()).database_url)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for ad-hoc reads (e.g. ``pandas.read_sql``)."""
        return self._engine

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the database (0 for an empty database)."""
        with self._engine.connect() as conn:
            return self._read_version(conn)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close all pooled connections; the object reconnects if used again."""
        self._engine.dispose()

    # --- Internals ----------------------------------------------------------------------------

    @contextmanager
    def _transaction(self, lock: int | None = None) -> Iterator[Connection]:
        """One transaction, committed on success and rolled back on any exception.

        Args:
            lock: Take the database's write lock first (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
                advisory lock with this key); default ``None``, no lock.
        """
        with self._engine.connect() as conn:
            if lock is not None:
                conn.execution_options(jobmatch_write_lock=True)
            with conn.begin():
                if lock is not None and conn.dialect.name == "postgresql":
                    conn.execute(select(func.pg_advisory_xact_lock(lock)))
                yield conn

    @contextmanager
    def transaction(self, write_lock: bool = False) -> Iterator[Connection]:
        """One transaction for queries written outside this module (committed on success).

        Args:
            write_lock: Take the database's write lock first, so a read-then-write
                transaction is serialised with other writers. Default ``False``.
        """
        with self._transaction(lock=_WRITE_LOCK if write_lock else None) as conn:
            yield conn

    def insert(self, table: Table) -> Any:
        """An INSERT for ``table`` in this backend's dialect (it has ``on_conflict_do_*``)."""
        return self._insert(table)

    @staticmethod
    def _read_version(conn: Connection) -> int:
        if not inspect(conn).has_table(schema_version_table.name):
            return 0
        return conn.scalar(select(func.coalesce(func.max(schema_version_table.c.version), 0)))

    def _migrate(self) -> None:
        """Apply the migrations the database lacks, in one transaction (no-op when current)."""
        latest = len(MIGRATIONS)
        with self._engine.connect() as conn:
            version = self._read_version(conn)
        if version == latest:
            return
        with self._transaction(lock=_MIGRATION_LOCK) as conn:
            version = self._read_version(conn)  # another process may have upgraded meanwhile
            if version > latest:
                raise SchemaError(
                    f"database schema is version {version}, newer than this code's {latest}: "
                    "upgrade jobmatch"
                )
            schema_version_table.create(conn, checkfirst=True)
            for number in range(version + 1, latest + 1):
                MIGRATIONS[number - 1](conn)
                conn.execute(
                    schema_version_table.insert().values(version=number, applied_at=_now())
                )

    # --- Offers -------------------------------------------------------------------------------

    def upsert_offers(self, offers: Iterable[Offer], source: str = "") -> int:
        """Insert offers, or update those whose id is already stored, in one transaction.

        An updated offer keeps its place in insertion order and its ``created_at``; an empty
        field of the new version (title, company, place, description, URL, extra columns)
        keeps the stored value; a recruiter's posting (source :data:`POSTINGS_SOURCE`) is
        never changed by another source. If anything
        fails (a bad offer, an exception from ``offers``), nothing of this call is kept. It holds
        the database's write lock while it reads ``offers``, so other writers wait for it.

        Args:
            offers: Offers to store; a repeated id within the call keeps the last one.
            source: Where they come from (e.g. the file name); default empty.

        Returns:
            How many offers were written.
        """
        table = offers_table
        stmt = self._insert(table)
        empty = {name: "" for name in ("title", "company", "location", "description", "url")}
        empty["extra"] = _dumps({})
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={
                # An empty value never blanks a stored one.
                **{
                    name: func.coalesce(func.nullif(stmt.excluded[name], blank), table.c[name])
                    for name, blank in empty.items()
                },
                "source": stmt.excluded.source,
                "updated_at": stmt.excluded.updated_at,
            },
            # A recruiter's posting changes only through the recruitment service.
            where=(table.c.source != POSTINGS_SOURCE) | (stmt.excluded.source == POSTINGS_SOURCE),
        )
        count = 0
        with self._transaction(lock=_OFFERS_LOCK) as conn:
            start = conn.scalar(select(func.coalesce(func.max(table.c.seq), 0)))
            now = _now()
            for batch in _batches(offers):
                rows = []
                for offer in batch:
                    count += 1
                    rows.append(
                        {
                            "id": offer.id,
                            "seq": start + count,
                            "title": offer.title,
                            "company": offer.company,
                            "location": offer.location,
                            "description": offer.description,
                            "url": offer.url,
                            "extra": _dumps(offer.extra),
                            "source": source,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                conn.execute(stmt, rows)
        return count

    def get_offers(self, ids: Sequence[str] | None = None) -> list[Offer]:
        """Stored offers, in insertion order.

        Args:
            ids: Only these offers (unknown ids are skipped); default ``None``, all offers.
        """
        table = offers_table
        query = select(
            table.c.seq,
            table.c.id,
            table.c.title,
            table.c.company,
            table.c.location,
            table.c.description,
            table.c.url,
            table.c.extra,
        )
        with self._engine.connect() as conn:
            if ids is None:
                rows = conn.execute(query.order_by(table.c.seq, table.c.id)).all()
            else:
                wanted = list(dict.fromkeys(ids))
                rows = sorted(
                    (
                        row
                        for batch in _batches(wanted)
                        for row in conn.execute(query.where(table.c.id.in_(batch)))
                    ),
                    key=lambda row: (row.seq, row.id),
                )
        return [
            Offer(
                id=row.id,
                title=row.title,
                company=row.company,
                location=row.location,
                description=row.description,
                url=row.url,
                extra=json.loads(row.extra),
            )
            for row in rows
        ]

    def count_offers(self) -> int:
        """How many offers are stored."""
        with self._engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(offers_table))

    # --- CVs ----------------------------------------------------------------------------------

    def add_cv(self, name: str, text: str, sha256: str, file_type: str, owner: str = "") -> str:
        """Store a CV once per (owner, text).

        Adding the same text for the same owner again returns the same id and keeps the first
        record (its name and ``created_at``) unchanged.

        Args:
            name: Display name, usually the file name.
            text: Extracted plain text.
            sha256: Hash of the source file.
            file_type: Source format, e.g. ``"pdf"``.
            owner: Who it belongs to; default empty (single-user app).

        Returns:
            The CV id, derived from ``owner`` and ``text``.
        """
        cv_id = content_id(owner, text)
        stmt = self._insert(cvs_table).values(
            id=cv_id,
            name=name,
            text=text,
            sha256=sha256,
            file_type=file_type,
            owner=owner,
            created_at=_now(),
        )
        with self._transaction() as conn:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=[cvs_table.c.id]))
        return cv_id

    def get_cv(self, cv_id: str) -> CVRecord | None:
        """The CV with this id, or ``None``."""
        with self._engine.connect() as conn:
            row = conn.execute(select(cvs_table).where(cvs_table.c.id == cv_id)).one_or_none()
        return None if row is None else CVRecord(**row._asdict())

    def list_cvs(self, owner: str | None = None) -> list[CVRecord]:
        """Stored CVs, oldest first.

        Args:
            owner: Only this owner's CVs; default ``None``, everyone's.
        """
        query = select(cvs_table).order_by(cvs_table.c.created_at, cvs_table.c.id)
        if owner is not None:
            query = query.where(cvs_table.c.owner == owner)
        with self._engine.connect() as conn:
            return [CVRecord(**row._asdict()) for row in conn.execute(query)]

    # --- Runs ---------------------------------------------------------------------------------

    def start_run(self, kind: str, params: dict[str, Any]) -> str:
        """Record the start of a run, with status ``"running"``.

        Args:
            kind: What runs, e.g. ``"match"``.
            params: Its parameters, stored as JSON (values JSON cannot hold, such as paths, are
                stored as strings).

        Returns:
            The new run id (32 hex characters).
        """
        run_id = uuid.uuid4().hex
        with self._transaction() as conn:
            conn.execute(
                runs_table.insert().values(
                    id=run_id,
                    kind=kind,
                    params=_dumps(params),
                    status="running",
                    error="",
                    started_at=_now(),
                    finished_at=None,
                    owner=_process_owner(os.getpid()),
                )
            )
        return run_id

    def mark_interrupted_runs(self) -> int:
        """Mark ``"interrupted"`` the runs still ``"running"`` whose process, on this machine,
        is gone (killed, or the machine restarted): called when a database is opened.

        Runs started on another machine (a shared PostgreSQL server) are left alone.

        Returns:
            How many runs were marked.
        """
        with self._engine.connect() as conn:
            running = conn.execute(
                select(runs_table.c.id, runs_table.c.owner).where(runs_table.c.status == "running")
            ).all()
        stale = [row.id for row in running if _owner_is_gone(row.owner)]
        for run_id in stale:
            self.finish_run(
                run_id, status="interrupted", error="its process stopped before it finished"
            )
        return len(stale)

    def finish_run(self, run_id: str, status: str = "done", error: str = "") -> None:
        """Record the end of a run.

        Args:
            run_id: The run, as returned by :meth:`start_run`.
            status: Final status; default ``"done"`` (use e.g. ``"failed"`` with ``error``).
            error: What went wrong; default empty.

        Raises:
            KeyError: No run has this id.
        """
        stmt = (
            update(runs_table)
            .where(runs_table.c.id == run_id)
            .values(status=status, error=error, finished_at=_now())
        )
        with self._transaction() as conn:
            if conn.execute(stmt).rowcount == 0:
                raise KeyError(f"no run with id {run_id!r}")

    @contextmanager
    def recorded_run(self, kind: str, params: dict[str, Any]) -> Iterator[str]:
        """Record the ``with`` block as a run and yield its id.

        It ends ``"done"``, or ``"failed"`` on an error, or ``"cancelled"`` when interrupted
        (Ctrl-C, a Streamlit stop or rerun: exceptions that are not ``Exception``); the
        exception is raised again.
        """
        run_id = self.start_run(kind, params)
        try:
            yield run_id
        except BaseException as exc:
            status = "failed" if isinstance(exc, Exception) else "cancelled"
            self.finish_run(run_id, status=status, error=str(exc) or type(exc).__name__)
            raise
        self.finish_run(run_id)

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with this id, or ``None``."""
        with self._engine.connect() as conn:
            row = conn.execute(select(runs_table).where(runs_table.c.id == run_id)).one_or_none()
        return None if row is None else self._run_record(row._asdict())

    def count_runs(self, status: str = "done") -> dict[str, int]:
        """How many runs of each kind ended with ``status`` (default ``"done"``)."""
        query = (
            select(runs_table.c.kind, func.count())
            .where(runs_table.c.status == status)
            .group_by(runs_table.c.kind)
        )
        with self._engine.connect() as conn:
            return {kind: int(count) for kind, count in conn.execute(query)}

    def list_runs(self, kind: str | None = None, limit: int = 50) -> list[RunRecord]:
        """Runs, most recent first.

        Args:
            kind: Only runs of this kind; default ``None``, all kinds.
            limit: At most this many; default 50.
        """
        query = (
            select(runs_table)
            .order_by(runs_table.c.started_at.desc(), runs_table.c.id.desc())
            .limit(limit)
        )
        if kind is not None:
            query = query.where(runs_table.c.kind == kind)
        with self._engine.connect() as conn:
            return [self._run_record(row._asdict()) for row in conn.execute(query)]

    @staticmethod
    def _run_record(row: dict[str, Any]) -> RunRecord:
        fields = {key: value for key, value in row.items() if key != "owner"}
        return RunRecord(**{**fields, "params": json.loads(row["params"])})

    # --- Scores -------------------------------------------------------------------------------

    def add_scores(self, run_id: str, rows: Iterable[ScoreRow]) -> int:
        """Store score rows of a run, in one transaction.

        Call it once per chunk of results: what earlier calls wrote survives a later crash. A
        row whose (CV, offer) pair is already stored for the run replaces it, so a resumed run
        can write the same rows again.

        Args:
            run_id: The run, as returned by :meth:`start_run`.
            rows: The scores.

        Returns:
            How many rows were written.

        Raises:
            sqlalchemy.exc.IntegrityError: No run has this id (nothing is written).
        """
        stmt = self._insert(scores_table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[scores_table.c.run_id, scores_table.c.cv_id, scores_table.c.offer_id],
            set_={
                name: stmt.excluded[name]
                for name in (
                    "rank",
                    "lexical_score",
                    "bi_score",
                    "final_score",
                    "cross_score",
                    "extra",
                )
            },
        )
        count = 0
        with self._transaction() as conn:
            for batch in _batches(rows):
                conn.execute(
                    stmt,
                    [
                        {
                            "run_id": run_id,
                            "cv_id": row.cv_id,
                            "offer_id": row.offer_id,
                            "rank": row.rank,
                            "lexical_score": row.lexical_score,
                            "bi_score": row.bi_score,
                            "final_score": row.final_score,
                            "cross_score": row.cross_score,
                            "extra": _dumps(row.extra),
                        }
                        for row in batch
                    ],
                )
                count += len(batch)
        return count

    def get_scores(self, run_id: str) -> list[ScoreRow]:
        """The score rows of a run, ordered by CV id, then rank."""
        table = scores_table
        query = (
            select(table)
            .where(table.c.run_id == run_id)
            .order_by(table.c.cv_id, table.c.rank, table.c.offer_id)
        )
        with self._engine.connect() as conn:
            return [
                ScoreRow(
                    cv_id=row.cv_id,
                    offer_id=row.offer_id,
                    rank=row.rank,
                    lexical_score=row.lexical_score,
                    bi_score=row.bi_score,
                    final_score=row.final_score,
                    cross_score=row.cross_score,
                    extra=json.loads(row.extra),
                )
                for row in conn.execute(query)
            ]
