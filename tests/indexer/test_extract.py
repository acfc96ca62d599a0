"""Reading the sample corpus and refusing broken files, on real and generated files."""
from __future__ import annotations

import random
import zipfile
import re
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from indexer.readers import SUPPORTED_SUFFIXES, ExtractionError, extract
from indexer.segment import segment
from tests.conftest import CORPUS

CORPUS_FILES = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
PDF_FILES = [p for p in CORPUS_FILES if p.suffix == ".pdf"]
CHILD_M = CORPUS / "2019-northmoor-cspr-child-m.pdf"
ANNUAL_REPORT = CORPUS / "2023-westbridge-annual-report-2022-23.pdf"


def test_corpus_has_every_format() -> None:
    assert {p.suffix for p in CORPUS_FILES} == {".pdf", ".md", ".html", ".docx"}
    assert len(CORPUS_FILES) == 18


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_file_extracts_into_headed_text(path: Path) -> None:
    extracted = extract(path)
    assert extracted.file_type == path.suffix.lstrip(".")
    assert sum(len(b.text.split()) for b in extracted.blocks) > 1000
    assert any(b.heading_level for b in extracted.blocks)
    assert extracted.first_page_text
    if extracted.file_type == "pdf":
        assert extracted.page_count >= 4
        assert all(1 <= b.page_start <= b.page_end <= extracted.page_count for b in extracted.blocks)
    else:
        assert extracted.page_count == 0


@pytest.mark.parametrize("path", PDF_FILES, ids=lambda p: p.name)
def test_running_headers_and_footers_never_reach_passages(path: Path) -> None:
    running_title = f"Safeguarding {'Children ' if 'ashby' not in path.name else ''}"
    for passage in segment(extract(path).blocks):
        assert not re.search(r"Page \d+ of \d+", passage.text)
        assert "OFFICIAL" not in passage.text
        assert not (running_title in passage.text and "  |  " in passage.text)
        assert "..." not in passage.text  # the running header is cut with an ellipsis


CHAPTERS = ("Background to the Review", "What Happened to Child W", "Analysis of Practice",
            "Learning for the Partnership")
BODY_WORDS = ("health visitor recorded mother seemed tired low mood arranged further visit nobody asked "
              "who else lived household father history school nurse police referral plan").split()


