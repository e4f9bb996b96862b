"""The rewrite, CV synthesis and explanation pages, driven with AppTest on the demo data."""

from __future__ import annotations

import json

import test_app
from test_llm import scripted_server

from jobmatch.storage import Database
from ui import NO_LLM, OTHER_LLM, plain

page = test_app.page
workspace = test_app.workspace  # the same empty-data-folder fixture


def finished_runs(workspace, kind: str) -> list:
    database = Database(f"sqlite:///{workspace / 'jobmatch.sqlite3'}")
    try:
        return [run for run in database.list_runs() if run.kind == kind and run.status == "done"]
    finally:
        database.close()


def test_rewrite_page_summarises_offers_with_a_local_llm_server(workspace):
    answer = json.dumps(
        {
            "profile": "Un profil data avec Python et une expérience en modèles.",
            "core_mission": "Construire des modèles avec l'équipe data.",
        },
        ensure_ascii=False,
    )
    with scripted_server([answer]) as server:
        app = page("rewrite_offers.py").run()
        assert not app.exception
        app.sidebar.selectbox[0].select(OTHER_LLM).run()
        app.sidebar.text_input[0].input(server.llm_name).run()
        app.number_input[0].set_value(2)
        app.button[0].click().run()
    assert not app.exception and len(server.requests) == 2
    table = app.dataframe[0].value
    assert table["Title"].tolist()[:1] == ["Data Scientist (H/F)"] and len(table) == 2
    assert set(table["Wording"]) == {"written by the local model"}
    assert table["Profile sought"].iloc[0].startswith("Un profil data avec Python")
    (run,) = finished_runs(workspace, "rewrite")
    artifact = workspace / "runs" / run.id / "offer_summaries.jsonl"
    assert len(artifact.read_text(encoding="utf-8").splitlines()) == 2
    assert "Download the summaries (JSONL)" in [b.proto.label for b in app.get("download_button")]


def test_cv_synthesis_page_shows_an_anonymised_profile(workspace):
    app = page("cv_synthesis.py").run()
    assert not app.exception
    app.sidebar.selectbox[0].select(OTHER_LLM).run()
    app.sidebar.text_input[0].input("llama-cpp:/nonexistent/model.gguf").run()
    assert "GGUF file not found" in app.sidebar.error[0].value
    app.sidebar.selectbox[0].select(NO_LLM).run()
    app.selectbox[0].select("cv_ingenieure_ia.txt").run()
    app.button[0].click().run()
    assert not app.exception
    assert "Identity removed" in app.success[0].value
    (run,) = finished_runs(workspace, "profile")
    saved = (workspace / "runs" / run.id / "profile.json").read_text(encoding="utf-8")
    profile = json.loads(saved)
    assert profile["anonymised"] and profile["source"] == "fallback" and profile["hard_skills"]
    assert "Marchand" not in saved and "@" not in saved
    assert "Download the profile (JSON)" in [b.proto.label for b in app.get("download_button")]


def test_explanations_page_explains_the_top_k_matches(workspace):
    app = page("explanations.py").run()
    assert not app.exception
    app.sidebar.selectbox[0].select(NO_LLM).run()
    app.selectbox[0].select("cv_fullstack_developer.txt").run()
    app.slider[0].set_value(2).run()
    app.button[0].click().run()
    assert not app.exception
    assert len(finished_runs(workspace, "rank")) == 1
    (run,) = finished_runs(workspace, "explain")
    lines = (workspace / "runs" / run.id / "explanations.jsonl").read_text().splitlines()
    explanations = [json.loads(line) for line in lines]
    assert [e["rank"] for e in explanations] == [1, 2]
    shown = "\n".join(element.value for element in app.markdown)
    assert all(plain(e["paragraph"]) in shown for e in explanations)
    assert shown.count(":gray-badge[:material/article: standard wording]") == 2
    assert len(app.dataframe) == 2, "one requirements table per offer"
    assert "Download the explanations (JSONL)" in [
        b.proto.label for b in app.get("download_button")
    ]
