"""The ``python -m jobmatch rank`` contract, run as a real subprocess."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from jobmatch.config import PROJECT_ROOT
from jobmatch.storage import Database

CONTRACT_COLUMNS = [
    "offer_id",
    "rank",
    "lexical_score",
    "bi_score",
    "final_score",
    "title",
    "company",
    "cross_score",
    "band",
]

CV_AI = """Camille Martin — Ingénieure IA
Compétences : Python, PyTorch, transformers, NLP, RAG, SQL, Docker.
Expérience : stage de 6 mois en traitement automatique du langage (classification de textes).
"""
CV_RENT = """Alex Durand — Assistant gestion locative
Compétences : rédaction de baux, états des lieux, quittancement, relances des impayés, Excel.
"""
OFFERS = [
    {
        "id": "ai",
        "title": "Stage IA",
        "company": "Lumen",
        "location": "Lyon",
        "description": "Modèles de langage, PyTorch et Python pour du NLP.",
        "url": "https://example.com/ai",
    },
    {
        "id": "rent",
        "title": "Gestionnaire locatif",
        "company": "Immo",
        "location": "Nantes",
        "description": "Baux, états des lieux, quittances et relances des locataires.",
    },
    {
        "id": "chef",
        "title": "Chef de cuisine",
        "company": "",
        "location": "Paris",
        "description": "Cuisine traditionnelle, commandes et stocks.",
    },
]


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOBMATCH_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    env.pop("JOBMATCH_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "jobmatch", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "cvs").mkdir()
    ai = tmp_path / "cvs" / "cv_ai.txt"
    ai.write_text(CV_AI, encoding="utf-8")
    (tmp_path / "cvs" / "cv_rent.txt").write_text(CV_RENT, encoding="utf-8")
    offers = tmp_path / "offers.jsonl"
    offers.write_text(
        "\n".join(json.dumps(o, ensure_ascii=False) for o in OFFERS), encoding="utf-8"
    )
    return {"cv": ai, "cvs": tmp_path / "cvs", "offers": offers, "data": tmp_path / "data"}


def test_rank_one_cv_writes_the_contract_csv_and_records_the_run(inputs, tmp_path):
    out = tmp_path / "out.csv"
    result = run_cli(
        "rank",
        "--cv",
        str(inputs["cv"]),
        "--offers",
        str(inputs["offers"]),
        "--out",
        str(out),
        "--no-llm",
        "--rerank-top-k",
        "20",
        data_dir=inputs["data"],
    )
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame.columns[:2]) == ["offer_id", "rank"]
    assert set(CONTRACT_COLUMNS) <= set(frame.columns)
    assert sorted(frame["offer_id"]) == ["ai", "chef", "rent"]
    assert frame.iloc[0]["offer_id"] == "ai"
    assert frame.iloc[0]["url"] == "https://example.com/ai"
    assert frame["final_score"].is_monotonic_decreasing
    assert frame["cross_score"].between(0, 100).all()  # all 3 offers are within the top 20
    assert frame.iloc[0]["band"] in {"strong", "partial"}
    assert set(frame["band"]) <= {"strong", "partial", "weak"}

    database = Database(f"sqlite:///{inputs['data'] / 'jobmatch.sqlite3'}")
    run = database.list_runs(kind="rank")[0]
    assert run.status == "done"
    scores = database.get_scores(run.id)
    assert len(scores) == 3
    assert all(row.cross_score is not None and "band" in row.extra for row in scores)
    assert database.count_offers() == 3
    artifact = pd.read_csv(inputs["data"] / "runs" / run.id / "matches.csv")
    assert artifact["offer_id"].tolist() == frame["offer_id"].tolist()
    database.close()


def test_rank_many_cvs_adds_cv_id_and_top_k(inputs, tmp_path):
    out = tmp_path / "many.csv"
    result = run_cli(
        "rank",
        "--cvs",
        str(inputs["cvs"]),
        "--offers",
        str(inputs["offers"]),
        "--out",
        str(out),
        "--top-k",
        "2",
        "--models",
        "minilm",
        data_dir=inputs["data"],
    )
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    assert frame.columns[0] == "cv_id"
    assert frame.groupby("cv_id").size().to_dict() == {"cv_ai": 2, "cv_rent": 2}
    best = frame[frame["rank"] == 1].set_index("cv_id")["offer_id"].to_dict()
    assert best == {"cv_ai": "ai", "cv_rent": "rent"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cv": "missing.pdf"}, "CV not found"),
        ({"offers": "missing.csv"}, "Offers file not found"),
        ({"top_k": "-1"}, "--top-k"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(inputs, tmp_path, change, message):
    cv = str(tmp_path / change["cv"]) if "cv" in change else str(inputs["cv"])
    offers = str(tmp_path / change["offers"]) if "offers" in change else str(inputs["offers"])
    result = run_cli(
        "rank",
        "--cv",
        cv,
        "--offers",
        offers,
        "--out",
        str(tmp_path / "o.csv"),
        "--top-k",
        change.get("top_k", "0"),
        "--models",
        "",
        data_dir=inputs["data"],
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_unreadable_cv_among_many_is_skipped_with_a_warning(inputs, tmp_path):
    (inputs["cvs"] / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    out = tmp_path / "o.csv"
    result = run_cli(
        "rank",
        "--cvs",
        str(inputs["cvs"]),
        "--offers",
        str(inputs["offers"]),
        "--out",
        str(out),
        "--models",
        "",
        data_dir=inputs["data"],
    )
    assert result.returncode == 0, result.stderr
    assert "skipped broken.pdf" in result.stderr
    assert set(pd.read_csv(out)["cv_id"]) == {"cv_ai", "cv_rent"}


def test_real_french_cvs_against_france_travail_offers(shared_data, tmp_path):
    """The seed project's two CVs against real offers: the AI CV fits data/AI jobs better."""
    source = shared_data / "france_travail_offers_vimchun" / "france_travail_offers.jsonl"
    records = [json.loads(line) for line in source.open(encoding="utf-8")]
    sample = random.Random(0).sample(records, 40)
    offers = tmp_path / "ft.jsonl"
    offers.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": r["id"],
                    "title": r["intitule"],
                    "description": r["description"],
                    "location": (r.get("lieuTravail") or {}).get("libelle", ""),
                    "company": (r.get("entreprise") or {}).get("nom", ""),
                    "romeCode": r.get("romeCode", ""),
                },
                ensure_ascii=False,
            )
            for r in sample
        ),
        encoding="utf-8",
    )
    out = tmp_path / "o.csv"
    cvs = shared_data / "seed_maxim_quenel"
    result = run_cli(
        "rank",
        "--cvs",
        str(cvs / "cv_ingenieur_ia.pdf"),
        str(cvs / "cv_non_ingenieur_ia.pdf"),
        "--offers",
        str(offers),
        "--out",
        str(out),
        data_dir=tmp_path / "data",
    )
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    assert frame.groupby("cv_id")["offer_id"].nunique().tolist() == [40, 40]
    ai_top3 = frame[(frame["cv_id"] == "cv_ingenieur_ia") & (frame["rank"] <= 3)]
    assert ai_top3["title"].str.contains("Data").all(), ai_top3["title"].tolist()
    data_jobs = frame[frame["title"].str.contains("Data")]
    by_cv = data_jobs.pivot(index="offer_id", columns="cv_id", values="first_stage_score")
    gap = by_cv["cv_ingenieur_ia"] - by_cv["cv_non_ingenieur_ia"]
    assert gap.mean() > 15 and (gap > 0).mean() >= 0.75, gap.to_dict()
    # The calibrated final score (a probability, less spread) keeps the same order.
    by_cv = data_jobs.pivot(index="offer_id", columns="cv_id", values="final_score")
    gap = by_cv["cv_ingenieur_ia"] - by_cv["cv_non_ingenieur_ia"]
    assert gap.mean() > 5 and (gap > 0).mean() >= 0.75, gap.to_dict()


