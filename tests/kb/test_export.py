"""Training packs from a collection over the sample corpus: every export opened and every
quotation's citation checked against the catalogue; withdrawn and restricted passages."""
from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from kb.base import KnowledgeBase
from kb.collection import add_passage, create_collection, get_collection
from kb.export import (
    WITHDRAWN_NOTE, export, file_name, to_docx, to_html, to_markdown, to_pdf, training_pack,
)
from kb.model import Passage
from kb.settings import Settings
from tests.catalogue import catalogue

HOSTILE_NOTE = "Ask: <script>alert(1)</script> *why* [link](javascript:x)\nThen discuss in pairs."


@pytest.fixture
def writable_kb(writable_corpus_data: Path) -> KnowledgeBase:
    with KnowledgeBase(Settings(data_dir=writable_corpus_data)) as kb:
        yield kb


@pytest.fixture
def collected(writable_kb: KnowledgeBase) -> dict:
    """A collection of passages from four reports: three on fathers from one report (one with a
    hostile note), one from a report then removed (withdrawn), one from a report then restricted."""
    store = writable_kb.store
    documents = [d for d in store.documents() if d.passage_count]
    fathers = next(d for d in documents if sum(
        "fathers-male-carers" in p.themes for p in store.passages(document_id=d.id)) >= 3)
    withdrawn, restricted = [d for d in documents if d.id != fathers.id][:2]
    chosen: list[Passage] = [p for p in store.passages(document_id=fathers.id)
                             if "fathers-male-carers" in p.themes][:3]
    chosen += [store.passages(document_id=withdrawn.id)[0], store.passages(document_id=restricted.id)[0]]
    collection_id = create_collection(store, "Seeing the men: a session for health visitors")
    for number, passage in enumerate(chosen):
        add_passage(store, collection_id, passage, store.document(passage.document_id),
                    note=HOSTILE_NOTE if number == 0 else f"Note {number}")
    store.remove_source(withdrawn.path)
    store.set_restricted(restricted.id, True)
    return {"collection_id": collection_id, "passages": chosen, "withdrawn": withdrawn,
            "restricted": restricted}


def expected_citation(kb: KnowledgeBase, passage: Passage, path: str) -> str:
    """Title, publisher and year from the catalogue, pages from the passage (its section when
    the report has no pages)."""
    entry = catalogue()[path.rsplit("/", 1)[-1]]
    if passage.page_start is None:
        place = f"section “{passage.heading_path[-1]}”"
    elif passage.page_end and passage.page_end != passage.page_start:
        place = f"pp. {passage.page_start}-{passage.page_end}"
    else:
        place = f"p. {passage.page_start}"
    return f"{entry.title}, {entry.publisher}, {entry.year}, {place}"


def expected_quotations(kb: KnowledgeBase, collected: dict, include_restricted: bool
                        ) -> list[tuple[str, str, str]]:
    """(text, citation, note) of each passage the pack should hold, in collection order."""
    paths = {p.document_id: collected[key].path for key in ("withdrawn", "restricted")
             for p in collected["passages"] if p.document_id == collected[key].id}
    found = []
    for number, passage in enumerate(collected["passages"]):
        if passage.document_id == collected["restricted"].id and not include_restricted:
            continue
        path = paths.get(passage.document_id) or kb.store.document(passage.document_id).path
        found.append((passage.text, expected_citation(kb, passage, path),
                      HOSTILE_NOTE if number == 0 else f"Note {number}"))
    return found


def pack_of(kb: KnowledgeBase, collected: dict, include_restricted: bool = False):
    collection = get_collection(kb.store, collected["collection_id"])
    return training_pack(kb, collection, include_restricted=include_restricted)


