"""Importing offers: France Travail records, offers files, pasted text; the CLI and the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jobmatch.cli import main
from jobmatch.config import PROJECT_ROOT
from jobmatch.imports import (
    OfferImportError,
    import_offers,
    offer_from_france_travail,
    offer_from_paste,
    offer_from_text,
)
from jobmatch.offers import Offer, OffersFileError, parse_offers
from jobmatch.storage import Database

FIXTURES = Path(__file__).parent / "fixtures" / "hellowork"
FRANCE_TRAVAIL = Path("france_travail_offers_vimchun")

# A France Travail API record as the API returns it (fictional values).
RECORD = {
    "id": "999TEST",
    "intitule": "Data engineer (H/F)",
    "description": "Vous rejoignez l'équipe données d'une coopérative agricole.",
    "dateCreation": "2024-11-02T09:00:00.000Z",
    "lieuTravail": {"libelle": "69 - LYON 03", "codePostal": "69003"},
    "romeCode": "M1811",
    "entreprise": {"nom": "COOP DES MONTS", "entrepriseAdaptee": False},
    "typeContrat": "CDI",
    "typeContratLibelle": "Contrat à durée indéterminée",
    "experienceLibelle": "2 An(s)",
    "salaire": {"libelle": "Annuel de 42000.0 Euros sur 12.0 mois"},
    "competences": [
        {"code": "1", "libelle": "Concevoir des pipelines de données", "exigence": "S"},
        {"code": "2", "libelle": "SQL", "exigence": "E"},
    ],
    "qualitesProfessionnelles": [{"libelle": "Faire preuve de rigueur", "description": "…"}],
    "origineOffre": {"origine": "1", "urlOrigine": "https://candidat.francetravail.fr/x/999TEST"},
}
# The same offer as a row of the flattened CSV export.
FLAT_CSV = (
    "id,intitule,romeCode,typeContrat,experienceLibelle,lieuTravail,entreprise_nom,dateCreation,"
    "competences,description\n"
    "999TEST,Data engineer (H/F),M1811,CDI,2 An(s),69 - LYON 03,COOP DES MONTS,"
    "2024-11-02T09:00:00.000Z,Concevoir des pipelines de données | SQL,"
    "\"Vous rejoignez l'équipe données d'une coopérative agricole.\"\n"
)


def test_a_france_travail_record_becomes_an_offer():
    offer = offer_from_france_travail(RECORD)
    assert (offer.id, offer.title, offer.company, offer.location, offer.url) == (
        "999TEST",
        "Data engineer (H/F)",
        "COOP DES MONTS",
        "69 - LYON 03",
        "https://candidat.francetravail.fr/x/999TEST",
    )
    assert offer.description == (
        "Vous rejoignez l'équipe données d'une coopérative agricole.\n\n"
        "Compétences :\n- Concevoir des pipelines de données\n- SQL\n\n"
        "Qualités professionnelles :\n- Faire preuve de rigueur"
    )
    assert offer.extra == {
        "contract": "Contrat à durée indéterminée",
        "published_at": "2024-11-02T09:00:00.000Z",
        "salary": "Annuel de 42000.0 Euros sur 12.0 mois",
        "skills": "Concevoir des pipelines de données; SQL",
        "rome_code": "M1811",
        "experience": "2 An(s)",
        "source": "france-travail",
    }


def test_france_travail_jsonl_and_flat_csv_are_recognised():
    jsonl = json.dumps(RECORD, ensure_ascii=False).encode()
    [from_jsonl] = import_offers(jsonl, "offres.jsonl")
    [from_csv] = import_offers(FLAT_CSV.encode(), "offres.csv")
    assert from_jsonl == offer_from_france_travail(RECORD)
    for name in ("id", "title", "company", "location"):
        assert getattr(from_csv, name) == getattr(from_jsonl, name)
    assert from_csv.url == "https://candidat.francetravail.fr/offres/recherche/detail/999TEST"
    assert from_csv.extra["skills"] == "Concevoir des pipelines de données; SQL"
    assert "- SQL" in from_csv.description.splitlines()


def test_offers_files_still_go_through_parse_offers():
    data = b"id,title,company,location,description,url\na1,Chef,Bistro,Lyon,Cuisine,\n"
    assert import_offers(data, "offers.csv") == parse_offers(data, "offers.csv")
    assert import_offers(data, "offers.csv", "offers") == parse_offers(data, "offers.csv")
    with pytest.raises(OffersFileError, match="record 1: not a France Travail offer"):
        import_offers(data, "offers.csv", "france-travail")
    with pytest.raises(OfferImportError, match="Unknown import format 'xml'"):
        import_offers(data, "offers.csv", "xml")


def test_the_real_france_travail_file(shared_data):
    data = (shared_data / FRANCE_TRAVAIL / "france_travail_offers.jsonl").read_bytes()
    offers = import_offers(data, "france_travail_offers.jsonl")
    assert len(offers) == 1553
    assert len({offer.id for offer in offers}) == 1553
    assert all(offer.title and offer.description and offer.url for offer in offers)
    assert all(offer.extra["source"] == "france-travail" for offer in offers)
    first = offers[0]
    assert (first.id, first.title, first.company, first.location) == (
        "185BNPT",
        "Analyste décisionnel - Business Intelligence (H/F)",
        "CIGNALING",
        "69 - LYON 02",
    )
    assert first.extra["contract"] == "CDD - 10 Mois"
    assert first.extra["salary"] == "Mensuel de 2917.0 Euros sur 12.0 mois"
    assert "\nCompétences :\n- Business Intelligence (BI)" in first.description
    flat = import_offers(
        (shared_data / FRANCE_TRAVAIL / "france_travail_offers_flat.csv").read_bytes(),
        "france_travail_offers_flat.csv",
    )
    assert [(o.id, o.title, o.location) for o in flat] == [
        (o.id, o.title, o.location) for o in offers
    ]


def test_the_old_scrapers_output_gets_a_clear_message(shared_data):
    data = (shared_data / "seed_maxim_quenel" / "jobs_raw.csv").read_bytes()
    with pytest.raises(OffersFileError, match="no 'description' column"):
        import_offers(data, "jobs_raw.csv")


def test_pasted_text_with_labelled_lines():
    offer = offer_from_text(
        "\n  Développeuse back-end Python H/F\n"
        "Entreprise : Atelier Numérique\n"
        "Lieu : Grenoble (38)\n"
        "Type de contrat : CDD 12 mois\n"
        "Salaire : 40 k€ brut annuel\n"
        "\n"
        "Vous développerez nos API en Django. Voir https://example.org/offres/42 pour postuler.\n"
    )
    assert (offer.title, offer.company, offer.location, offer.url) == (
        "Développeuse back-end Python H/F",
        "Atelier Numérique",
        "Grenoble (38)",
        "https://example.org/offres/42",
    )
    assert offer.extra == {
        "contract": "CDD 12 mois",
        "salary": "40 k€ brut annuel",
        "source": "paste",
    }
    assert offer.description.startswith("Entreprise : Atelier Numérique\n")
    assert offer.description.endswith("pour postuler.")
    assert offer.id == offer_from_text(offer.title + "\n" + offer.description).id


def test_pasted_text_without_labels_html_or_page_source():
    plain = offer_from_text("Stage - Assistant marketing\nMission de 6 mois à Nantes.")
    assert (plain.title, plain.company, plain.extra["contract"]) == (
        "Stage - Assistant marketing",
        "",
        "Stage",
    )
    html = offer_from_text(
        "<h2>Alternance comptable</h2><p>Cabinet à Lille.</p><ul><li>Paie</li></ul>"
    )
    assert (html.title, html.description) == ("Alternance comptable", "Cabinet à Lille.\n\n- Paie")
    source = offer_from_text((FIXTURES / "offer_90000001.html").read_text(encoding="utf-8"))
    assert (source.id, source.title, source.company, source.extra["source"]) == (
        "90000001",
        "Data Analyst H/F",
        "Lumen Analytics",
        "paste",
    )


def test_an_empty_paste_is_refused():
    with pytest.raises(OfferImportError, match="paste an offer's text or its URL"):
        offer_from_paste(" \n ")


def test_cli_import_adds_offers_and_a_second_import_updates_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    records = tmp_path / "offres.jsonl"
    second = {**RECORD, "id": "999TEST2", "intitule": "Data analyst (H/F)"}
    records.write_text("\n".join(json.dumps(r) for r in (RECORD, second)), encoding="utf-8")
    assert main(["import", "--file", str(records)]) == 0
    assert main(["import", "--file", str(records), "--format", "france-travail"]) == 0
    assert "Imported 2 offers" in capsys.readouterr().err
    with Database(f"sqlite:///{tmp_path / 'jobmatch.sqlite3'}") as database:
        assert [offer.id for offer in database.get_offers()] == ["999TEST", "999TEST2"]
    assert main(["import", "--file", str(tmp_path / "missing.csv")]) == 2
    assert "Offers file not found" in capsys.readouterr().err


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """An empty data folder for the app."""
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOBMATCH_DATABASE_URL", raising=False)
    return tmp_path


def offers_page() -> AppTest:
    return AppTest.from_file(str(PROJECT_ROOT / "app_pages" / "offers.py"), default_timeout=60)


def test_offers_page_renders_on_an_empty_workspace(workspace):
    app = offers_page().run()
    assert not app.exception
    assert app.title[0].value == "Offers"
    assert [tab.label for tab in app.tabs] == ["Scrape HelloWork", "Import a file", "Paste"]
    assert app.button(key="import.run").disabled
    assert "No offers stored yet." in [caption.value for caption in app.caption]


def test_pasting_an_offer_adds_it_to_the_stored_offers(workspace):
    with Database(f"sqlite:///{workspace / 'jobmatch.sqlite3'}") as database:
        database.upsert_offers([Offer(id="kept", title="Déjà là", description="Texte.")], "x")
    app = offers_page().run()
    app.text_area(key="paste.text").input(
        "Chargé·e de communication <script>alert(1)</script>\nEntreprise : Mairie de Vienne\n"
        "CDI, 35 heures."
    )
    app.button(key="paste.add").click().run()
    assert not app.exception
    assert app.success[0].value == "Offer added."
    with Database(f"sqlite:///{workspace / 'jobmatch.sqlite3'}") as database:
        offers = database.get_offers()
    assert [offer.title for offer in offers] == [
        "Déjà là",
        "Chargé·e de communication <script>alert(1)</script>",
    ]
    assert offers[1].company == "Mairie de Vienne"
    assert offers[1].extra["contract"] == "CDI"
    table = app.dataframe[0].value
    assert table["title"].tolist() == [offer.title for offer in offers]
