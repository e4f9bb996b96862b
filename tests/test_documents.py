"""CV and offer files to clean text: PDFs built with reportlab, Word files, text files, and the
real PDFs of ``../shared/data`` (skipped where that folder is absent)."""

from __future__ import annotations

import functools
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from jobmatch.config import Settings
from jobmatch.documents import (
    CorruptDocument,
    DocumentError,
    DocumentTooLarge,
    EncryptedDocument,
    ExtractedDocument,
    NoExtractableText,
    PageSpan,
    UnsupportedDocument,
    clean_text,
    extract_document,
    safe_filename,
)

Draw = Callable[[Canvas], None]

# Four or more single letters separated by single spaces: letter-spacing left unrepaired.
LETTER_SPACED = re.compile(r"(?<!\S)(?:[^\W\d_] ){3,}[^\W\d_](?!\S)")
HIDDEN_PHRASE = "kubernetes terraform golang rockstar"


def build_pdf(*pages: Draw, **canvas_options: object) -> bytes:
    """A PDF (A4) with one page per drawing function."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(595, 842), **canvas_options)
    for draw in pages:
        canvas.setFont("Helvetica", 10)
        draw(canvas)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def lines(*texts: str, x: float = 50, y: float = 780, leading: float = 14) -> Draw:
    """Draw each text on its own line, top down."""

    def draw(canvas: Canvas) -> None:
        for index, text in enumerate(texts):
            canvas.drawString(x, y - index * leading, text)

    return draw


def extract_pdf(*pages: Draw) -> ExtractedDocument:
    return extract_document(build_pdf(*pages), filename="cv.pdf")


def flat(text: str) -> str:
    """Whitespace collapsed to single spaces, to look for phrases across line breaks."""
    return " ".join(text.split())


BODY = lines(
    "Jane Smith",
    "Senior Data Engineer at Acme Analytics in Lyon",
    "Built streaming pipelines with Python, Kafka and PostgreSQL for fraud detection.",
    "Led a team of four engineers and mentored two interns on data quality.",
)


# --- clean_text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("D A T A  S C I E N C E", "DATA SCIENCE"),
        ("E X P É R I E N C E S  P R O F E S S I O N N E L L E S", "EXPÉRIENCES PROFESSIONNELLES"),
        ("( h a r d  s k i l l s )", "(hard skills)"),
        ("Y O U  A R E  A  S T A R", "YOU ARE A STAR"),
        ("D u  0 9 / 0 2 / 2 0 2 6  a u  0 1 / 0 9", "Du 09/02/2026 au 01/09"),
        ("- D A T A", "- DATA"),
        ("develop-\nment", "development"),
        ("Saint-\nÉtienne", "Saint-Étienne"),
        ("cloud-\nnative apps, cloud-native first", "cloud-native apps, cloud-native first"),
        ("soft\u00ad\nware", "software"),
        ("• Python\n\uf0b7 SQL\n▪ Go\n– Rust\n●Docker", "- Python\n- SQL\n- Go\n- Rust\n- Docker"),
        (
            "Caf\u00c3\u00a9 cr\u00c3\u00a8me \u00e2\u20ac\u00a2 it\u00e2\u20ac\u2122s",
            "Café crème • it’s",
        ),
        ("â¢ item", "- item"),
        ("as requested. Â Â Â\nÂÂÂÂ\n12Â\u00a0kg", "as requested.\n\n12 kg"),
        ("a  b\t c\u00a0d", "a b c d"),
        ("one\n\n\n\ntwo\r\nthree", "one\n\ntwo\nthree"),
        ("  ﬁnance and e\u0301te\u0301 (cid:127)x\u200b  ", "finance and été x"),
    ],
)
def test_clean_text_repairs(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "à la maison, il y a un chat",
        "I am a data engineer",
        "full-stack developer in Saint-Étienne",
        "Python / C / R",
        "C++, C#, .NET and A/B testing",
        "Café crème à Besançon",
        "2019 - 2023",
        "-5% churn",
    ],
)
def test_clean_text_leaves_normal_text_alone(text: str) -> None:
    assert clean_text(text) == text


def test_clean_text_is_idempotent() -> None:
    raw = "E X P É R I E N C E S\n• develop-\nment of a full-stack app\n\n\n\nâ€¢ done"
    once = clean_text(raw)
    assert clean_text(once) == once


# --- safe_filename -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cv ingénieur ia.pdf", "cv_ingenieur_ia.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\CV Quénel (final).docx", "CV_Quenel_final_.docx"),
        (".hidden.txt", "hidden.txt"),
        ("", "document"),
        ("..", "document"),
        ("CON.pdf", "_CON.pdf"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


# --- PDF: text and reading order ---------------------------------------------------------


def test_one_column_pdf(tmp_path: Path) -> None:
    data = build_pdf(BODY)
    path = tmp_path / "Jane Smith CV.pdf"
    path.write_bytes(data)
    doc = extract_document(path)
    assert doc.file_type == "pdf"
    assert doc.name == "Jane_Smith_CV.pdf"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.text.splitlines()[:2] == [
        "Jane Smith",
        "Senior Data Engineer at Acme Analytics in Lyon",
    ]
    assert "Built streaming pipelines with Python, Kafka and PostgreSQL" in doc.text
    assert doc.warnings == ()
    assert doc.hidden_text == ""
    assert extract_document(str(path)).text == doc.text


def test_right_aligned_dates_stay_on_their_line() -> None:
    rows = [("Senior Data Engineer, Acme", "2019 - 2023"), ("Data Analyst, Globex", "2016 - 2019")]

    def draw(canvas: Canvas) -> None:
        y = 780
        for title, dates in rows:
            canvas.drawString(50, y, title)
            canvas.drawRightString(545, y, dates)
            for _ in range(3):
                y -= 14
                canvas.drawString(
                    50, y, "Designed and shipped batch and streaming data products for the teams."
                )
            y -= 24

    text = extract_pdf(draw).text
    assert "Senior Data Engineer, Acme 2019 - 2023" in text
    assert "Data Analyst, Globex 2016 - 2019" in text


def test_dates_beside_entries_read_row_by_row() -> None:
    """A narrow date column beside the entries is one flow, not two columns."""

    def draw(canvas: Canvas) -> None:
        y = 780
        for start in range(2010, 2022, 2):
            canvas.drawString(50, y, f"{start} - {start + 2}")
            canvas.drawString(130, y, f"Engineer at Company {start}, Paris")
            canvas.drawString(130, y - 13, "Built data pipelines and dashboards for finance.")
            y -= 40

    text = extract_pdf(draw).text
    for start in range(2010, 2022, 2):
        assert f"{start} - {start + 2} Engineer at Company {start}, Paris" in text


def two_columns(canvas: Canvas) -> None:
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(50, 800, "Jane Smith - Data Engineer - jane.smith@example.com - Lyon, France")
    canvas.setFont("Helvetica", 10)
    for index in range(24):
        canvas.drawString(
            50, 760 - index * 14, f"Left experience line {index} built data pipelines"
        )
    for index in range(16):
        canvas.drawString(320, 752 - index * 19, f"Right skills line {index} Python SQL")


def test_two_column_pdf_is_read_column_by_column() -> None:
    text = extract_pdf(two_columns).text
    left = [text.index(f"Left experience line {index} built") for index in range(24)]
    right = [text.index(f"Right skills line {index} Python SQL") for index in range(16)]
    assert text.index("Jane Smith - Data Engineer") < left[0]
    assert left == sorted(left) and right == sorted(right)
    assert max(left) < min(right), "columns are interleaved"


def test_two_column_below_full_width_rows() -> None:
    """A full-width row between column blocks stays between them."""

    def draw(canvas: Canvas) -> None:
        two_columns(canvas)
        canvas.drawString(
            50, 400, "Full width summary line crossing the gutter between the two columns here"
        )
        for index in range(12):
            canvas.drawString(50, 370 - index * 14, f"Lower left entry {index} of the timeline")
            canvas.drawString(320, 365 - index * 17, f"Lower right item {index} with tools")

    text = extract_pdf(draw).text
    upper = text.index("Right skills line 15")
    summary = text.index("Full width summary line")
    lower_left = [text.index(f"Lower left entry {index} ") for index in range(12)]
    lower_right = [text.index(f"Lower right item {index} ") for index in range(12)]
    assert upper < summary < min(lower_left)
    assert max(lower_left) < min(lower_right)


def test_letter_spaced_headings_are_rejoined() -> None:
    def draw(canvas: Canvas) -> None:
        for y, heading in ((780, "EXPÉRIENCES PROFESSIONNELLES"), (700, "DATA SCIENCE")):
            text = canvas.beginText(50, y)
            text.setFont("Helvetica-Bold", 14)
            text.setCharSpace(5)
            text.textLine(heading)
            canvas.drawText(text)
        lines("Python, SQL and machine learning for retail forecasting.", y=740)(canvas)

    text = extract_pdf(draw).text
    assert "EXPÉRIENCES PROFESSIONNELLES" in text.splitlines()
    assert "DATA SCIENCE" in text.splitlines()
    assert not LETTER_SPACED.search(text)


def test_hyphenated_line_ends_are_repaired() -> None:
    draw = lines(
        "We led the develop-",
        "ment of a full-stack platform for the city of Saint-",
        "Étienne and its transport network.",
    )
    text = flat(extract_pdf(draw).text)
    assert "We led the development of a full-stack platform" in text
    assert "Saint-Étienne and its transport network." in text


def test_bullets_and_fake_bold_are_normalised() -> None:
    def draw(canvas: Canvas) -> None:
        canvas.drawString(50, 780, "• Built ETL pipelines in Airflow")
        canvas.drawString(50, 766, "• Cut cloud costs by a third")
        canvas.setFont("Helvetica-Bold", 12)
        for offset in (0, 0.4):  # drawn twice, slightly shifted: fake bold
            canvas.drawString(50 + offset, 740, "Fake Bold Heading")

    text = extract_pdf(draw).text
    assert text.splitlines()[:2] == [
        "- Built ETL pipelines in Airflow",
        "- Cut cloud costs by a third",
    ]
    assert "Fake Bold Heading" in text and "FFaa" not in text


def test_rotated_text_is_rejoined_not_split_per_letter() -> None:
    def draw(canvas: Canvas) -> None:
        canvas.saveState()
        canvas.translate(30, 300)
        canvas.rotate(90)
        canvas.setFont("Helvetica-Bold", 24)
        canvas.drawString(0, 0, "CURRICULUM VITAE")
        canvas.restoreState()
        BODY(canvas)

    text = extract_pdf(draw).text
    assert "CURRICULUM VITAE" in text.splitlines()
    assert all(len(line.strip()) != 1 for line in text.splitlines())
    assert "Senior Data Engineer at Acme Analytics in Lyon" in text


def test_two_page_pdf_page_spans() -> None:
    first = lines("First page about Python engineering and data pipelines alpha.")
    second = lines("Second page about leadership and people management beta.")
    doc = extract_pdf(first, second)
    assert all(isinstance(span, PageSpan) for span in doc.pages)
    assert [span.number for span in doc.pages] == [1, 2]
    page_one = doc.text[doc.pages[0].start : doc.pages[0].end]
    page_two = doc.text[doc.pages[1].start : doc.pages[1].end]
    assert "alpha" in page_one and "beta" not in page_one
    assert "beta" in page_two and "alpha" not in page_two
    assert doc.pages[0].end <= doc.pages[1].start
    assert "Page 1" not in doc.text and "\f" not in doc.text


# --- PDF: hidden text --------------------------------------------------------------------


def white_gray(canvas: Canvas) -> None:
    canvas.setFillGray(1)


def white_rgb(canvas: Canvas) -> None:
    canvas.setFillColorRGB(1, 1, 1)


def white_cmyk(canvas: Canvas) -> None:
    canvas.setFillColorCMYK(0, 0, 0, 0)


def near_white(canvas: Canvas) -> None:
    canvas.setFillColorRGB(0.97, 0.98, 0.97)


@pytest.mark.parametrize("set_colour", [white_gray, white_rgb, white_cmyk, near_white])
def test_white_on_white_text_is_hidden(set_colour: Draw) -> None:
    def draw(canvas: Canvas) -> None:
        BODY(canvas)
        set_colour(canvas)
        canvas.drawString(50, 600, HIDDEN_PHRASE)

    doc = extract_pdf(draw)
    assert HIDDEN_PHRASE not in doc.text
    assert HIDDEN_PHRASE in doc.hidden_text
    assert any("Hidden text" in warning and "same colour" in warning for warning in doc.warnings)
    assert "Senior Data Engineer at Acme Analytics" in doc.text


def test_tiny_and_off_page_text_is_hidden() -> None:
    def draw(canvas: Canvas) -> None:
        BODY(canvas)
        canvas.setFont("Helvetica", 2)
        canvas.drawString(50, 600, "tiny airflow spark databricks snowflake")
        canvas.setFont("Helvetica", 10)
        canvas.drawString(50, 1200, "offpage leadership negotiation")

    doc = extract_pdf(draw)
    for phrase in ("tiny airflow spark databricks snowflake", "offpage leadership negotiation"):
        assert phrase not in doc.text
        assert phrase in flat(doc.hidden_text)
    (warning,) = doc.warnings
    assert "tiny font" in warning and "outside the page" in warning


def test_white_text_on_dark_sidebar_is_kept() -> None:
    def draw(canvas: Canvas) -> None:
        canvas.setFillColorRGB(0.11, 0.15, 0.21)
        canvas.rect(0, 0, 180, 842, stroke=0, fill=1)
        canvas.setFillColorRGB(1, 1, 1)
        canvas.drawString(20, 700, "Contact jane.smith@example.com")
        canvas.drawString(20, 686, "Languages French English")
        canvas.setFillGray(0)
        canvas.drawString(220, 700, "Senior Data Engineer at Acme")

    doc = extract_pdf(draw)
    assert "Contact jane.smith@example.com" in doc.text
    assert "Languages French English" in doc.text
    assert doc.hidden_text == "" and doc.warnings == ()


def test_background_is_the_shape_drawn_last_under_the_text() -> None:
    """White text on a white card drawn over a dark sidebar is hidden; black on black too."""

    def draw(canvas: Canvas) -> None:
        BODY(canvas)
        canvas.setFillColorRGB(0.1, 0.1, 0.3)
        canvas.rect(0, 0, 180, 500, stroke=0, fill=1)
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(10, 300, 160, 100, stroke=0, fill=1)
        canvas.drawString(20, 350, "card secret keywords")
        canvas.drawString(20, 200, "visible sidebar text")
        canvas.setFillGray(0)
        canvas.rect(200, 100, 300, 60, stroke=0, fill=1)
        canvas.drawString(210, 120, "black on black keywords")

    doc = extract_pdf(draw)
    assert "visible sidebar text" in doc.text
    for phrase in ("card secret keywords", "black on black keywords"):
        assert phrase not in doc.text and phrase in flat(doc.hidden_text)


# --- PDF: errors -------------------------------------------------------------------------


def image_only(canvas: Canvas) -> None:
    image = Image.new("RGB", (200, 100), (230, 230, 230))
    canvas.drawImage(ImageReader(image), 50, 500, width=400, height=200)
    canvas.setFillColorRGB(0.2, 0.3, 0.6)
    canvas.circle(300, 300, 80, stroke=0, fill=1)


def test_image_only_pdf_asks_for_ocr() -> None:
    with pytest.raises(NoExtractableText, match="OCR") as caught:
        extract_pdf(image_only)
    assert "ocrmypdf" in str(caught.value)


def test_scanned_page_inside_a_text_pdf_is_reported() -> None:
    doc = extract_pdf(BODY, image_only)
    assert doc.pages[1].start == doc.pages[1].end
    assert any("Page 2" in warning and "OCR" in warning for warning in doc.warnings)


def test_encrypted_pdf() -> None:
    data = build_pdf(BODY, encrypt="secret")
    with pytest.raises(EncryptedDocument, match="password"):
        extract_document(data, filename="cv.pdf")


def test_pdf_with_owner_password_only_is_read() -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    data = build_pdf(BODY, encrypt=StandardEncryption("", ownerPassword="owner", canCopy=0))
    assert "Jane Smith" in extract_document(data, filename="cv.pdf").text


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_pdf_is_corrupt(keep: float) -> None:
    data = build_pdf(BODY, BODY)
    with pytest.raises(CorruptDocument, match="damaged or incomplete"):
        extract_document(data[: int(len(data) * keep)], filename="cv.pdf")


def test_garbage_after_pdf_header_is_corrupt() -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 20
    with pytest.raises(CorruptDocument):
        extract_document(data, filename="cv.pdf")


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (255, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def zip_bytes(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (png_bytes(), "PNG image"),
        (zip_bytes({"notes.txt": "hello"}), "ZIP archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old-format Office"),
        (b"just some text, not a PDF at all", "plain text"),
    ],
)
def test_wrong_content_behind_pdf_name(data: bytes, kind: str) -> None:
    with pytest.raises(UnsupportedDocument, match=kind) as caught:
        extract_document(data, filename="cv.pdf")
    assert "cv.pdf" in str(caught.value) and ".pdf" in str(caught.value)


@pytest.mark.parametrize(
    ("filename", "hint"), [("cv.odt", "PDF, DOCX or TXT"), ("cv.doc", ".docx")]
)
def test_unknown_extension(filename: str, hint: str) -> None:
    with pytest.raises(UnsupportedDocument, match=re.escape(hint)):
        extract_document(b"whatever", filename=filename)


def test_content_without_a_name_is_sniffed() -> None:
    assert extract_document(build_pdf(BODY)).file_type == "pdf"
    assert extract_document(b"Jane Smith, data engineer").file_type == "txt"
    with pytest.raises(UnsupportedDocument, match="PNG image"):
        extract_document(png_bytes())


def test_oversize_file_is_refused(tmp_path: Path) -> None:
    data = build_pdf(BODY)
    assert len(data) > 1000
    small = Settings(max_upload_bytes=1000)
    path = tmp_path / "cv.pdf"
    path.write_bytes(data)
    for source in (path, data):
        with pytest.raises(DocumentTooLarge, match="limit is 1 kB"):
            extract_document(source, filename="cv.pdf", settings=small)


def test_pdf_over_the_page_limit_is_refused() -> None:
    data = build_pdf(BODY, BODY, BODY)
    with pytest.raises(DocumentTooLarge, match="more than 2 pages"):
        extract_document(data, filename="cv.pdf", settings=Settings(max_pdf_pages=2))
    assert (
        len(extract_document(data, filename="cv.pdf", settings=Settings(max_pdf_pages=3)).pages)
        == 3
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="not found"):
        extract_document(tmp_path / "absent.pdf")


# --- DOCX --------------------------------------------------------------------------------


def docx_bytes(build: Callable[[docx.document.Document], None]) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def cv_document(document: docx.document.Document) -> None:
    document.add_heading("Jane Smith", level=1)
    document.add_paragraph("Experience: data engineer at Acme in Saint-Étienne.")
    table = document.add_table(rows=2, cols=2)
    for row, (skill, level) in zip(
        table.rows, [("Python", "Expert"), ("SQL", "Advanced")], strict=True
    ):
        row.cells[0].text, row.cells[1].text = skill, level
    layout = document.add_table(rows=1, cols=2)
    layout.cell(0, 0).text = "Sidebar contact"
    layout.cell(0, 0).add_paragraph("jane@example.com")
    layout.cell(0, 1).text = "Main column profile"
    layout.cell(0, 1).add_paragraph("Ten years of analytics.")
    paragraph = document.add_paragraph("Education: MSc Data Science.")
    paragraph.add_run(" secret hidden keywords").font.hidden = True


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    path = tmp_path / "cv.docx"
    path.write_bytes(docx_bytes(cv_document))
    doc = extract_document(path)
    assert doc.file_type == "docx"
    order = [
        "Jane Smith",
        "Experience: data engineer at Acme in Saint-Étienne.",
        "Python | Expert",
        "SQL | Advanced",
        "Sidebar contact\njane@example.com",
        "Main column profile\nTen years of analytics.",
        "Education: MSc Data Science.",
    ]
    positions = [doc.text.index(part) for part in order]
    assert positions == sorted(positions)
    assert "secret hidden keywords" not in doc.text
    assert doc.hidden_text == "secret hidden keywords"
    assert doc.warnings and doc.pages == (PageSpan(1, 0, len(doc.text)),)


def templated_document(document: docx.document.Document) -> None:
    """Content controls and a text box, as Word's CV templates use them."""
    body = document.element.body
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    v = 'xmlns:v="urn:schemas-microsoft-com:vml"'
    body.insert(
        0,
        parse_xml(
            f"<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>Name in a content control</w:t></w:r>"
            "</w:p></w:sdtContent></w:sdt>"
        ),
    )
    body.insert(
        1,
        parse_xml(
            f"<w:p {w} {v}><w:r><w:t>Anchor paragraph</w:t></w:r><w:r><w:pict><v:shape>"
            "<v:textbox><w:txbxContent><w:p><w:r><w:t>Skills in a text box</w:t></w:r></w:p>"
            "</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
        ),
    )
    section = document.sections[0]
    section.header.is_linked_to_previous = False
    section.header.paragraphs[0].text = "Header: jane@example.com"


