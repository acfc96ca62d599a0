"""Training packs: a collection as Markdown, DOCX, PDF or a printable HTML page.

Every export has a title page, the passages grouped by theme with the trainer's notes,
a full citation for every quotation (document title, publisher, year, page) and a list
of sources. A passage whose document has left the knowledge base stays, marked as
withdrawn. Passages from restricted documents are left out unless ``include_restricted``.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from xml.sax.saxutils import escape

import docx
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer

from kb.base import KnowledgeBase
from kb.collection import Collection, CollectionItem
from kb.model import KIND_LABELS

FORMATS: dict[str, tuple[str, str]] = {  # format: (file extension, media type)
    "md": ("md", "text/markdown; charset=utf-8"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "html": ("html", "text/html; charset=utf-8"),
    "pdf": ("pdf", "application/pdf"),
}
BINARY_FORMATS = ("docx", "pdf")
SUBTITLE = "A training pack of learning from safeguarding case reviews"
WITHDRAWN_NOTE = ("Withdrawn: this report is no longer in the knowledge base. "
                  "The quotation is kept as it was when it was added.")
UNTHEMED = "Other passages"
IN_ORDER = "Passages"
ORDER_SECTION = "\0order"  # the one section of a pack in the trainer's own order
TEMPLATES = Path(__file__).with_name("templates")
STYLESHEET = TEMPLATES / "training_pack.css"

_templates = Environment(loader=FileSystemLoader(TEMPLATES),
                         autoescape=select_autoescape(["html"]), trim_blocks=True,
                         lstrip_blocks=True)


#: Gives the address of a report's page (``passage_id`` None) or of a passage on it.
Link = Callable[[int, "int | None"], str]
SERVICE_NAME = "Safeguarding learning"
_PAGES = re.compile(r"\b(pp?)\. (\d+)(?:-(\d+))?")


def unbreakable_pages(text: str) -> str:
    """"p. 3" and "pp. 3-4" kept on one line: a no-break space and a non-breaking hyphen."""
    return _PAGES.sub(lambda m: f"{m[1]}.\u00a0{m[2]}" + (f"\u2011{m[3]}" if m[3] else ""), text)


@dataclass
class Source:
    """A report quoted in a pack."""

    number: int
    title: str
    publisher: str
    year: int | None
    kind: str
    scope: str
    withdrawn: bool  # every quotation from it is withdrawn
    url: str | None = None  # the report's page in the knowledge base, while it is there

    def __str__(self) -> str:
        kind = KIND_LABELS.get(self.kind, self.kind)
        parts = [self.title, self.publisher, str(self.year or "n.d."), f"{kind} ({self.scope})"]
        text = ". ".join(part for part in parts if part) + "."
        return text + " Withdrawn from the knowledge base." if self.withdrawn else text


@dataclass
class Quotation:
    """One passage of a pack, numbered in pack order."""

    number: int
    item: CollectionItem
    themes: list[str]  # the themes in force on it (as added, when withdrawn)
    source: Source
    url: str | None = None  # the passage in its report's page, while the report is there

    @property
    def citation(self) -> str:
        """Title, publisher, year and page; the section instead when the report has no pages."""
        citation = str(self.item.citation)
        if not self.item.citation.pages and self.item.heading_path:
            citation += f", section “{self.item.heading_path[-1]}”"
        return citation


@dataclass
class ThemeSection:
    theme_id: str | None  # None for passages with no theme
    label: str
    quotations: list[Quotation]


@dataclass
class TrainingPack:
    title: str
    exported_on: date
    sections: list[ThemeSection]
    sources: list[Source]
    author: str = SERVICE_NAME  # the trainer or partnership, named in the files' properties
    grouping: str = "theme"

    @property
    def quotations(self) -> list[Quotation]:
        return sorted((q for section in self.sections for q in section.quotations),
                      key=lambda quotation: quotation.number)

    @property
    def exported(self) -> str:
        """The day of export, as people write it (5 March 2025)."""
        return f"{self.exported_on.day} {self.exported_on:%B %Y}"

    @property
    def withdrawn(self) -> int:
        return sum(quotation.item.withdrawn for quotation in self.quotations)

    @property
    def summary(self) -> str:
        """What the pack holds, in a sentence."""
        count = len(self.quotations)
        grouped = "grouped by theme" if self.grouping == "theme" else "in the trainer's order"
        text = (f"{count} {'quotation' if count == 1 else 'quotations'} from "
                f"{len(self.sources)} {'report' if len(self.sources) == 1 else 'reports'}, "
                f"{grouped}, each with its citation.")
        if self.withdrawn:
            text += f" {self.withdrawn} of them {'is' if self.withdrawn == 1 else 'are'} withdrawn."
        return text


def training_pack(kb: KnowledgeBase, collection: Collection, include_restricted: bool = False,
                  exported_on: date | None = None, link: Link | None = None,
                  author: str = "") -> TrainingPack:
    """A collection's passages grouped as the trainer chose (``collection.grouping``): under the
    theme each shares most with the rest of the pack, the passages carrying
    ``collection.lead_theme`` first when one is chosen, sections in the order of their first
    passage; or in the trainer's own order. Sources are numbered in order of first appearance.
    ``link`` gives addresses of reports and passages still in the knowledge base; ``author``
    names the trainer or partnership."""
    items = collection.visible_items(include_restricted)
    live = {p.id: p.themes for p in kb.store.passages(
        passage_ids=[item.passage_id for item in items if item.passage_id is not None])}
    themes = [live.get(item.passage_id, item.themes) if item.passage_id is not None
              else item.themes for item in items]
    shared = Counter(theme for item_themes in themes for theme in item_themes)
    order = {theme_id: position for position, theme_id in enumerate(kb.taxonomy.ids)}
    lead = collection.lead_theme if collection.lead_theme in order else None
    sources: dict[tuple, Source] = {}
    sections: dict[str | None, ThemeSection] = {}
    if lead:
        sections[lead] = ThemeSection(lead, kb.taxonomy.label(lead), [])
    for number, (item, item_themes) in enumerate(zip(items, themes), start=1):
        key = (item.citation.title, item.citation.publisher, item.citation.year)
        source = sources.get(key)
        if source is None:
            source = sources[key] = Source(0, *key, kind=item.kind, scope=item.scope,
                                           withdrawn=True)
        source.withdrawn = source.withdrawn and item.withdrawn
        if link and item.document_id is not None:
            source.url = source.url or link(item.document_id, None)
        if collection.grouping == "order":
            leading = ORDER_SECTION
        elif lead in item_themes:
            leading = lead
        else:
            leading = min(item_themes, key=lambda t: (-shared[t], order.get(t, len(order)), t),
                          default=None)
        section = sections.get(leading)
        if section is None:
            label = (kb.taxonomy.label(leading) if leading not in (None, ORDER_SECTION)
                     else UNTHEMED if leading is None else IN_ORDER)
            section = sections[leading] = ThemeSection(
                None if leading == ORDER_SECTION else leading, label, [])
        url = link(item.document_id, item.passage_id) \
            if link and item.document_id is not None else None
        section.quotations.append(Quotation(number, item, item_themes, source, url))
    ordered_sections = sorted((s for s in sections.values() if s.quotations),
                              key=lambda s: s.theme_id is None and s.label == UNTHEMED)
    numbered: list[Source] = []
    for section in ordered_sections:
        for quotation in section.quotations:
            if quotation.source.number == 0:
                numbered.append(quotation.source)
                quotation.source.number = len(numbered)
    return TrainingPack(title=collection.name, exported_on=exported_on or date.today(),
                        sections=ordered_sections, sources=numbered,
                        author=author or SERVICE_NAME, grouping=collection.grouping)


def export(pack: TrainingPack, file_format: str) -> bytes:
    """The pack in ``file_format`` (a key of ``FORMATS``)."""
    if file_format == "md":
        return to_markdown(pack).encode()
    if file_format == "docx":
        return to_docx(pack)
    if file_format == "html":
        return to_html(pack).encode()
    if file_format == "pdf":
        return to_pdf(pack)
    raise ValueError(f"unknown export format {file_format!r}: use one of {', '.join(FORMATS)}")


def file_name(pack: TrainingPack, file_format: str) -> str:
    """A safe file name for the pack, from its title."""
    stem = re.sub(r"[^a-z0-9]+", "-", pack.title.lower()).strip("-")[:60] or "training-pack"
    return f"{stem}.{FORMATS[file_format][0]}"


# -- Markdown -----------------------------------------------------------------------
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def _md(text: str) -> str:
    """Text with Markdown's special characters escaped, so it reads as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def to_markdown(pack: TrainingPack) -> str:
    lines = [f"# {_md(pack.title)}", "", f"*{SUBTITLE}*", "",
             f"Exported on {pack.exported}. {pack.summary}", ""]
    for section in pack.sections:
        lines += [f"## {_md(section.label)}", ""]
        for quotation in section.quotations:
            item = quotation.item
            if item.withdrawn:
                lines += [f"**{WITHDRAWN_NOTE}**", ""]
            lines += [f"> {_md(line)}" if line.strip() else ">" for line in item.text.splitlines()]
            citation = f"— {_md(unbreakable_pages(quotation.citation))} [{quotation.source.number}]"
            if quotation.url:
                citation += f" ([in the report]({quotation.url}))"
            lines += ["", citation, ""]
            if item.note.strip():
                note = "\\\n".join(_md(line) for line in item.note.strip().splitlines())
                lines += [f"**Trainer's note:** {note}", ""]
    lines += ["## Sources", ""]
    lines += [f"{source.number}. {_md(str(source))}"
              + (f" [Report page]({source.url})" if source.url else "") for source in pack.sources]
    return "\n".join(lines) + "\n"


