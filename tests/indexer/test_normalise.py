"""Text is normalised at ingest (kb.text.clean) by every reader, and folded for matching: ligature
glyphs, typographic quotes, soft hyphens, zero-width and control characters in real reports."""
from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import pytest
import reportlab
from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from cli import main
from indexer.ingest import ingest
from kb.base import KnowledgeBase
from kb.search import SearchRequest
from kb.settings import Settings
from kb.text import fold

#: Characters no stored text may hold: C0 and C1 controls but tab and newline, DEL, soft hyphen,
#: zero-width characters, BOM, and the ligature glyphs NFKC turns into letters.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff\ufb00-\ufb06]")

SENTENCES = [
    "The police oﬃcer was notiﬁed of the incident on the same night and shared it with the MASH.",
    "Nobody asked who the mother’s partner was or whether he had children of his own elsewhere.",
    "The health visitor recorded the \u201cpartner present\u201d note but did not ask his name.",
]


def _typeset_pdf(path: Path, lines: list[str], title: str) -> None:
    """A one-page PDF set in a TrueType font that has the fi and fl ligature glyphs (not ffi)."""
    fonts = Path(reportlab.__file__).resolve().parent / "fonts"
    pdfmetrics.registerFont(TTFont("Vera", str(fonts / "Vera.ttf")))
    page = canvas.Canvas(str(path))
    page.setFont("Vera", 10)
    for number, line in enumerate(lines):
        page.drawString(60, 760 - 14 * number, line)
    page.save()
    writer = PdfWriter(clone_from=PdfReader(path))
    writer.add_metadata({"/Title": title})
    writer.write(path)


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Reports in every format with ligatures, curly quotes and control characters in them."""
    folder = tmp_path_factory.mktemp("hostile") / "reports"
    folder.mkdir()
    body = " ".join(SENTENCES)
    (folder / "briefing.md").write_text(
        f"---\ntitle: \"Seven\u00ad minute briefing\x1b[31m: fathers\"\n---\n\n# Fathers\n\n{body} \x1b[0m\u200b\n",
        encoding="utf-8")
    (folder / "notes.txt").write_text(f"Practice notes\n\n{body}\x07\n", encoding="utf-8")
    (folder / "page.html").write_text(f"<html><head><title>Web\x1b page</title></head><body><p>{body}"
                                      f"\u00ad</p></body></html>", encoding="utf-8")
    document = docx.Document()
    document.core_properties.title = "Word\u200b report"
    document.add_paragraph(body)
    document.save(folder / "report.docx")
    _typeset_pdf(folder / "review.pdf", [
        "The police officer was notiﬁed of the incident on the same night and shared it with",
        "the MASH. Nobody asked who the mother’s partner was or whether he had children",
        "of his own elsewhere. The health visitor recorded the “partner present” note",
        "but did not ask his name. The conﬂict between the adults was not explored.",
    ], "Rapid review\x00 of Child Q")
    return folder


@pytest.fixture(scope="module")
def hostile_kb(hostile_folder: Path) -> KnowledgeBase:
    with KnowledgeBase(Settings(data_dir=hostile_folder.parent / "data")) as kb:
        report = ingest(kb, [hostile_folder])
        assert not report.failed, report.failed
        yield kb


def _stored_texts(kb: KnowledgeBase) -> list[str]:
    return [row[0] for row in kb.store.conn.execute(
        "SELECT text FROM passages UNION ALL SELECT title FROM documents UNION ALL "
        "SELECT publisher FROM documents UNION ALL SELECT heading_path FROM passages")]


def test_no_stored_text_or_title_holds_control_or_ligature_characters(hostile_kb: KnowledgeBase) -> None:
    texts = _stored_texts(hostile_kb)
    assert len(hostile_kb.store.documents()) == 5
    assert not [text for text in texts if FORBIDDEN.search(text)]
    titles = {d.meta.title for d in hostile_kb.store.documents()}
    assert {"Seven minute briefing[31m: fathers", "Rapid review of Child Q", "Web page"} <= titles


def test_the_whole_sample_index_is_clean(corpus_kb: KnowledgeBase) -> None:
    assert not [text for text in _stored_texts(corpus_kb) if FORBIDDEN.search(text)]


def test_typographic_quotes_are_kept_for_display(hostile_kb: KnowledgeBase) -> None:
    assert any("mother’s partner" in p.text for p in hostile_kb.store.passages())


@pytest.mark.parametrize("query", ["officer", "notified", "oﬃcer", "conflict"])
def test_a_search_finds_words_stored_from_ligature_glyphs(hostile_kb: KnowledgeBase, query: str) -> None:
    response = hostile_kb.search(SearchRequest(q=query))
    expected = 1 if query == "conflict" else 5  # only the PDF sets "conﬂict"
    assert len({r.document.id for r in response.results}) == expected


@pytest.mark.parametrize("query", ['"mother\'s partner"', '"mother’s partner"', '"MOTHER\'S PARTNER"',
                                   '"partner present"'])
def test_phrases_match_text_set_with_typographic_quotes(hostile_kb: KnowledgeBase, query: str) -> None:
    response = hostile_kb.search(SearchRequest(q=query))
    assert len({r.document.id for r in response.results}) == 5


def test_the_taggers_rules_match_text_set_with_typographic_apostrophes(tmp_path: Path) -> None:
    """The phrase rule "mother's partner" (not the word "partner" alone) matches text set with
    U+2019, as it matches text typed with an ASCII apostrophe."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for name, apostrophe in (("typed.md", "'"), ("typeset.md", "\u2019")):
        (folder / name).write_text(f"# Household\n\nThe mother{apostrophe}s partner moved into the flat "
                                   "in March and nobody knew his history.\n", encoding="utf-8")
    with KnowledgeBase(Settings(data_dir=tmp_path / "data")) as kb:
        ingest(kb, [folder])
        evidence = {path.rsplit("/", 1)[-1]: fold(" ".join(json.loads(spans)))
                    for path, spans in kb.store.conn.execute(
                        "SELECT d.path, t.evidence FROM passage_themes t JOIN passages p ON p.id = "
                        "t.passage_id JOIN documents d ON d.id = p.document_id "
                        "WHERE t.theme_id = 'fathers-male-carers'")}
    assert "mother's partner" in evidence["typed.md"]
    assert "mother's partner" in evidence["typeset.md"]


def test_kb_search_prints_no_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Passages stored by an earlier version may still hold escape sequences."""
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "notes.md").write_text("# Notes\n\nThe referral was made by the school nurse.\n")
    data = tmp_path / "data"
    with KnowledgeBase(Settings(data_dir=data)) as kb:
        ingest(kb, [folder])
        kb.store.conn.execute("UPDATE documents SET title = 'Notes\x1b]0;owned\x07'")
        kb.store.conn.commit()
    assert main(["search", "referral", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "Notes]0;owned" in out and "\x1b" not in out and "\x07" not in out
