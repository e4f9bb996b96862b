"""Facts extraction: skill normalisation, field rules, French and English texts, real offers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jobmatch.facts import Facts, extract_facts, fields, normalise_skill
from jobmatch.facts.skills import extract_skills, gazetteer

FIXTURES = Path(__file__).parent / "fixtures" / "facts"


@pytest.fixture(scope="module")
def french_offer() -> str:
    return (FIXTURES / "offre_data_engineer.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def english_cv() -> str:
    return (FIXTURES / "cv_with_identity.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Python 3", "python"),
        ("python3", "python"),
        ("  Java (Less than 1 year)", "java"),
        ("ReactJS", "react"),
        ("Node.js 18", "node.js"),
        ("C++", "c++"),
        ("Apprentissage automatique", "machine learning"),
        ("Esprit d'équipe", "teamwork"),
        ("Esprit d’équipe", "teamwork"),
        ("K8s", "kubernetes"),
        ("Gestion locative", "property management"),
    ],
)
def test_normalise_skill(raw: str, canonical: str) -> None:
    assert normalise_skill(raw) == canonical


def test_french_offer_facts(french_offer: str) -> None:
    facts = extract_facts(french_offer)
    assert facts.language == "fr"
    assert {"python", "sql", "docker", "kubernetes", "postgresql", "machine learning"} <= set(
        facts.hard_skills
    )
    assert {"rigour", "autonomy", "teamwork"} <= set(facts.soft_skills)
    assert facts.job_titles[0] == "data engineer confirmé"
    assert facts.years_experience == 3.0
    assert facts.seniority == "mid"
    assert facts.education_level == "master"
    assert facts.languages == ("english",)
    assert facts.contract == "CDI"
    assert facts.place == "Lyon (69)"
    assert facts.remote == "hybrid"
    assert facts.salary == "45-55 k EUR / year"


def test_english_cv_facts(english_cv: str) -> None:
    facts = extract_facts(english_cv, "en")
    assert {"python", "django", "fastapi", "kafka", "redis", "flask"} <= set(facts.hard_skills)
    assert facts.job_titles[:2] == ("senior backend developer", "backend developer")
    assert facts.years_experience == 8.0
    assert facts.seniority == "senior"
    assert facts.education_level == "master"
    assert facts.languages == ("english", "french")
    assert facts.contract == "CDI"
    assert facts.remote == "hybrid"
    assert facts.place == "Toulouse (31)"  # from the postcode
    assert facts.salary is None


def test_facts_contract(french_offer: str) -> None:
    facts = extract_facts(french_offer)
    assert isinstance(facts, Facts)
    assert facts.skills == facts.hard_skills + facts.soft_skills
    record = facts.to_dict()
    assert json.loads(json.dumps(record)) == record
    assert record["hard_skills"] == list(facts.hard_skills)
    assert extract_facts(french_offer) == facts  # deterministic


def test_no_facts_in_empty_text() -> None:
    facts = extract_facts("", "en")
    assert facts.skills == () and facts.job_titles == () and facts.languages == ()
    assert facts.years_experience is None and facts.salary is None and facts.contract is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Salaire : 2 917 € brut mensuel", "2917 EUR / month"),
        ("£40,000 - £50,000 per year", "40-50 k GBP / year"),
        ("Salary: $120k", "120 k USD / year"),
        ("13,50 € de l'heure", "13.5 EUR / hour"),
        ("Mensuel de 2000.0 Euros à 2600.0 Euros sur 12.0 mois", "2000-2600 EUR / month"),
        ("Annuel de 31000.0 Euros à 35000.0 Euros sur 12.0 mois", "31-35 k EUR / year"),
        ("Poste basé à Rennes (15Km), CDD de 12 mois", None),
        ("Salaire : 2118,23 EUR brut/mois (13,97 EUR brut/heure)", "2118.23 EUR / month"),
        ("Salaire selon profil entre 28K€ et 32K€ sur 12 mois", "28-32 k EUR / year"),
        ("Avantages : prime de mobilité de 400€ nets par an", None),
        ("Rémunération sur 151,67 heures mensuelles ; groupe de 4 000 collaborateurs", None),
    ],
)
def test_salary(text: str, expected: str | None) -> None:
    assert fields.salary(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stage - Data analyst\nPossibilité de CDI à l'issue du stage.", "internship"),
        ("Data analyst\nCDD de 6 mois. Nous accueillons aussi des stagiaires.", "CDD"),
        ("Ingénieure NLP – stage\nJe recherche un premier poste en CDI à Lyon.", "CDI"),
        ("Data engineer en alternance (H/F)\nRythme 3 semaines / 1 semaine", "apprenticeship"),
        ("Backend developer\nFull remote, freelance mission of 6 months", "freelance"),
        ("Data scientist\nApprentissage automatique et statistiques", None),
    ],
)
def test_contract(text: str, expected: str | None) -> None:
    assert fields.contract_type(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Télétravail possible 2 jours par semaine", "hybrid"),
        ("Poste 100 % télétravail", "full"),
        ("Fully remote team across Europe", "full"),
        ("Pas de télétravail : le poste est sur site", "none"),
        ("Remote sensing engineer for satellites", None),
    ],
)
def test_remote(text: str, expected: str | None) -> None:
    assert fields.remote_policy(text) == expected


def test_languages_need_a_level_or_a_section() -> None:
    assert fields.spoken_languages("We are a French company in Paris.") == ()
    assert fields.spoken_languages("Langues\n- Allemand\n- Espagnol : notions") == (
        "german",
        "spanish",
    )
    assert fields.spoken_languages("Anglais courant exigé") == ("english",)


def test_education_abbreviations_are_case_sensitive() -> None:
    assert fields.education_level("Give me the opportunity to be useful") is None
    assert fields.education_level("B.E in Information Science") == "bachelor"
    assert fields.education_level("Doctorat en chimie, puis un master") == "phd"


def test_french_plain_words_are_not_skills() -> None:
    hard, _soft = extract_skills("Les techniques de classification et d'extraction.", "fr")
    assert hard == ()
    hard, _soft = extract_skills("Maîtrise de Docker, Python et node.js", "fr")
    assert hard == ("docker", "node.js", "python")


def test_classifier_mode_runs_offline_on_bundled_minilm(english_cv: str) -> None:
    hard, soft = extract_skills(english_cv, "en", mode="classifier")
    assert {"python", "django", "postgresql"} <= set(hard)
    candidates = {normalise_skill(t) for t, _s, _e in gazetteer().extract(english_cv.lower())}
    assert set(hard) | set(soft) <= candidates


def test_structured_france_travail_fields(shared_data: Path) -> None:
    """Every salary label of the real offers parses, with its period; contracts named in
    the offers' titles agree with the records."""
    path = shared_data / "france_travail_offers_vimchun" / "france_travail_offers.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]
    periods = {"Annuel": "year", "Mensuel": "month", "Horaire": "hour"}
    labels = [r["salaire"]["libelle"] for r in records if (r.get("salaire") or {}).get("libelle")]
    labels = [label for label in labels if label.split()[0] in periods and re.search(r"\d", label)]
    assert len(labels) > 100
    for label in labels:
        parsed = fields.salary(label)
        assert parsed is not None, label
        assert re.fullmatch(r"[\d.]+(?:-[\d.]+)?(?: k)? EUR / (?:year|month|hour)", parsed), label
        assert parsed.endswith(periods[label.split()[0]]), label
    titled = [r for r in records if r.get("typeContrat") in {"CDI", "CDD"} and not r["alternance"]]
    titled = [r for r in titled if re.search(r"\b(?:CDI|CDD)\b", r["intitule"])]
    agree = sum(fields.contract_type(r["intitule"]) == r["typeContrat"] for r in titled)
    assert titled and agree == len(titled)


def test_offer_facts_drop_skills_named_after_the_company():
    from jobmatch.facts import offer_facts
    from jobmatch.offers import Offer

    offer = Offer(
        id="x",
        title="Ingénieur IA (H/F)",
        company="Verbatim Labs",
        description="Verbatim Labs recrute : Python, PyTorch, Docker. Rejoignez Verbatim Labs.",
    )
    skills = offer_facts(offer).hard_skills
    assert "labs" not in skills and {"python", "pytorch", "docker"} <= set(skills)
    assert offer_facts(Offer(id="y", description=offer.description)).hard_skills  # no company