# -- DOCX ---------------------------------------------------------------------------
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _docx_text(text: str) -> str:
    """Text without the control characters a Word document (or a PDF paragraph) cannot hold."""
    return _NOT_IN_XML.sub("", text)


def to_docx(pack: TrainingPack) -> bytes:
    document = docx.Document()
    properties = document.core_properties
    properties.title = _docx_text(pack.title)
    properties.subject = SUBTITLE
    properties.author = properties.last_modified_by = _docx_text(pack.author)
    properties.category = "Training pack"
    properties.comments = f"Exported from {SERVICE_NAME} on {pack.exported}."
    properties.keywords = "; ".join(section.label for section in pack.sections)
    properties.created = properties.modified = datetime.now(timezone.utc).replace(microsecond=0)
    properties.revision = 1
    document.add_heading(_docx_text(pack.title), level=0)
    document.add_paragraph(SUBTITLE, style="Subtitle")
    document.add_paragraph(f"Exported on {pack.exported}. {pack.summary}")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for section in pack.sections:
        document.add_heading(_docx_text(section.label), level=1)
        for quotation in section.quotations:
            item = quotation.item
            if item.withdrawn:
                document.add_paragraph().add_run(WITHDRAWN_NOTE).bold = True
            document.add_paragraph(_docx_text(item.text), style="Quote")
            paragraph = document.add_paragraph(
                f"— {_docx_text(unbreakable_pages(quotation.citation))} "
                f"[{quotation.source.number}]")
            if quotation.url:
                _hyperlink(paragraph, quotation.url, " in the report")
            if item.note.strip():
                paragraph = document.add_paragraph()
                paragraph.add_run("Trainer's note: ").bold = True
                paragraph.add_run(_docx_text(item.note.strip()))
    document.add_heading("Sources", level=1)
    for source in pack.sources:
        paragraph = document.add_paragraph(f"[{source.number}] {_docx_text(str(source))}")
        if source.url:
            _hyperlink(paragraph, source.url, " Report page")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _hyperlink(paragraph, url: str, text: str) -> None:
    """A clickable link at the end of a Word paragraph (python-docx has no call for one)."""
    relation = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = OxmlElement("w:r")
    style = OxmlElement("w:rPr")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), "0A5A9C")
    style.extend([colour, underline])
    run.append(style)
    words = OxmlElement("w:t")
    words.text = text
    words.set(qn("xml:space"), "preserve")
    run.append(words)
    link.append(run)
    paragraph._p.append(link)


