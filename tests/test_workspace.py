"""Workspace helpers: saved CVs, run history and the CV comparison."""

from __future__ import annotations

import pandas as pd

from jobmatch.compare import separating_terms, side_by_side
from jobmatch.config import Settings
from jobmatch.documents import ExtractedDocument, extract_document
from jobmatch.history import run_artifacts, run_history
from jobmatch.pipeline import cv_labels
from jobmatch.storage import Database
from jobmatch.workspace import save_cv


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
    done = database.start_run("rank", {"cvs": ["a.pdf"]})
    database.finish_run(done)
    running = database.start_run("scrape", {})
    (settings.runs_dir / done).mkdir(parents=True)
    (settings.runs_dir / done / "matches.csv").write_text("offer_id\n1\n", encoding="utf-8")

    history = run_history(database)
    assert history["run_id"].tolist() == [running, done]
    assert history.set_index("run_id").loc[done, "seconds"] >= 0
    assert pd.isna(history.set_index("run_id").loc[running, "seconds"])
    assert [p.name for p in run_artifacts(settings, done)] == ["matches.csv"]
    assert run_artifacts(settings, running) == []
    assert run_artifacts(settings, "../..") == []  # never a path outside runs/
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