def test_passages_are_grouped_by_the_theme_they_share(writable_kb: KnowledgeBase,
                                                      collected: dict) -> None:
    pack = pack_of(writable_kb, collected, include_restricted=True)
    assert pack.sections[0].label == "Fathers and male carers"
    assert [q.item.text for q in pack.sections[0].quotations] == \
        [p.text for p in collected["passages"][:3]]
    assert sorted(q.number for q in pack.quotations) == list(range(1, 6))
    for section in pack.sections:
        assert all(section.theme_id in q.themes if section.theme_id else not q.themes
                   for q in section.quotations)
    assert pack.withdrawn == 1 and "1 of them is withdrawn" in pack.summary


def test_markdown_cites_every_quotation_and_lists_its_sources(writable_kb: KnowledgeBase,
                                                              collected: dict) -> None:
    pack = pack_of(writable_kb, collected)
    text = to_markdown(pack)
    plain = readable(re.sub(r"\\(.)", r"\1", text))  # Markdown escapes removed: the words as written
    assert plain.startswith(f"# {pack.title}\n")
    expected = expected_quotations(writable_kb, collected, include_restricted=False)
    assert len(expected) == 4
    for passage_text, citation, note in expected:
        quoted = "\n".join(f"> {line}" for line in passage_text.splitlines())
        assert quoted in plain
        source = next(s for s in pack.sources if citation.startswith(s.title))
        assert f"{quoted}\n\n— {citation} [{source.number}]" in plain
        assert f"**Trainer's note:** {note.splitlines()[0]}" in plain
    assert "<script>" not in text and r"\<script\>" in text, "notes are escaped"
    withdrawn_text = next(p.text for p in collected["passages"]
                          if p.document_id == collected["withdrawn"].id)
    assert f"**{WITHDRAWN_NOTE}**\n\n> {withdrawn_text.splitlines()[0]}" in plain
    sources = plain.split("## Sources\n\n", 1)[1].splitlines()
    assert len(sources) == len(pack.sources) == 2, "the restricted report is left out"
    assert collected["restricted"].meta.title not in plain


def test_docx_opens_and_cites_every_quotation(writable_kb: KnowledgeBase, collected: dict) -> None:
    pack = pack_of(writable_kb, collected)
    document = docx.Document(io.BytesIO(to_docx(pack)))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs[0] == ("Title", pack.title)
    assert document.core_properties.title == pack.title
    headings = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings == [section.label for section in pack.sections] + ["Sources"]
    quotes = [i for i, (style, _) in enumerate(paragraphs) if style == "Quote"]
    expected = expected_quotations(writable_kb, collected, include_restricted=False)
    assert [paragraphs[i][1] for i in quotes] == [q.item.text for q in
                                                  sorted(pack.quotations, key=_section_order(pack))]
    by_text = {text: (citation, note) for text, citation, note in expected}
    sources = [text for style, text in paragraphs[paragraphs.index(("Heading 1", "Sources")):]
               if text.startswith("[")]
    for index in quotes:
        citation, note = by_text[paragraphs[index][1]]
        cited = readable(paragraphs[index + 1][1])
        assert cited.startswith(f"— {citation} [")
        number = cited.rsplit("[", 1)[1].rstrip("]")
        assert sources[int(number) - 1].startswith(f"[{number}] {citation.split(', ')[0]}")
        assert paragraphs[index + 2][1] == f"Trainer's note: {note}"
    withdrawn_text = next(p.text for p in collected["passages"]
                          if p.document_id == collected["withdrawn"].id)
    assert paragraphs[paragraphs.index(("Quote", withdrawn_text)) - 1][1] == WITHDRAWN_NOTE
    assert len(sources) == 2


def readable(text: str) -> str:
    """Text with the no-break space and hyphen that keep "p. 3" on one line made plain."""
    return text.replace("\u00a0", " ").replace("\u2011", "-")


def _section_order(pack):
    """Quotations in the order the pack prints them: section by section."""
    order = {q.number: i for i, q in enumerate(q for s in pack.sections for q in s.quotations)}
    return lambda quotation: order[quotation.number]