# -- PDF ----------------------------------------------------------------------------
def _pdf_text(text: str) -> str:
    """Text for a ReportLab paragraph (which reads markup): escaped, line breaks kept.
    The standard PDF fonts show Western European text; other characters show as boxes."""
    return escape(unbreakable_pages(_docx_text(text)).replace("\u2011", "-")).replace(
        "\n", "<br/>")


def to_pdf(pack: TrainingPack) -> bytes:
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    quote_style = ParagraphStyle("Quotation", parent=body, leftIndent=0.6 * cm,
                                 rightIndent=0.3 * cm, backColor="#f3f5f7", borderPadding=6,
                                 spaceBefore=8, spaceAfter=8)
    citation_style = ParagraphStyle("Citation", parent=body, leftIndent=0.6 * cm, fontSize=9)
    story = [Spacer(1, 4 * cm), Paragraph(_pdf_text(pack.title), styles["Title"]),
             Paragraph(SUBTITLE, styles["Heading3"]),
             Paragraph(f"Exported on {pack.exported}. {_pdf_text(pack.summary)}", body),
             PageBreak()]
    for section in pack.sections:
        story.append(Paragraph(_pdf_text(section.label), styles["Heading1"]))
        for quotation in section.quotations:
            item = quotation.item
            parts = [Paragraph(f"<b>{escape(WITHDRAWN_NOTE)}</b>", body)] if item.withdrawn else []
            citation = f"— {_pdf_text(quotation.citation)} [{quotation.source.number}]"
            if quotation.url:
                citation += f' <a href="{escape(quotation.url)}" color="#0a5a9c">in the report</a>'
            parts += [Paragraph(_pdf_text(item.text), quote_style),
                      Paragraph(citation, citation_style)]
            if item.note.strip():
                parts.append(Paragraph(f"<b>Trainer's note:</b> {_pdf_text(item.note.strip())}",
                                       citation_style))
            story += [KeepTogether(parts), Spacer(1, 0.3 * cm)]
    story.append(Paragraph("Sources", styles["Heading1"]))
    story += [Paragraph(f"[{source.number}] {_pdf_text(str(source))}" + (
        f' <a href="{escape(source.url)}" color="#0a5a9c">Report page</a>' if source.url else ""),
        body) for source in pack.sources]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=pack.title, subject=SUBTITLE,
                      author=pack.author, creator=SERVICE_NAME,
                      leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
                      bottomMargin=2 * cm).build(story)
    return buffer.getvalue()


# -- HTML ---------------------------------------------------------------------------
def to_html(pack: TrainingPack, stylesheet: str | None = None,
            back: tuple[str, str] | None = None, script: str | None = None) -> str:
    """A printable page. With ``stylesheet`` (an address) it links that stylesheet, else it
    carries its own styles so the file stands alone; ``back`` is a link (address, text)
    shown above the pack on screen, with a Print button that ``script`` (an address) makes
    work."""
    return _templates.get_template("training_pack.html").render(
        pack=pack, stylesheet=stylesheet, back=back, script=script, subtitle=SUBTITLE,
        pages=unbreakable_pages,
        withdrawn_note=WITHDRAWN_NOTE,
        embedded_styles=None if stylesheet else Markup(STYLESHEET.read_text(encoding="utf-8")))
