"""The ranking run end to end: stage timings, reading a run back, cancellation, and the views
the app draws from a run (filters, rank changes)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from jobmatch.config import Settings
from jobmatch.demo import demo_cv_paths, demo_offers
from jobmatch.documents import extract_document
from jobmatch.history import stage_progress
from jobmatch.insights import filter_matches, filter_options, rank_changes, reranked, timing_table
from jobmatch.pipeline import TIMINGS_FILE, load_rank_run, rank_documents
from jobmatch.storage import Database


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
def database(settings):
    db = Database.from_settings(settings)
    yield db
    db.close()


def demo_cv(name: str = "cv_ingenieure_ia.txt"):
    (path,) = [p for p in demo_cv_paths() if p.name == name]
    return extract_document(path)


def test_a_run_records_its_stage_timings_and_reads_back(settings, database):
    run = rank_documents(
        [demo_cv()],
        demo_offers(),
        settings=settings,
        database=database,
        embedders=[],
        reranker=None,
    )
    assert set(run.timings) == {"storage", "first stage", "reranking"}
    assert all(seconds >= 0 for seconds in run.timings.values())
    saved = json.loads((settings.runs_dir / run.run_id / TIMINGS_FILE).read_text())
    assert saved == pytest.approx(run.timings)

    again = load_rank_run(settings, run.run_id)
    assert again is not None and again.timings == pytest.approx(run.timings)
    pd.testing.assert_frame_equal(
        again.matches[["cv_id", "offer_id", "rank"]], run.matches[["cv_id", "offer_id", "rank"]]
    )
    assert load_rank_run(settings, "../" + run.run_id) is None  # never a path
    assert load_rank_run(settings, "0" * 32) is None


@pytest.mark.parametrize(
    ("error", "status"), [(KeyboardInterrupt, "cancelled"), (OSError, "failed")]
)
def test_an_interrupted_run_is_recorded_as_cancelled_and_an_error_as_failed(
    settings, database, error, status
):
    def progress(stage: str, done: int, total: int) -> None:
        raise error("stop")

    with pytest.raises(error):
        rank_documents(
            [demo_cv()],
            demo_offers(),
            settings=settings,
            database=database,
            embedders=[],
            reranker=None,
            progress=progress,
        )
    (run,) = database.list_runs()
    assert run.status == status
    assert not (settings.runs_dir / run.id / "matches.csv").exists()


def test_filters_rank_changes_and_timing_table():
    matches = pd.DataFrame(
        {
            "cv_id": ["a", "a", "a", "b", "b"],
            "rank": [1, 2, 3, 1, 2],
            "final_score": [80.0, 60.0, 20.0, 70.0, 50.0],
            "first_stage_score": [50.0, 60.0, 10.0, 20.0, 30.0],
            "cross_score": [90.0, 40.0, None, None, 10.0],
            "location": ["Paris (75)", "Lyon (69)", "", None, "Paris (75)"],
            "contract": ["CDI", "CDD", "CDI", "CDI", "Stage"],
        }
    )
    assert filter_options(matches) == {
        "location": ["Lyon (69)", "Paris (75)"],
        "contract": ["CDD", "CDI", "Stage"],
    }
    kept = filter_matches(matches, 30, {"location": ["Paris (75)"], "contract": []})
    assert kept.index.tolist() == [0, 4]
    assert filter_matches(matches, 0, {"contract": ["CDI"]}).index.tolist() == [0, 2, 3]

    changes = rank_changes(matches)
    assert changes["first_stage_rank"].tolist() == [2, 1, 3, 2, 1]  # per CV
    assert changes["rank_change"].tolist() == [1, -1, 0, 1, -1]
    assert reranked(matches).index.tolist() == [0, 1, 4]

    table = timing_table({"storage": 0.1, "first stage": 1.25, "reranking": 0.5})
    assert table["stage"].tolist() == ["first stage", "reranking", "storage"]


def test_stage_progress_counts_what_each_stage_produced(settings, database):
    assert all(state.count == 0 for state in stage_progress(database))
    rank_documents(
        [demo_cv()],
        demo_offers(),
        settings=settings,
        database=database,
        embedders=[],
        reranker=None,
    )
    failed = database.start_run("evaluate", {})
    database.finish_run(failed, status="failed")  # only finished runs count
    counts = {state.stage.title: state.count for state in stage_progress(database)}
    assert counts["Offers"] == 40 and counts["Convert CV"] == 1
    assert counts["Semantic matching"] == 1 and counts["Compare CVs"] == 0  # one CV: no comparison
    assert counts["Validation"] == counts["Rewrite offers"] == 0