def test_rank_without_reranking_keeps_the_calibrated_scale(inputs, tmp_path):
    out = tmp_path / "o.csv"
    result = run_cli(
        "rank",
        "--cv",
        str(inputs["cv"]),
        "--offers",
        str(inputs["offers"]),
        "--out",
        str(out),
        "--models",
        "",
        "--rerank-top-k",
        "0",
        data_dir=inputs["data"],
    )
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    assert frame["cross_score"].isna().all()
    assert (
        frame["final_score"].between(0, 100).all() and frame["final_score"].is_monotonic_decreasing
    )
    assert frame.iloc[0]["offer_id"] == "ai"
    assert frame["first_stage_score"].is_monotonic_decreasing


PAIRS = [
    (CV_AI, "Stage IA : PyTorch, NLP et modèles de langage en Python.", 1),
    (CV_AI, "Gestionnaire locatif : baux, quittances, états des lieux.", 0),
    (CV_RENT, "Gestionnaire locatif : baux, quittances, états des lieux.", 1),
    (CV_RENT, "Stage IA : PyTorch, NLP et modèles de langage en Python.", 0),
    (CV_RENT, "Chef de cuisine : menus, commandes et stocks.", 0),
    (CV_AI, "Chef de cuisine : menus, commandes et stocks.", 0),
]