def test_docx_content_controls_text_boxes_and_headers() -> None:
    doc = extract_document(docx_bytes(templated_document), filename="cv.docx")
    assert doc.text.splitlines() == [
        "Header: jane@example.com",
        "Name in a content control",
        "Anchor paragraph",
        "Skills in a text box",
    ]


def test_empty_docx_has_no_text() -> None:
    with pytest.raises(NoExtractableText, match="no text"):
        extract_document(docx_bytes(lambda document: None), filename="cv.docx")


def test_broken_docx() -> None:
    data = docx_bytes(cv_document)
    with pytest.raises(CorruptDocument):
        extract_document(data[: len(data) // 2], filename="cv.docx")
    with pytest.raises(UnsupportedDocument, match="not a Word document"):
        extract_document(zip_bytes({"notes.txt": "hello"}), filename="cv.docx")
    with pytest.raises(UnsupportedDocument, match=r"is named \.docx"):
        extract_document(build_pdf(BODY), filename="cv.docx")


# --- TXT ---------------------------------------------------------------------------------


TEXT = "Développeur Python à Saint-Étienne\n• Réalisé l’API de paiement"


@pytest.mark.parametrize(
    ("encoding", "warns"),
    [("utf-8", False), ("utf-8-sig", False), ("utf-16", False), ("cp1252", True)],
)
def test_text_file_encodings(encoding: str, warns: bool) -> None:
    doc = extract_document(TEXT.encode(encoding), filename="offer.txt")
    assert doc.file_type == "txt"
    assert doc.text == "Développeur Python à Saint-Étienne\n- Réalisé l’API de paiement"
    assert bool(doc.warnings) is warns


@pytest.mark.parametrize("data", [b"", b"  \n\t\n", "\ufeff".encode()])
def test_empty_text_file(data: bytes) -> None:
    with pytest.raises(NoExtractableText):
        extract_document(data, filename="offer.txt")


# --- Real PDFs from ../shared/data -------------------------------------------------------

SHARED = Settings().shared_data_dir
LIVECAREER = "kaggle_livecareer_resume_pdfs/pdfs_sample"
#: Livecareer PDFs tested per category: all 240 take about 100 s, so a fixed subset is used.
LIVECAREER_PER_CATEGORY = 2


def real_pdfs() -> list[str]:
    """Paths (relative to the shared folder) of the real PDFs under test, in a fixed order."""
    if not SHARED.is_dir():
        return []
    paths = sorted((SHARED / "cv_pdfs_resume_matcher").rglob("*.pdf"))
    paths += sorted((SHARED / "seed_maxim_quenel").glob("*.pdf"))
    for category in sorted(path for path in (SHARED / LIVECAREER).glob("*") if path.is_dir()):
        paths += sorted(category.glob("*.pdf"))[:LIVECAREER_PER_CATEGORY]
    return [path.relative_to(SHARED).as_posix() for path in paths]


def real_params(paths: list[str]) -> list[object]:
    reason = f"outside data folder not found: {SHARED} (set JOBMATCH_SHARED_DATA)"
    return paths or [pytest.param(None, marks=pytest.mark.skip(reason=reason))]


@functools.cache
def extract_real(relative: str) -> ExtractedDocument:
    return extract_document(SHARED / relative)


CVS = "cv_pdfs_resume_matcher"
SEED_IA = "seed_maxim_quenel/cv_ingenieur_ia.pdf"
TEMPLATES = [
    f"{CVS}/templates/{name}.pdf"
    for name in (
        "single-column",
        "two-column",
        "modern-single-column",
        "modern-two-column",
        "old_single_column",
        "old_two_column",
    )
]
EXPECTED = {
    **{path: ("John Doe", "Senior Software Engineer", "john.doe@email.com") for path in TEMPLATES},
    f"{CVS}/resumes/alfred_pennyworth_pm.pdf": ("Alfred Pennyworth", "Product Manager"),
    f"{CVS}/resumes/amruta_b.pdf": ("Amruta B. Thorat", "Web Developer"),
    f"{CVS}/resumes/barry_allen_fe.pdf": ("Barry Allen", "(123) 456-7890"),
    f"{CVS}/resumes/bruce_wayne_fullstack.pdf": ("Bruce Wayne", "MERN Stack Developer"),
    f"{CVS}/resumes/harvey_dent_mle.pdf": ("Harvey Dent", "Machine Learning Engineer"),
    f"{CVS}/resumes/john_doe.pdf": ("JOHN DOE", "PROFESSIONAL SUMMARY"),
    f"{CVS}/resumes/raw_resume_1.pdf": ("John Smith", "Machine Learning Engineer"),
    f"{CVS}/resumes/sophiya_singh.pdf": ("Sophiya Singh", "Education"),
    f"{CVS}/resumes/prashant_bhat.pdf": ("Prashant Bhat", "Machine Learning"),
    f"{CVS}/resumes/nandagopal_h.pdf": ("Nandagopal H", "Database Administrator"),
    f"{CVS}/resumes/cv_athul_sivan.pdf": ("Athul SIVAN", "RESEARCH EXPERIENCE", "CONTACT DETAILS"),
    f"{CVS}/resumes/cv_anon_es.pdf": (
        "CURRICULUM VITAE",
        "DATOS PERSONALES",
        "EXPERIENCIA LABORAL",
    ),
    f"{CVS}/resumes/cv_christian_larico.pdf": ("LARICO DEPAZ", "EXPERIENCIA", "APTITUDES"),
    f"{CVS}/resumes/larico_depaz_christian_es.pdf": ("LARICO DEPAZ", "EDUCACIÓN", "ACTIVIDADES"),
    f"{CVS}/open_resume_examples/laverne-resume.pdf": ("Leo Leopard", "EDUCATION"),
    f"{CVS}/open_resume_examples/openresume-resume.pdf": ("John Doe", "WORK EXPERIENCE"),
    f"{CVS}/job_descriptions/job_desc_front_end_engineer.pdf": (
        "Puesto de trabajo",
        "Sobre nosotros",
    ),
    f"{CVS}/job_descriptions/job_desc_full_stack_engineer.pdf": ("Desarrollador Full Stack",),
    f"{CVS}/job_descriptions/job_desc_java_developer.pdf": ("Puesto de trabajo", "Java developer"),
    f"{CVS}/job_descriptions/job_desc_product_manager.pdf": ("Product Manager", "About Us"),
    # Section headings of the older tool's output (cv_converted.txt), letter-spacing undone.
    SEED_IA: (
        "Maxim Quénel",
        "Stage - Intelligence artificielle",
        "Du 09/02/2026 au 01/09/2026",
        "Expérience (hard skills)",
        "Expérience (soft skills)",
        "Formation",
        "Compétences",
        "Langues",
        "Centres d’intérêts",
        "Mobilité géographique",
    ),
    "seed_maxim_quenel/cv_non_ingenieur_ia.pdf": (
        "GESTION LOCATIVE",
        "CELYANN FRANCHET",
        "EXPÉRIENCES",
        "ÉDUCATION",
        "COMPÉTENCES",
    ),
}


def long_token_share(text: str) -> float:
    """Share of alphabetic tokens of 20 letters or more: words glued together."""
    tokens = re.findall(r"[^\W\d_]+", text)
    return sum(len(token) >= 20 for token in tokens) / max(len(tokens), 1)


@pytest.mark.parametrize("relative", real_params(real_pdfs()))
def test_real_pdf_yields_sensible_text(relative: str) -> None:
    doc = extract_real(relative)
    assert len(doc.text.split()) >= 100
    assert len(doc.pages) >= 1 and doc.pages[-1].end == len(doc.text)
    assert not LETTER_SPACED.search(doc.text), LETTER_SPACED.search(doc.text)
    assert long_token_share(doc.text) < 0.01
    assert "(cid:" not in doc.text
    text = flat(doc.text)
    for phrase in EXPECTED.get(relative, ()):
        assert phrase.lower() in text.lower(), phrase


def test_real_livecareer_pdfs_keep_word_spaces(shared_data: Path) -> None:
    """These PDFs glue words together with some extractors ("FinancialAccountantspecializing")."""
    texts = [extract_real(path).text for path in real_pdfs() if path.startswith(LIVECAREER)]
    assert len(texts) >= 24
    assert long_token_share("\n".join(texts)) < 0.002


def test_real_seed_cv_hides_the_keyword_block(shared_data: Path) -> None:
    doc = extract_real(SEED_IA)
    assert "Reinforcement Learning" in doc.hidden_text
    assert "Reinforcement Learning" not in doc.text
    assert any("Hidden text" in warning for warning in doc.warnings)
    # White text on the dark sidebar is a design, not a trick: it stays.
    assert "0611472064" in doc.text and "Lycée Louis Rascol" in doc.text


# Phrases of each column, in reading order; the columns must come out one after the other.
COLUMNS = {
    f"{CVS}/templates/two-column.pdf": (
        ("SUMMARY", "EXPERIENCE", "Stripe", "Figma", "Notion", "PROJECTS", "DevFlow"),
        ("EDUCATION", "UC Berkeley", "SKILLS", "Event-driven Systems", "LINKS"),
    ),
    f"{CVS}/templates/modern-two-column.pdf": (
        ("SUMMARY", "EXPERIENCE", "Stripe", "Figma", "Notion", "PROJECTS", "DevFlow"),
        ("EDUCATION", "UC Berkeley", "SKILLS", "Event-driven Systems", "LINKS"),
    ),
    f"{CVS}/templates/old_two_column.pdf": (
        ("EXPERIENCE", "Stripe", "Figma", "Notion", "PROJECTS", "DevFlow"),
        ("SUMMARY", "EDUCATION", "UC Berkeley", "SKILLS", "LINKS"),
    ),
    f"{CVS}/resumes/cv_athul_sivan.pdf": (
        ("CONTACT DETAILS", "PERSONAL INFORMATION", "PROFILE", "I am keen to apply"),
        ("RESEARCH EXPERIENCE", "DATA SCIENCE INTERN", "PHD RESEARCHER", "RESEARCH INTERNSHIP"),
    ),
    SEED_IA: (
        ("0611472064", "Formation", "Lycée Louis Rascol", "Compétences", "Langues"),
        ("Maxim Quénel", "Expérience (hard skills)", "Expérience (soft skills)", "Centres"),
    ),
}


@pytest.mark.parametrize("relative", real_params(sorted(COLUMNS) if SHARED.is_dir() else []))
def test_real_two_column_pdfs_are_not_interleaved(relative: str) -> None:
    doc = extract_real(relative)
    first_page = flat(doc.text[doc.pages[0].start : doc.pages[0].end])
    found = [[first_page.index(phrase) for phrase in column] for column in COLUMNS[relative]]
    for positions in found:
        assert positions == sorted(positions)
    left, right = found
    assert max(left) < min(right) or max(right) < min(left), "columns are interleaved"


def test_real_templates_agree_across_layouts(shared_data: Path) -> None:
    """templates/ holds the same CV in six layouts: same words, same phrases, same order."""
    reference = set(re.findall(r"\w+", extract_real(TEMPLATES[0]).text.lower()))
    for path in TEMPLATES:
        text = flat(extract_real(path).text)
        words = set(re.findall(r"\w+", text.lower()))
        assert len(words & reference) / len(words | reference) >= 0.8, path
        for phrase in (
            "Senior Software Engineer with 5+ years of proven expertise",
            "reducing fraudulent charges by 18%",
            "Bachelor of Science, Computer Science",
            "offline-first sync engine for mobile app using SQLite and conflict resolution",
            "Real-time Transit Prediction App",
        ):
            assert phrase in text, (path, phrase)
        jobs = [text.index(company) for company in ("Stripe", "Figma", "Notion", "DevFlow")]
        assert jobs == sorted(jobs), path