def test_html_is_a_printable_page_citing_every_quotation(writable_kb: KnowledgeBase,
                                                         collected: dict) -> None:
    pack = pack_of(writable_kb, collected)
    page = BeautifulSoup(to_html(pack), "html.parser")
    assert page.html["lang"] == "en-GB" and page.h1.get_text() == pack.title
    assert page.style and not page.find("link"), "a downloaded page carries its own styles"
    figures = page.select("figure.quotation")
    expected = {text: (citation, note) for text, citation, note in
                expected_quotations(writable_kb, collected, include_restricted=False)}
    assert len(figures) == len(expected) == 4
    for figure in figures:
        citation, note = expected[figure.blockquote.get_text()]
        assert readable(figure.cite.get_text()) == citation
        number = figure.figcaption.a["href"].removeprefix("#source-")
        assert page.find(id=f"source-{number}").get_text().startswith(citation.split(", ")[0])
        assert figure.find("p", class_="note").get_text() == f"Trainer's note: {note}"
    assert not page.find("script"), "notes are text, never markup"
    assert len(page.select("figure.withdrawn")) == 1
    assert WITHDRAWN_NOTE in page.select_one("figure.withdrawn").get_text()
    linked = BeautifulSoup(to_html(pack, stylesheet="/pack.css", back=("/c/1", "Back")), "html.parser")
    assert linked.find("link")["href"] == "/pack.css" and not linked.style
    assert linked.nav.a["href"] == "/c/1"


def pdf_text(data: bytes) -> str:
    """The words of a PDF, with its line breaks read as spaces."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
                    .split())


def test_pdf_opens_with_a_title_page_and_cites_every_quotation(writable_kb: KnowledgeBase,
                                                                collected: dict) -> None:
    pack = pack_of(writable_kb, collected)
    data = to_pdf(pack)
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == pack.title
    first_page = " ".join(reader.pages[0].extract_text().split())
    assert pack.title in first_page and "Trainer's note" not in first_page, "a title page"
    text = pdf_text(data)
    for passage_text, citation, note in expected_quotations(writable_kb, collected,
                                                            include_restricted=False):
        assert " ".join(passage_text.split())[:80] in text
        source = next(s for s in pack.sources if citation.startswith(s.title))
        assert f"— {citation} [{source.number}]" in text
        assert f"Trainer's note: {' '.join(note.split())}" in text
    assert WITHDRAWN_NOTE in text
    assert text.count("Sources") == 1 and "[2] " in text.split("Sources")[-1]
    assert collected["restricted"].meta.title not in text


def test_restricted_passages_are_exported_only_for_those_with_access(
        writable_kb: KnowledgeBase, collected: dict) -> None:
    title = collected["restricted"].meta.title
    restricted_text = collected["passages"][-1].text
    for file_format in ("md", "html"):
        hidden = export(pack_of(writable_kb, collected), file_format).decode()
        shown = export(pack_of(writable_kb, collected, include_restricted=True), file_format).decode()
        assert title not in hidden and restricted_text[:60] not in hidden
        assert title in shown
    hidden_docx = docx.Document(io.BytesIO(export(pack_of(writable_kb, collected), "docx")))
    assert all(title not in p.text for p in hidden_docx.paragraphs)
    shown_docx = docx.Document(io.BytesIO(export(
        pack_of(writable_kb, collected, include_restricted=True), "docx")))
    assert any(p.text == restricted_text for p in shown_docx.paragraphs)
    assert title not in pdf_text(export(pack_of(writable_kb, collected), "pdf"))
    assert title in pdf_text(export(pack_of(writable_kb, collected, include_restricted=True), "pdf"))


def test_file_names_come_from_the_title_and_formats_are_checked(
        writable_kb: KnowledgeBase, collected: dict) -> None:
    pack = pack_of(writable_kb, collected)
    assert file_name(pack, "docx") == "seeing-the-men-a-session-for-health-visitors.docx"
    with pytest.raises(ValueError, match="unknown export format"):
        export(pack, "odt")
