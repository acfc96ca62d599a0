"""Files the readers must refuse or cope with, generated into tmp_path from real documents."""
from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

DATA = Path(__file__).resolve().parent.parent / "data"
REAL_PDF = DATA / "cspr-child-m.pdf"


@pytest.fixture
def empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    return path


@pytest.fixture
def text_named_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "notes.pdf"
    path.write_text("These are meeting notes saved with the wrong extension.\n")
    return path


@pytest.fixture
def truncated_pdf(tmp_path: Path) -> Path:
    data = REAL_PDF.read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    return path


def _encrypted(tmp_path: Path, name: str, user_password: str) -> Path:
    writer = PdfWriter(clone_from=REAL_PDF)
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    path = tmp_path / name
    writer.write(path)
    return path


@pytest.fixture
def password_pdf(tmp_path: Path) -> Path:
    return _encrypted(tmp_path, "locked.pdf", "open-sesame")


@pytest.fixture
def empty_password_pdf(tmp_path: Path) -> Path:
    return _encrypted(tmp_path, "owner-only.pdf", "")


@pytest.fixture
def image_only_pdf(tmp_path: Path) -> Path:
    """A two-page 'scan': shapes and no text layer."""
    path = tmp_path / "scan.pdf"
    drawing = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):
        drawing.setFillGray(0.8)
        drawing.rect(50, 50, 495, 740, fill=1)
        drawing.circle(300, 420, 80, fill=1)
        drawing.showPage()
    drawing.save()
    return path


@pytest.fixture
def cp1252_text(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_bytes("Notes from the café meeting \u2013 learning review\n\nThe review met on Tuesday.\n"
                     .encode("cp1252"))
    return path


@pytest.fixture
def binary_text(tmp_path: Path) -> Path:
    path = tmp_path / "garbage.txt"
    path.write_bytes(bytes(range(256)) * 16)
    return path


@pytest.fixture
def unknown_extension(tmp_path: Path) -> Path:
    path = tmp_path / "report.xyz"
    path.write_text("Some text in a format nobody knows.")
    return path


@pytest.fixture
def zip_bomb_docx(tmp_path: Path) -> Path:
    """A .docx whose document part inflates from about 300 KB to 300 MB."""
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * 2**20
            for _ in range(300):
                member.write(chunk)
    return path


@pytest.fixture
def not_a_zip_docx(tmp_path: Path) -> Path:
    path = tmp_path / "letter.docx"
    path.write_text("Dear colleague, this was saved as plain text.")
    return path


@pytest.fixture
def styled_docx(tmp_path: Path) -> Path:
    """A small DOCX using Title, Heading, list and table features, with core properties."""
    document = docx.Document()
    document.core_properties.title = "Rapid Review: Child Z"
    document.core_properties.author = "Eastvale Safeguarding Children Partnership"
    document.add_paragraph("Rapid Review: Child Z", style="Title")
    document.add_heading("1. Learning", level=1)
    document.add_paragraph("The review found:")
    document.add_paragraph("Nobody spoke to Child Z alone.", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Agency", "Contacts"
    table.cell(1, 0).text, table.cell(1, 1).text = "School", "12"
    path = tmp_path / "child-z.docx"
    document.save(path)
    return path