def test_evaluate_writes_the_report_figures_and_run(tmp_path):
    labelled = tmp_path / "pairs.csv"
    pd.DataFrame(PAIRS, columns=["cv", "offer", "label"]).to_csv(labelled, index=False)
    out = tmp_path / "report"
    result = run_cli(
        "evaluate",
        "--pairs",
        str(labelled),
        "--models",
        "",
        "--bootstrap",
        "100",
        "--out",
        str(out),
        data_dir=tmp_path / "data",
    )
    assert result.returncode == 0, result.stderr
    assert "| metric | TF-IDF | first stage | cross-encoder | final |" in result.stdout
    metrics = pd.read_csv(out / "metrics.csv")
    assert set(metrics["system"]) == {"tfidf", "first_stage", "cross_encoder", "final"}
    assert {"f1", "best_f1", "average_precision", "roc_auc", "ndcg@10", "spearman"} <= set(
        metrics["metric"]
    )
    finite = metrics.dropna(subset=["value", "low", "high"])
    assert (
        (finite["low"] <= finite["value"] + 1e-9) & (finite["value"] <= finite["high"] + 1e-9)
    ).all()
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == len(PAIRS) and scores["final"].between(0, 100).all()
    figure = json.loads((out / "figures" / "pairs_roc.json").read_text(encoding="utf-8"))
    assert len(figure["data"]) == 5  # four systems and the chance line
    assert (out / "figures.html").stat().st_size > 0
    assert "# Evaluation report" in (out / "report.md").read_text(encoding="utf-8")
    database = Database(f"sqlite:///{tmp_path / 'data' / 'jobmatch.sqlite3'}")
    assert database.list_runs(kind="evaluate")[0].status == "done"
    database.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pairs", "missing.csv"], "Labelled file not found"),
        ([], "Nothing to evaluate"),
        (["--ranking", "labels.csv"], "needs --offers"),
    ],
)
def test_evaluate_bad_input_exits_2(tmp_path, args, message):
    result = run_cli("evaluate", *args, "--models", "", data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_evaluate_on_real_llm_labelled_pairs(shared_data, tmp_path):
    source = pd.read_csv(shared_data / "pfe2025_llm_labeled_pairs" / "labeled_data.csv")
    sample = source.sample(24, random_state=0).rename(
        columns={"cv_text": "cv", "offer_text": "offer", "score": "label"}
    )
    labelled = tmp_path / "pfe.csv"
    sample.to_csv(labelled, index=False)
    result = run_cli(
        "evaluate",
        "--pairs",
        str(labelled),
        "--label-threshold",
        "0.35",
        "--models",
        "",
        "--bootstrap",
        "100",
        "--out",
        str(tmp_path / "report"),
        data_dir=tmp_path / "data",
    )
    assert result.returncode == 0, result.stderr
    metrics = pd.read_csv(tmp_path / "report" / "metrics.csv").set_index(["system", "metric"])
    for system in ("tfidf", "first_stage", "cross_encoder", "final"):
        assert 0 <= metrics.loc[(system, "roc_auc"), "value"] <= 1
    scores = pd.read_csv(tmp_path / "report" / "scores.csv")
    assert scores["relevant"].sum() == (sample["label"] >= 0.35).sum()


def test_rank_refuses_a_folder_as_output_before_ranking(inputs, tmp_path):
    result = run_cli(
        "rank",
        "--cv",
        str(inputs["cv"]),
        "--offers",
        str(inputs["offers"]),
        "--out",
        str(tmp_path),
        data_dir=inputs["data"],
    )
    assert result.returncode == 2
    assert "is a folder" in result.stderr and "Traceback" not in result.stderr
    assert not (inputs["data"] / "runs").exists()  # nothing was ranked or recorded


def test_rank_reads_france_travail_records_as_import_does(inputs, tmp_path):
    records = [
        {
            "id": "100ABC",
            "intitule": "Data engineer (H/F)",
            "description": "Pipelines Python, Spark et SQL sur AWS.",
            "lieuTravail": {"libelle": "69 - Lyon"},
            "entreprise": {"nom": "Acme"},
        },
        {
            "id": "200DEF",
            "intitule": "Cuisinier (H/F)",
            "description": "Préparation des plats, service du midi.",
            "lieuTravail": {"libelle": "44 - Nantes"},
        },
    ]
    offers = tmp_path / "ft.jsonl"
    offers.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    out = tmp_path / "o.csv"
    result = run_cli(
        "rank", "--cv", str(inputs["cv"]), "--offers", str(offers), "--out", str(out),
        data_dir=inputs["data"],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out, keep_default_na=False).set_index("offer_id")
    assert frame.loc["100ABC", "title"] == "Data engineer (H/F)"
    assert frame.loc["100ABC", "company"] == "Acme"
    assert frame.loc["200DEF", "location"] == "44 - Nantes"
