"""Reading offers files: CSV (any delimiter), JSONL, JSON, and their errors."""

from __future__ import annotations

import json

import pytest

from jobmatch.offers import OffersFileError, load_offers, parse_offers


def test_csv_with_semicolons_bom_and_extra_columns(tmp_path):
    path = tmp_path / "offers.csv"
    path.write_text(
        "\ufeffid;title;company;location;description;contract\n"
        "7;Data engineer;Acme;Lyon;Spark, Airflow;CDI\n"
        '8;Chef;Bistrot;Nantes;"Cuisine; gestion des stocks";CDD\n',
        encoding="utf-8",
    )
    offers = load_offers(path)
    assert [o.id for o in offers] == ["7", "8"]
    assert offers[1].description == "Cuisine; gestion des stocks"
    assert offers[0].extra == {"contract": "CDI"}
    assert offers[0].to_record()["contract"] == "CDI"
    assert offers[0].text == "Data engineer\nSpark, Airflow"


def test_jsonl_missing_ids_get_stable_content_ids_and_duplicates_stay_distinct(tmp_path):
    path = tmp_path / "offers.jsonl"
    rows = [
        {"title": "A", "description": "first"},
        {"id": "x", "title": "B", "description": "second", "salaire": {"libelle": "2k"}},
        {"id": "x", "title": "C", "description": "third"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    offers = load_offers(path)
    assert len(offers[0].id) == 16 and offers[0].id == load_offers(path)[0].id
    assert [o.id for o in offers[1:]] == ["x", "x~2"]
    assert json.loads(offers[1].extra["salaire"]) == {"libelle": "2k"}


def test_json_list_and_cp1252_csv():
    assert parse_offers(b'[{"id": 1, "description": "d"}]', "o.json")[0].id == "1"
    offers = parse_offers("id,description\n1,Expérience\n".encode("cp1252"), "o.csv")
    assert offers[0].description == "Expérience"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "o.csv", "no offers"),
        (b"id,title\n1,A\n", "o.csv", "no 'description' column"),
        (b'{"id": 1}\nnot json\n', "o.jsonl", "line 2: not valid JSON"),
        (b"[1, 2]", "o.json", "list of objects"),
        (b"anything", "o.xlsx", "unsupported offers file type"),
    ],
)
def test_bad_offers_files_give_clear_messages(content, name, message):
    with pytest.raises(OffersFileError, match=message):
        parse_offers(content, name)


def test_missing_file(tmp_path):
    with pytest.raises(OffersFileError, match="not found"):
        load_offers(tmp_path / "nope.csv")


def test_jsonl_keeps_unicode_line_separators_inside_strings():
    first = '{"id": "1", "description": "Missions\u2028- Python\u2029- SQL"}'
    offers = parse_offers(f'{first}\r\n{{"id": "2", "description": "x"}}'.encode(), "o.jsonl")
    assert [o.id for o in offers] == ["1", "2"]
    assert offers[0].description == "Missions\u2028- Python\u2029- SQL"
