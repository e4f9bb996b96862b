"""The Streamlit pages, driven with AppTest on an empty workspace and on the demo data."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from jobmatch.config import PROJECT_ROOT
from jobmatch.storage import Database

TIMEOUT = 300


def page(name: str) -> AppTest:
    """A page of the app, run on its own."""
    return AppTest.from_file(str(PROJECT_ROOT / "app_pages" / name), default_timeout=TIMEOUT)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """An empty data folder for the app."""
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    return tmp_path


def test_home_routes_to_the_overview_on_an_empty_workspace(workspace):
    app = AppTest.from_file(str(PROJECT_ROOT / "Home.py"), default_timeout=TIMEOUT).run()
    assert not app.exception
    assert app.title[0].value == "jobmatch"
    assert [metric.value for metric in app.metric] == ["0", "0", "0"]


def test_matching_page_ranks_a_demo_cv_and_records_the_run(workspace):
    app = page("matching.py").run()
    assert not app.exception
    assert app.button[0].label == "Rank offers"
    app.selectbox[0].select("cv_ingenieure_ia.docx")
    app.button[0].click().run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == 40
    assert table["final_score"].is_monotonic_decreasing
    assert "Download ranked matches (CSV)" in [b.proto.label for b in app.get("download_button")]

    database = Database(f"sqlite:///{workspace / 'jobmatch.sqlite3'}")
    run = database.list_runs()[0]
    assert run.status == "done"
    artifact = pd.read_csv(workspace / "runs" / run.id / "matches.csv")
    assert artifact["title"].tolist() == table["title"].tolist()
    database.close()

    assert app.get("plotly_chart"), "the score distribution is drawn"

    contract = next(m for m in app.multiselect if m.label == "Contract")
    contract.select("CDI").run()
    shown = app.dataframe[0].value
    assert 0 < len(shown) < 40 and set(shown["contract"]) == {"CDI"}
    place = next(m for m in app.multiselect if m.label == "Place")
    place.select("Lyon (69)").run()
    assert set(app.dataframe[0].value["location"]) <= {"Lyon (69)"}

    app.slider[0].set_value(100).run()  # scores never reach 100 %: everything is filtered out
    assert len(app.dataframe[0].value) == 0
    assert any(c.value.startswith("0 of 40 offers") for c in app.caption)


def test_matching_page_waits_for_an_upload_before_ranking(workspace):
    app = page("matching.py").run()
    app.radio[1].set_value("Upload offers").run()
    assert not app.exception
    assert app.button[0].disabled  # nothing to rank yet


def test_every_page_renders_on_an_empty_workspace(workspace):
    for name in (
        "convert_cv.py",
        "matching.py",
        "reranking.py",
        "compare_cvs.py",
        "validation.py",
        "runs.py",
    ):  # overview: Home
        app = page(name).run()
        assert not app.exception, name
    assert "No run yet" in page("runs.py").run().info[0].value
    assert "No ranking yet" in page("reranking.py").run().info[0].value


def test_convert_cv_page_extracts_and_saves_a_demo_cv(workspace):
    app = page("convert_cv.py").run()
    app.selectbox[0].select("cv_gestion_locative.pdf").run()
    assert not app.exception
    assert any("gestion locative" in text.value.lower() for text in app.text)  # readable text
    assert app.success[0].value.startswith("Converted cv_gestion_locative.pdf")
    assert len(list((workspace / "cvs").glob("*.txt"))) == 1
    assert app.dataframe[0].value["CV"].tolist() == ["cv_gestion_locative.pdf"]


def test_compare_page_puts_the_matching_cv_ahead_on_ai_offers(workspace):
    app = page("compare_cvs.py").run()
    assert not app.exception
    app.button[0].click().run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == 40
    ai = table[table["title"].str.contains("IA|Machine Learning|Data Scientist", regex=True)]
    gap = ai["score_gap"]
    assert (gap > 0).mean() >= 0.8  # the AI CV beats the property-management CV on AI offers
    terms = app.dataframe[1].value
    assert len(terms) > 0


def test_runs_page_lists_a_run_and_its_artifact(workspace):
    matching = page("matching.py").run()
    matching.button[0].click().run()
    app = page("runs.py").run()
    assert not app.exception
    history = app.dataframe[0].value
    assert history["Status"].tolist() == ["Done"]
    assert history["Run"].str.fullmatch(r"Ranking · \d+ \S+ \d\d:\d\d · 40 offers · .+").all()
    assert app.get("download_button")[0].proto.label == "Download matches.csv"


def test_reranking_page_shows_what_the_cross_encoder_changed_in_a_recorded_run(workspace):
    matching = page("matching.py").run()
    matching.number_input[0].set_value(10)
    matching.button[0].click().run()
    assert not matching.exception

    app = page("reranking.py").run()  # a new session: the run is read back from disk
    assert not app.exception
    assert "does not use the cross-encoder" in app.info[0].value  # the bundled model's weight: 0
    assert [m.label for m in app.metric] == [
        "Offers read by the cross-encoder",
        "Offers it would place differently",
        "Largest difference",
    ]
    assert app.metric[0].value == "10"
    order = app.dataframe[0].value
    assert len(order) == 10 and order["final_place"].tolist() == list(range(1, 11))
    assert sorted(order["cross_place"]) == list(range(1, 11))
    moved = int(app.metric[1].value)
    assert moved == (order["place_gap"] != 0).sum()
    # scatter and distributions, plus the moves when the cross-encoder's order differs
    assert len(app.get("plotly_chart")) == (3 if moved else 2)
    stages = app.dataframe[1].value
    assert set(stages["stage"]) == {"storage", "first stage", "reranking"}

    runs = page("runs.py").run()
    assert not runs.exception
    assert runs.get("plotly_chart"), "time per stage"


def test_matching_without_reranking_leaves_the_reranking_page_empty(workspace):
    matching = page("matching.py").run()
    matching.number_input[0].set_value(0)
    matching.button[0].click().run()
    assert matching.dataframe[0].value["cross_score"].isna().all()
    app = page("reranking.py").run()
    assert "read no offer" in app.info[0].value


def test_validation_page_evaluates_the_demo_labels(workspace):
    app = page("validation.py").run()
    assert not app.exception
    app.number_input[0].set_value(5)  # rerank 5 offers per CV: quicker
    app.button[0].click().run()
    assert not app.exception
    metrics = app.dataframe[0].value
    assert {"tfidf", "first_stage", "cross_encoder", "final"} <= set(metrics.columns)
    assert metrics.set_index("metric").loc["roc_auc", "measure"] == "ROC AUC"
    auc = metrics.set_index("metric").loc["roc_auc", "final"]
    assert float(auc.split()[0]) > 70  # demo labels: the matcher separates them well
    assert len(app.get("plotly_chart")) == 4
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == [
        "Download the report (Markdown)",
        "Download the metrics (CSV)",
        "Download the scores (CSV)",
    ]
    database = Database(f"sqlite:///{workspace / 'jobmatch.sqlite3'}")
    assert database.list_runs(kind="evaluate")[0].status == "done"
    database.close()


def test_validation_page_explains_a_bad_upload(workspace):
    app = page("validation.py").run()
    app.radio[0].set_value("upload").run()
    assert not app.exception
    assert app.button[0].disabled


def test_plain_escapes_every_markdown_character_of_hostile_text():
    import re

    from ui import plain

    hostile = "**Chef** [clic](http://evil.example) `x` # <b>y</b> _z_ ~~w~~ 1. $x$ | a"
    escaped = plain(hostile)
    assert re.sub(r"\\(.)", r"\1", escaped) == hostile  # nothing lost
    assert not re.search(r"(?<!\\)[*\[\]`#<>_~$|]", escaped)  # every special escaped