def _chaptered_pdf(path: Path, header: str) -> list[str]:
    """A 12-page report whose running header names the chapter, which changes every 3 pages.

    Returns the body sentences written, in order. Page 7 opens with a real heading in a larger
    bold font, and the last paragraph of every page runs over onto the next page.
    """
    words = random.Random(7)
    drawing = canvas.Canvas(str(path), pagesize=A4)
    sentences = []
    for page in range(12):
        drawing.setFont("Helvetica", 8)
        drawing.drawString(72, 800, header.format(chapter=CHAPTERS[page // 3]))
        drawing.drawCentredString(297, 30, str(page + 1))
        y = 760
        if page == 6:
            drawing.setFont("Helvetica-Bold", 14)
            drawing.drawString(72, y, "3. Findings")
            y -= 30
        drawing.setFont("Helvetica", 10)
        for line in range(18):
            text = f"Line {page * 18 + line} " + " ".join(words.choices(BODY_WORDS, k=11))
            if line % 6 == 5 or line == 17:  # a paragraph ends with a full stop; the page's last runs on
                text += "." if line != 17 else ""
            sentences.append(text)
            drawing.drawString(72, y, text)
            y -= 14 if line % 6 != 5 else 28
        drawing.showPage()
    drawing.save()
    return sentences


@pytest.mark.parametrize("header", ["Child W review | {chapter}", "Child W review \u2013 {chapter}",
                                    "{chapter} \u2014 Child W review", "Child W review - {chapter}",
                                    "{chapter}"])
def test_running_header_naming_the_chapter_never_reaches_passages(tmp_path: Path, header: str) -> None:
    path = tmp_path / "child-w.pdf"
    sentences = _chaptered_pdf(path, header)
    extracted = extract(path)
    passages = segment(extracted.blocks)
    text = "\n".join(p.text for p in passages)
    assert "Child W review" not in text
    assert not any(chapter in text or chapter in " ".join(p.heading_path)
                   for p in passages for chapter in CHAPTERS)
    assert " ".join(text.split()) == " ".join(sentences[:6 * 18]) + " " + " ".join(sentences[6 * 18:])
    assert [(b.text, b.page_start) for b in extracted.blocks if b.heading_level] == [("3. Findings", 7)]
    carried = next(b for b in extracted.blocks if b.text.startswith("Line 12 "))
    assert (carried.page_start, carried.page_end) == (1, 2)


def test_pdf_passages_know_their_pages() -> None:
    passages = segment(extract(CHILD_M).blocks)
    introduction = next(p for p in passages if p.text.startswith("In October 2019 Child M, aged 13"))
    assert (introduction.page_start, introduction.heading_path[-1]) == (2, "1. Introduction and scope")
    recommendation = next(p for p in passages if "Recommendation 5: CAMHS" in p.text)
    assert recommendation.page_start == 6


def test_words_hyphenated_at_line_ends_are_joined() -> None:
    text = "\n".join(b.text for b in extract(CHILD_M).blocks)
    # pypdf gives "severely under-\nweight" and "local child safe-\nguarding practice review"
    assert "severely underweight" in text
    assert "commissioned a local child safeguarding practice review" in text
    assert "under-weight" not in text and "safe-guarding" not in text


def test_real_hyphens_are_kept() -> None:
    text = "\n".join(b.text for b in extract(ANNUAL_REPORT).blocks)
    assert "part-time timetables" in text
    assert "longest-standing priority" in text
    # "self-harm" is broken at a line end in Child M, and written whole elsewhere in that document
    assert "self-harm" in "\n".join(b.text for b in extract(CHILD_M).blocks)


def test_paragraph_over_a_page_break_is_one_passage() -> None:
    passages = segment(extract(CHILD_M).blocks)
    passage = next(p for p in passages if "concerns about her hygiene and her mother's withdrawal" in p.text)
    assert (passage.page_start, passage.page_end) == (4, 5)


def test_pdf_headings_and_multi_line_heading() -> None:
    headings = [b for b in extract(CHILD_M).blocks if b.heading_level]
    texts = [h.text for h in headings]
    assert "4. Findings" in texts
    assert ("Finding 1: Home education was chosen in the middle of a dispute, "
            "and nobody asked what it meant for Child M") in texts
    levels = {h.text: h.heading_level for h in headings}
    assert levels["Finding 2: Child M was not seen or heard for 16 months"] > levels["4. Findings"]


def test_pdf_table_rows_read_as_text() -> None:
    """A table row is one block with its cells in order, as every reader sets it (cell | cell)."""
    texts = [b.text for b in extract(ANNUAL_REPORT).blocks]
    assert "Measure | 2021-22 | 2022-23" in texts
    assert "Contacts received by the MASH | 14,920 | 15,870" in texts


def test_pdf_bullets_are_separate_blocks() -> None:
    blocks = extract(ANNUAL_REPORT).blocks
    bullets = [b.text for b in blocks if b.text.startswith("• ")]
    assert "• Neglect: reduce repeat plans, improve responses to adolescent neglect, and ensure " \
           "missed health and dental appointments reach the lead professional." in bullets


def test_pdf_info_becomes_metadata() -> None:
    metadata = extract(CHILD_M).metadata
    assert metadata["title"] == "Child Safeguarding Practice Review: Child M"
    assert metadata["author"] == "Northmoor Safeguarding Children Partnership"


def test_markdown_front_matter_headings_and_emphasis() -> None:
    extracted = extract(CORPUS / "2022-westbridge-7-minute-briefing-fathers.md")
    assert extracted.metadata["kind"] == "briefing"
    assert extracted.metadata["year"] == "2022"
    assert extracted.blocks[0].text == "7-minute briefing: Seeing the men"
    assert extracted.blocks[0].heading_level == 1
    assert any(b.text == "5. Reflect" and b.heading_level == 2 for b in extracted.blocks)
    assert all("**" not in b.text for b in extracted.blocks)
    assert any(b.text.startswith("Baby H. Baby H was fifteen weeks old") for b in extracted.blocks)
    assert "• Have you met him, spoken to him on his own, and asked about his history?" in \
        [b.text for b in extracted.blocks]


def test_html_visible_text_and_title() -> None:
    extracted = extract(CORPUS / "2024-national-briefing-elective-home-education.html")
    assert extracted.metadata["title"].startswith("Beyond the school roll")
    assert any(b.text == "4.1 Invisibility once off the school roll" and b.heading_level == 3
               for b in extracted.blocks)
    assert all("<" not in b.text for b in extracted.blocks)


def test_html_drops_scripts_and_navigation(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Rapid review</title><style>p {color: red}</style></head><body>"
                    "<nav><a href='/'>Home</a></nav><script>var tracking = 1;</script>"
                    "<h2>Learning</h2><p>The <em>school</em> was not told.</p></body></html>")
    extracted = extract(page)
    assert [(b.text, b.heading_level) for b in extracted.blocks] == [
        ("Learning", 2), ("The school was not told.", 0)]
    assert extracted.metadata["title"] == "Rapid review"


def test_html_hidden_elements_are_not_indexed(tmp_path: Path) -> None:
    page = tmp_path / "briefing.html"
    page.write_text(
        "<html><head><title>Briefing</title></head><body><h1>Briefing on neglect</h1>"
        "<p>The health visitor saw the family at home.</p>"
        "<p hidden>HIDDENATTR text.</p>"
        "<div style='color: red; display:none'><p>DISPLAYNONE text.</p></div>"
        "<section style='DISPLAY : NONE !important'>SHOUTED text.</section>"
        "<p style='visibility:hidden'>VISHIDDEN text.</p>"
        "<p>Seen <span aria-hidden='true'>ARIAHIDDEN</span>by all.</p>"
        "<ul><li aria-hidden=\"TRUE\">ARIALIST item</li><li>Shown item</li></ul>"
        "<p style='display: block'>Shown with a style.</p>"
        "<p aria-hidden='false'>Shown to screen readers too.</p>"
        "</body></html>", encoding="utf-8")
    assert [b.text for b in extract(page).blocks] == [
        "Briefing on neglect", "The health visitor saw the family at home.", "Seen by all.",
        "• Shown item", "Shown with a style.", "Shown to screen readers too."]


def test_html_text_directly_inside_a_div_is_indexed(tmp_path: Path) -> None:
    page = tmp_path / "loose.html"
    page.write_text(
        "<!doctype html><html><body><h2>Learning</h2>"
        "<div>Loose text in a <a href='#'>div</a>, outside any paragraph.</div>"
        "<div class='card'>Before a paragraph<p>The paragraph.</p>after it <em>too</em>."
        "<!-- a comment --><div>Nested loose text.</div></div>"
        "<section>Section text.</section>Body text.<table><tr><td>Cell</td><td>Other</td></tr></table>"
        "</body></html>", encoding="utf-8")
    assert [(b.text, b.heading_level) for b in extract(page).blocks] == [
        ("Learning", 2), ("Loose text in a div, outside any paragraph.", 0), ("Before a paragraph", 0),
        ("The paragraph.", 0), ("after it too.", 0), ("Nested loose text.", 0), ("Section text.", 0),
        ("Body text.", 0), ("Cell | Other", 0)]


def test_docx_corpus_file_headings() -> None:
    extracted = extract(CORPUS / "2025-calder-vale-7-minute-briefing-adolescent-mental-health.docx")
    assert extracted.metadata["author"] == "Calder Vale Safeguarding Children Partnership"
    assert extracted.blocks[0].heading_level == 1
    assert any(b.text == "1. Background" and b.heading_level == 2 for b in extracted.blocks)
    assert any(b.text.startswith("• ") for b in extracted.blocks)


def test_docx_styles_lists_and_tables(styled_docx: Path) -> None:
    extracted = extract(styled_docx)
    assert [(b.text, b.heading_level) for b in extracted.blocks] == [
        ("Rapid Review: Child Z", 1), ("1. Learning", 1), ("The review found:", 0),
        ("• Nobody spoke to Child Z alone.", 0), ("Agency | Contacts", 0), ("School | 12", 0)]
    assert extracted.metadata["title"] == "Rapid Review: Child Z"


def _content_control(*elements) -> object:
    """A block-level content control (w:sdt) holding the given body elements, placed where the first was."""
    from docx.oxml import OxmlElement

    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    sdt.append(OxmlElement("w:sdtPr"))
    sdt.append(content)
    elements[0].addprevious(sdt)
    for element in elements:
        content.append(element)
    return sdt


def test_docx_content_controls_are_read_in_document_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("1. Learning", level=1)
    document.add_paragraph("A paragraph before the content control.")
    inside = [document.add_paragraph("Text inside a content control, shown like any paragraph."),
              document.add_paragraph("A listed point inside it.", style="List Bullet")]
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Agency", "Contacts"
    table.cell(1, 0).text, table.cell(1, 1).text = "School", "12"
    _content_control(*(p._p for p in inside), table._tbl)
    nested = document.add_paragraph("A control inside a control.")
    _content_control(_content_control(nested._p))
    inline = document.add_paragraph("The father was ")
    _content_control(inline.add_run("not seen")._r)  # an inline content control inside the paragraph
    inline.add_run(" by the health visitor.")
    document.add_heading("2. Agencies", level=1)
    rows = document.add_table(rows=3, cols=2)
    for index, (name, count) in enumerate([("Agency", "Contacts"), ("Police", "3"), ("Health", "9")]):
        rows.cell(index, 0).text, rows.cell(index, 1).text = name, count
    _content_control(rows.rows[1]._tr, rows.rows[2]._tr)  # a repeating section of rows
    _content_control(rows.rows[0]._tr.tc_lst[1])  # a single cell in a control
    document.add_paragraph("The last paragraph.")
    path = tmp_path / "controls.docx"
    document.save(path)
    assert [(b.text, b.heading_level) for b in extract(path).blocks] == [
        ("1. Learning", 1), ("A paragraph before the content control.", 0),
        ("Text inside a content control, shown like any paragraph.", 0), ("• A listed point inside it.", 0),
        ("Agency | Contacts", 0), ("School | 12", 0), ("A control inside a control.", 0),
        ("The father was not seen by the health visitor.", 0), ("2. Agencies", 1),
        ("Agency | Contacts", 0), ("Police | 3", 0), ("Health | 9", 0), ("The last paragraph.", 0)]


def test_docx_merged_table_cells(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for row, texts in enumerate([("Agency", "2021", "2022"), ("Police", "3", "4"), ("", "5", "6")]):
        for column, text in enumerate(texts):
            table.cell(row, column).text = text
    table.cell(1, 0).merge(table.cell(2, 0))  # "Police" spans two rows
    table.cell(0, 1).merge(table.cell(0, 2))  # a heading over two columns
    table.cell(0, 1).text = "Contacts"
    path = tmp_path / "merged.docx"
    document.save(path)
    assert [b.text for b in extract(path).blocks] == ["Agency | Contacts", "Police | 3 | 4", "Police | 5 | 6"]


def test_plain_text_paragraphs_and_headings(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("4. Findings\n\n4.2 Information sharing\n\nThe school knew about the assess-\n"
                    "ment but did not\nshare it.\n\n- First point\n- Second point\n", encoding="utf-8")
    blocks = extract(path).blocks
    assert [(b.text, b.heading_level) for b in blocks] == [
        ("4. Findings", 1), ("4.2 Information sharing", 2),
        ("The school knew about the assessment but did not share it.", 0),
        ("• First point", 0), ("• Second point", 0)]


def test_cp1252_text_is_read(cp1252_text: Path) -> None:
    assert extract(cp1252_text).blocks[0].text == "Notes from the café meeting \u2013 learning review"


def test_cp1252_text_with_curly_quotes_and_pounds_is_read(tmp_path: Path) -> None:
    text = ("Review of Child P \u2013 summary\n\nHis mother said \u201cnobody asked me\u201d and the "
            "family\u2019s debts were \u00a32,400 \u2014 the r\u00e9sum\u00e9 of the "
            "na\u00efve plan cost \u20ac300.\n")
    path = tmp_path / "summary.txt"
    path.write_bytes(text.encode("cp1252"))
    assert [b.text for b in extract(path).blocks] == text.strip().split("\n\n")


@pytest.mark.parametrize(("encoding", "text"), [
    ("koi8-r", "Обзор практики защиты детей: ребёнок М.\n\nСоциальный работник посетил семью, "
               "но отец не был замечен специалистами здравоохранения.\n"),
    ("iso-8859-2", "Przegląd praktyki ochrony dzieci: dziecko M.\n\nPracownik socjalny odwiedził "
                   "rodzinę, ale ojciec nie został zauważony przez służby zdrowia.\n"),
    ("iso-8859-2", "Pracovník sociální péče navštívil rodinu, ale otec nebyl zaznamenán.\n"),
    ("cp1251", "Обзор практики защиты детей.\n"),
    ("utf-8-with-a-stray-byte", "Notes from the café meeting – the father’s view\n"),
], ids=["koi8-r", "iso-8859-2-polish", "iso-8859-2-czech", "cp1251", "utf-8-with-a-stray-byte"])
def test_text_in_other_encodings_is_refused_not_garbled(tmp_path: Path, encoding: str, text: str) -> None:
    data = text.encode("utf-8") + b"\x85" if encoding == "utf-8-with-a-stray-byte" else text.encode(encoding)
    for suffix in (".txt", ".md", ".html"):
        path = tmp_path / f"review{suffix}"
        path.write_bytes(data)
        with pytest.raises(ExtractionError) as error:
            extract(path)
        assert str(error.value) == ("not a text file: the encoding is neither UTF-8 nor Windows-1252 "
                                    "(Western European); save it as UTF-8 and index it again")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_unicode_text_is_read(tmp_path: Path, encoding: str) -> None:
    text = "Обзор: Przegląd – the café’s £5 review\n\nSecond paragraph.\n"
    if encoding.endswith("-bom"):
        data = "\ufeff".encode(encoding[:-4]) + text.encode(encoding[:-4])
    else:
        data = text.encode(encoding)
    path = tmp_path / "notes.txt"
    path.write_bytes(data)
    assert [b.text for b in extract(path).blocks] == ["Обзор: Przegląd – the café’s £5 review",
                                                      "Second paragraph."]


def test_pdf_with_empty_user_password_is_read(empty_password_pdf: Path) -> None:
    extracted = extract(empty_password_pdf)
    assert extracted.page_count == 6
    assert any("4. Findings" == b.text for b in extracted.blocks)


def _aes_pdf(tmp_path: Path, algorithm: str, user_password: str) -> Path:
    writer = PdfWriter(clone_from=CHILD_M)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    path = tmp_path / f"{algorithm.lower()}-{'locked' if user_password else 'open'}.pdf"
    writer.write(path)
    return path


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256"])
def test_aes_pdf_with_empty_user_password_is_read(tmp_path: Path, algorithm: str) -> None:
    extracted = extract(_aes_pdf(tmp_path, algorithm, ""))
    assert extracted.page_count == extract(CHILD_M).page_count
    assert any("4. Findings" == b.text for b in extracted.blocks)
    assert any(b.text.startswith("In October 2019 Child M, aged 13") for b in extracted.blocks)


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256"])
def test_aes_pdf_with_a_password_is_reported_as_encrypted(tmp_path: Path, algorithm: str) -> None:
    with pytest.raises(ExtractionError) as error:
        extract(_aes_pdf(tmp_path, algorithm, "open-sesame"))
    assert str(error.value).startswith("encrypted PDF: a password is needed")


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256"])
def test_aes_pdf_without_cryptography_is_not_called_damaged(
        tmp_path: Path, algorithm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """pypdf falls back to stubs that raise DependencyError when `cryptography` is not installed."""
    import pypdf._encryption
    from pypdf._crypt_providers import _fallback

    path = _aes_pdf(tmp_path, algorithm, "")
    for name in ("CryptAES", "aes_cbc_decrypt", "aes_cbc_encrypt", "aes_ecb_decrypt", "aes_ecb_encrypt"):
        monkeypatch.setattr(pypdf._encryption, name, getattr(_fallback, name))
    with pytest.raises(ExtractionError) as error:
        extract(path)
    assert str(error.value).startswith("encrypted PDF (AES) cannot be decrypted: the 'cryptography' "
                                       "package is missing")
    assert "damaged" not in str(error.value)


#: What a reason tells the person to do, after what is wrong ("...; download it again").
ACTION = re.compile(r"[;:] .*\b(?:open|save|download|copy|check|run|install|reinstall|index|correct)\b")


@pytest.mark.parametrize(("fixture", "reason"), [
    ("empty_file", "empty file"),
    ("text_named_pdf", "not a PDF file"),
    ("password_pdf", "encrypted PDF: a password is needed to open it"),
    ("image_only_pdf", "no text layer: scanned documents need OCR, which is not supported"),
    ("binary_text", "not a text file"),
    ("unknown_extension", "unsupported file type .xyz"),
    ("not_a_zip_docx", "not a DOCX file: it is not a zip archive"),
])
def test_bad_files_are_refused_with_a_reason(fixture: str, reason: str, request: pytest.FixtureRequest) -> None:
    """Each reason says what is wrong with the file, then what the person can do about it."""
    with pytest.raises(ExtractionError) as error:
        extract(request.getfixturevalue(fixture))
    assert str(error.value).startswith(reason + ":") or str(error.value).startswith(reason + ";")
    assert ACTION.search(str(error.value)), str(error.value)


def test_truncated_pdf_is_damaged(truncated_pdf: Path) -> None:
    """The reason is for a person; pypdf's own message is kept as the detail, for the log."""
    with pytest.raises(ExtractionError, match=r"^damaged PDF: ") as error:
        extract(truncated_pdf)
    assert ACTION.search(str(error.value))
    assert "pypdf" not in str(error.value) and "@" not in str(error.value) and error.value.detail


def test_zip_bomb_docx_is_refused_without_unpacking(zip_bomb_docx: Path) -> None:
    with pytest.raises(ExtractionError, match=r"possible zip bomb"):
        extract(zip_bomb_docx)


def test_pypdf_warnings_are_not_printed(truncated_pdf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ExtractionError):
        extract(truncated_pdf)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_a_missing_optional_decoder_is_named_as_such(tmp_path: Path) -> None:
    """A page compressed with Brotli needs the optional `brotli` package: the reason names it,
    and does not blame `cryptography`."""
    try:
        import brotli  # noqa: F401
        pytest.skip("brotli is installed here")
    except ImportError:
        pass
    from pypdf import PdfReader
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter(clone_from=PdfReader(CHILD_M))
    stream = StreamObject()
    stream.set_data(b"\x1b\x00compressed page text")
    stream[NameObject("/Filter")] = NameObject("/BrotliDecode")
    writer.pages[1][NameObject("/Contents")] = writer._add_object(stream)
    path = tmp_path / "brotli.pdf"
    writer.write(path)
    with pytest.raises(ExtractionError) as error:
        extract(path)
    reason = str(error.value)
    assert "optional decoder which is not installed (brotli); install brotli" in reason
    assert "cryptography" not in reason and "brotli is required" in error.value.detail


def _rotated_pdf(path: Path, text_pages: int = 1) -> Path:
    """Pages whose text is set sideways (a landscape table turned on a portrait page): pypdf's
    layout mode leaves rotated text out, its plain mode reads it."""
    drawing = canvas.Canvas(str(path), pagesize=A4)
    sentences = ["The review found that the father was not seen by any professional.",
                 "Information about his history was held by another police force.",
                 "The health visitor did not ask who else lived in the household."]
    for _ in range(text_pages):
        drawing.saveState()
        drawing.translate(120, 100)
        drawing.rotate(90)
        drawing.setFont("Helvetica", 11)
        for number, sentence in enumerate(sentences * 4):
            drawing.drawString(0, -16 * number, sentence)
        drawing.restoreState()
        drawing.showPage()
    drawing.save()
    return path


def test_a_page_layout_mode_cannot_read_is_read_in_plain_mode(tmp_path: Path) -> None:
    extracted = extract(_rotated_pdf(tmp_path / "sideways.pdf"))
    text = " ".join(b.text for b in extracted.blocks)
    assert "The review found that the father was not seen by any professional." in text
    assert extracted.pages_without_text == 0


def test_pages_without_text_are_counted_not_refused(tmp_path: Path, image_only_pdf: Path) -> None:
    from pypdf import PdfReader

    writer = PdfWriter(clone_from=PdfReader(CHILD_M))
    for page in PdfReader(image_only_pdf).pages:
        writer.add_page(page)
    path = tmp_path / "partly-scanned.pdf"
    writer.write(path)
    extracted = extract(path)
    assert extracted.pages_without_text == 2
    assert extracted.page_count == len(PdfReader(CHILD_M).pages) + 2
    assert any(b.text.startswith("In October 2019 Child M, aged 13") for b in extracted.blocks)


def test_margin_line_numbers_and_dingbat_rules_are_left_out(tmp_path: Path) -> None:
    """A numbered draft (line numbers in the margin) with ornamental rules between sections."""
    path = tmp_path / "numbered.pdf"
    drawing = canvas.Canvas(str(path), pagesize=A4)
    sentences = ("The review found that the father was not seen by any professional during the "
                 "pregnancy or after the birth, and nobody asked who else lived in the household. ") * 6
    words, lines = sentences.split(), []
    while words:
        lines.append(" ".join(words[:13]))
        words = words[13:]
    y = 780
    for number, line in enumerate(lines[:8], start=1):
        drawing.setFont("Helvetica", 8)
        drawing.drawString(40, y, str(number))
        drawing.setFont("Helvetica", 11)
        drawing.drawString(80, y, line)
        y -= 16
    drawing.setFont("ZapfDingbats", 11)
    drawing.drawString(80, y - 10, "n n n n n n n n")
    drawing.setFont("Helvetica", 11)
    drawing.drawString(80, y - 30, "\u2014" * 30)
    y -= 50
    for number, line in enumerate(lines[8:], start=9):
        drawing.setFont("Helvetica", 8)
        drawing.drawString(40, y, str(number))
        drawing.setFont("Helvetica", 11)
        drawing.drawString(80, y, line)
        y -= 16
    drawing.save()
    blocks = [b.text for b in extract(path).blocks]
    text = " ".join(blocks)
    assert " ".join(sentences.split()) in text
    assert not any(" | " in b or re.match(r"\d", b) for b in blocks)
    assert "\u25a0" not in text and "\u2014" not in text


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("briefing.md", b"---\ntitle: [unclosed\n---\n\n# Learning\n\nText.\n", "front matter is not valid YAML"),
    # UTF-16 with a byte-order mark, cut off in the middle of a character
    ("notes.txt", b"\xff\xfe" + "Safeguarding".encode("utf-16-le") + b"\x00\xd8",
     "not a text file: its UTF-16 text is damaged"),
])
def test_text_file_reasons_say_what_to_do(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ExtractionError) as error:
        extract(path)
    assert str(error.value).startswith(reason) and ACTION.search(str(error.value))
    assert error.value.detail  # the parser's own message, for --verbose


def test_docx_reasons_say_what_to_do(tmp_path: Path) -> None:
    no_document = _zip(tmp_path / "letter.docx", {"[Content_Types].xml": "<Types/>"})
    broken = _zip(tmp_path / "broken.docx", {"[Content_Types].xml": "<Types", "word/document.xml": "<w:document"})
    for path, reason in ((no_document, "not a DOCX file: word/document.xml is missing"),
                         (broken, "damaged DOCX: the file is broken or incomplete")):
        with pytest.raises(ExtractionError) as error:
            extract(path)
        assert str(error.value).startswith(reason) and ACTION.search(str(error.value))
