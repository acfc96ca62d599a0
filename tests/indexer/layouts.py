"""Report layouts for the extraction fidelity harness: Markdown sources rendered as PDFs the way
partnerships' designers set their reports (reportlab).

Layouts (``LAYOUTS``): ``single-column`` (set word by word as desktop publishing and word
processors write PDFs: justified, two spaces after a full stop, words hyphenated at line ends,
running header, "Page N of M" footer),
``two-column`` (justified, a TrueType font, typographic quotes, fi/fl ligature glyphs, words
hyphenated at line ends), ``table`` (single column with the source's tables drawn as ruled
tables, cells wrapping over several lines), ``text-box`` (single column where the body text flows
round a boxed pull quote) and ``three-column`` (a different page size, margins and font size:
kept out of tuning, reported as the untuned figure).

Run ``python -m tests.indexer.layouts OUT_DIR`` to write every layout into ``OUT_DIR/<layout>/``
for ``kb eval extraction OUT_DIR/<layout> --source tests/data/fidelity``.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from markdown_it import MarkdownIt
from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle,
)

SOURCES = Path(__file__).resolve().parent.parent / "data" / "fidelity"
FONTS = Path(reportlab.__file__).resolve().parent / "fonts"  # Bitstream Vera ships with reportlab
pdfmetrics.registerFont(TTFont("Vera", str(FONTS / "Vera.ttf")))
pdfmetrics.registerFont(TTFont("Vera-Bold", str(FONTS / "VeraBd.ttf")))

#: Which sources each layout renders (the table layout takes the sources with tables).
LAYOUT_SOURCES = {
    "single-column": ["2020-calder-vale-rapid-review-child-k", "2022-calder-vale-cspr-siblings-r"],
    "two-column": ["2021-national-thematic-review-men-in-babies-lives", "2025-ashby-cspr-baby-o",
                   "2017-northmoor-scr-baby-t"],
    "table": ["2021-calder-vale-cspr-jayden", "2023-westbridge-annual-report-2022-23"],
    "text-box": ["2024-ashby-cspr-child-p", "2020-calder-vale-rapid-review-child-k"],
    "three-column": ["2018-westbridge-annual-report-2017-18", "2022-calder-vale-cspr-siblings-r"],
}
LAYOUTS = tuple(LAYOUT_SOURCES)


@dataclass
class _Item:
    kind: str  # heading, paragraph, bullet, table
    text: str = ""
    level: int = 0
    rows: list[list[str]] | None = None


def read_source(path: Path) -> tuple[str, list[_Item]]:
    """The title (front matter) and the body items of a Markdown source."""
    text = path.read_text(encoding="utf-8")
    title = re.search(r'^title:\s*"?(.*?)"?\s*$', text, re.M).group(1)
    body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    items: list[_Item] = []
    rows: list[list[str]] = []
    in_list = 0
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif token.type == "table_open":
            rows = []
        elif token.type == "tr_open":
            rows.append([])
        elif token.type == "table_close":
            items.append(_Item("table", rows=rows))
        elif token.type == "inline":
            content = "".join(child.content for child in token.children or []
                              if child.type in ("text", "code_inline"))
            opener = tokens[index - 1]
            if opener.type in ("th_open", "td_open"):
                rows[-1].append(content)
            elif opener.type == "heading_open":
                items.append(_Item("heading", content, int(opener.tag[1])))
            else:
                items.append(_Item("bullet" if in_list else "paragraph", content))
    return title, items


# ---------------------------------------------------------------- typography

def typographic(text: str) -> str:
    """Curly quotes and apostrophes, and fi/fl set as ligature glyphs, as a designer's report has."""
    text = re.sub(r"(?<=\w)'", "\u2019", text)
    text = re.sub(r"'", "\u2018", text)
    text = re.sub(r'"(?=\w)', "\u201c", text)
    text = text.replace('"', "\u201d")
    return text.replace("fi", "\ufb01").replace("fl", "\ufb02")


def hyphenate(word: str):
    """Break points for reportlab's hyphenation: any split leaving 3 letters on each side."""
    for split in range(len(word) - 3, 2, -1):
        yield word[:split], word[split:]


class _NumberedCanvas(pdf_canvas.Canvas):
    """Draws the running header and a "Page N of M" footer once the page count is known."""

    header = ""
    header_font = ("Helvetica", 8)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            width, height = self._pagesize
            self.setFont(*self.header_font)
            if self._pageNumber > 1:
                self.drawString(2 * cm, height - 1.3 * cm, self.header)
            self.drawCentredString(width / 2, 1.2 * cm, f"Page {self._pageNumber} of {total}")
            self.drawRightString(width - 2 * cm, 1.2 * cm, "OFFICIAL")
            super().showPage()
        super().save()


def _canvas_for(title: str, font: tuple[str, float]) -> type[_NumberedCanvas]:
    return type("RunningCanvas", (_NumberedCanvas,), {"header": title, "header_font": font})


# ---------------------------------------------------------------- styles and story

@dataclass
class _Design:
    pagesize: tuple[float, float]
    margin: float
    columns: int
    gutter: float
    font: str
    bold: str
    size: float
    typographic: bool = False
    hyphenated: bool = False
    text_box: bool = False
    word_by_word: bool = False  # set by _WordSetter instead of reportlab's paragraphs


DESIGNS = {
    "single-column": _Design(A4, 2.5 * cm, 1, 0, "Times-Roman", "Times-Bold", 11, word_by_word=True),
    "two-column": _Design(A4, 1.8 * cm, 2, 0.8 * cm, "Vera", "Vera-Bold", 9,
                          typographic=True, hyphenated=True),
    "table": _Design(A4, 2.2 * cm, 1, 0, "Helvetica", "Helvetica-Bold", 10),
    "text-box": _Design(A4, 2.5 * cm, 1, 0, "Times-Roman", "Times-Bold", 11, text_box=True),
    "three-column": _Design(letter, 1.3 * cm, 3, 0.5 * cm, "Times-Roman", "Times-Bold", 8,
                            hyphenated=True),
}


def _styles(design: _Design) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=design.font, fontSize=design.size,
                          leading=design.size * 1.3, alignment=TA_JUSTIFY, spaceAfter=design.size * 0.6,
                          hyphenationLang=hyphenate if design.hyphenated else "",
                          embeddedHyphenation=0, uriWasteReduce=0)
    return {
        "body": body,
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=3),
        "cell": ParagraphStyle("cell", parent=body, alignment=TA_LEFT, spaceAfter=0,
                               fontSize=design.size * 0.9, leading=design.size * 1.1),
        "title": ParagraphStyle("title", fontName=design.bold, fontSize=design.size * 2.2,
                                leading=design.size * 2.6, spaceAfter=design.size * 2),
        1: ParagraphStyle("h1", fontName=design.bold, fontSize=design.size * 1.7,
                          leading=design.size * 2.1, spaceBefore=design.size, spaceAfter=design.size * 0.6),
        2: ParagraphStyle("h2", fontName=design.bold, fontSize=design.size * 1.4,
                          leading=design.size * 1.8, spaceBefore=design.size, spaceAfter=design.size * 0.5),
        3: ParagraphStyle("h3", fontName=design.bold, fontSize=design.size * 1.15,
                          leading=design.size * 1.5, spaceBefore=design.size * 0.8,
                          spaceAfter=design.size * 0.4),
    }


def _story(items: list[_Item], design: _Design, width: float) -> list:
    styles = _styles(design)

    def markup(text: str) -> str:
        return escape(typographic(text) if design.typographic else text)

    story: list = []
    for item in items:
        if item.kind == "heading":
            style = styles["title"] if item.level == 1 else styles[min(item.level, 3)]
            story.append(Paragraph(markup(item.text), style))
        elif item.kind == "paragraph":
            story.append(Paragraph(markup(item.text), styles["body"]))
        elif item.kind == "bullet":
            story.append(Paragraph(markup(item.text), styles["bullet"], bulletText="\u2022"))
        elif item.kind == "table":
            columns = len(item.rows[0])
            cells = [[Paragraph(markup(cell), styles["cell"]) for cell in row] for row in item.rows]
            first = 0.22 if columns > 2 else 0.3
            widths = [width * first] + [width * (1 - first) / (columns - 1)] * (columns - 1)
            table = Table(cells, colWidths=widths, repeatRows=1)
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]))
            story += [table, Spacer(1, design.size)]
    return story


# ---------------------------------------------------------------- page templates

def _frames(design: _Design, with_box: bool) -> list[Frame]:
    width, height = design.pagesize
    inner_width = width - 2 * design.margin
    top, bottom = height - design.margin, design.margin
    if with_box:  # body text flows above, beside and below a pull quote at the right
        band_top, band_bottom = top - 0.35 * (top - bottom), top - 0.6 * (top - bottom)
        narrow = inner_width * 0.6
        return [Frame(design.margin, band_top, inner_width, top - band_top, id="above"),
                Frame(design.margin, band_bottom, narrow, band_top - band_bottom, id="beside"),
                Frame(design.margin, bottom, inner_width, band_bottom - bottom, id="below")]
    column = (inner_width - design.gutter * (design.columns - 1)) / design.columns
    return [Frame(design.margin + i * (column + design.gutter), bottom, column, top - bottom, id=f"c{i}")
            for i in range(design.columns)]


def _pull_quote(quotes: list[str], design: _Design):
    """Draws a boxed pull quote (a sentence of the report) beside the narrow band of the page."""
    style = ParagraphStyle("quote", fontName=design.bold, fontSize=design.size * 1.25,
                           leading=design.size * 1.6, textColor=colors.darkblue)

    def draw(canvas, document) -> None:
        if not quotes:
            return
        width, height = design.pagesize
        inner = width - 2 * design.margin
        top, bottom = height - design.margin, design.margin
        band_top, band_bottom = top - 0.35 * (top - bottom), top - 0.6 * (top - bottom)
        x, box_width = design.margin + inner * 0.64, inner * 0.36
        quote = Paragraph(escape(f"\u201c{quotes.pop(0)}\u201d"), style)
        _, quote_height = quote.wrap(box_width - 16, band_top - band_bottom)
        y = band_top - 10 - quote_height
        canvas.saveState()
        canvas.setStrokeColor(colors.darkblue)
        canvas.rect(x, y - 8, box_width, quote_height + 16)
        quote.drawOn(canvas, x + 8, y)
        canvas.restoreState()
    return draw


class _WordSetter:
    """Sets a report word by word, the way desktop publishing and word processors write PDFs: each
    word placed on its own, justified lines with the spare width spread between the words, two
    spaces after a full stop, long words hyphenated at line ends, a running header and a
    "Page N of M" footer."""

    def __init__(self, design: _Design, title: str) -> None:
        self.design, self.title = design, title
        self.width, self.height = design.pagesize
        self.measure = self.width - 2 * design.margin
        self.pages: list[list[tuple[str, float, float, float, str]]] = [[]]  # (font, size, x, y, text)
        self.y = self.height - design.margin

    def _space(self, font: str, size: float) -> float:
        return pdfmetrics.stringWidth(" ", font, size)

    def _advance(self, leading: float) -> None:
        self.y -= leading
        if self.y < self.design.margin:
            self.pages.append([])
            self.y = self.height - self.design.margin - leading

    def _lines(self, words: list[str], font: str, size: float, width: float) -> list[list[str]]:
        space = self._space(font, size)
        lines: list[list[str]] = [[]]
        used = 0.0
        queue = list(words)
        while queue:
            word = queue.pop(0)
            word_width = pdfmetrics.stringWidth(word, font, size)
            gap = space * (2 if lines[-1] and lines[-1][-1].endswith(".") else 1) if lines[-1] else 0
            if used + gap + word_width <= width:
                lines[-1].append(word)
                used += gap + word_width
                continue
            room = width - used - gap
            head = next((head for head, _ in hyphenate(word) if word.isalpha() and room > width * 0.05
                         and pdfmetrics.stringWidth(head + "-", font, size) <= room), None)
            if head:
                lines[-1].append(head + "-")
                queue.insert(0, word[len(head):])
            else:
                queue.insert(0, word)
            lines.append([])
            used = 0.0
        return [line for line in lines if line]

    def _set(self, words: list[str], font: str, size: float, indent: float = 0.0,
             justify: bool = True, bullet: bool = False) -> None:
        leading = size * 1.3
        width = self.measure - indent
        lines = self._lines(words, font, size, width)
        space = self._space(font, size)
        for number, line in enumerate(lines):
            self._advance(leading)
            x = self.design.margin + indent
            if bullet and number == 0:
                self.pages[-1].append((font, size, x - 10, self.y, "\u2022"))
            widths = [pdfmetrics.stringWidth(word, font, size) for word in line]
            gaps = [space * (2 if word.endswith(".") else 1) for word in line[:-1]]
            last = number == len(lines) - 1
            if justify and not last and gaps:
                extra = (width - sum(widths) - sum(gaps)) / len(gaps)
                gaps = [gap + extra for gap in gaps]
            for word, word_width, gap in zip(line, widths, gaps + [0.0]):
                self.pages[-1].append((font, size, x, self.y, word))
                x += word_width + gap
        self.y -= size * 0.7

    def add(self, item: _Item) -> None:
        design = self.design
        if item.kind == "heading":
            size = design.size * {1: 2.0, 2: 1.4}.get(item.level, 1.15)
            self.y -= design.size * 0.6
            self._set(item.text.split(), design.bold, size, justify=False)
        elif item.kind == "paragraph":
            self._set(item.text.split(), design.font, design.size)
        elif item.kind == "bullet":
            self._set(item.text.split(), design.font, design.size, indent=16, bullet=True)

    def save(self, path: Path) -> None:
        canvas = pdf_canvas.Canvas(str(path), pagesize=self.design.pagesize)
        canvas.setTitle(self.title)
        canvas.setAuthor("Report designer")
        for number, ops in enumerate(self.pages, start=1):
            canvas.setFont("Helvetica", 8)
            if number > 1:
                canvas.drawString(2 * cm, self.height - 1.3 * cm, self.title)
            canvas.drawCentredString(self.width / 2, 1.2 * cm, f"Page {number} of {len(self.pages)}")
            canvas.drawRightString(self.width - 2 * cm, 1.2 * cm, "OFFICIAL")
            for font, size, x, y, text in ops:
                canvas.setFont(font, size)
                canvas.drawString(x, y, text)
            canvas.showPage()
        canvas.save()


def render(source: Path, layout: str, path: Path) -> None:
    """Render one Markdown source in one layout."""
    design = DESIGNS[layout]
    if design.word_by_word:
        title, items = read_source(source)
        setter = _WordSetter(design, title)
        for item in items:
            setter.add(item)
        setter.save(path)
        return
    title, items = read_source(source)
    template = BaseDocTemplate(str(path), pagesize=design.pagesize, title=title,
                               author="Report designer", leftMargin=design.margin,
                               rightMargin=design.margin, topMargin=design.margin,
                               bottomMargin=design.margin)
    frames = _frames(design, design.text_box)
    template_options = {}
    if design.text_box:
        sentences = [s for item in items if item.kind == "paragraph"
                     for s in re.split(r"(?<=\.) ", item.text) if 8 <= len(s.split()) <= 22]
        template_options["onPage"] = _pull_quote(sentences[::3], design)
    template.addPageTemplates([PageTemplate(id="page", frames=frames, **template_options)])
    story = _story(items, design, frames[0].width - 12)
    template.build(story, canvasmaker=_canvas_for(title, ("Helvetica", 8)))


def render_layout(layout: str, folder: Path) -> list[Path]:
    """Render the layout's sources into ``folder``; the PDFs are named after their sources."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in LAYOUT_SOURCES[layout]:
        path = folder / f"{name}.pdf"
        render(SOURCES / f"{name}.md", layout, path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "fidelity-pdfs")
    for name in LAYOUTS:
        render_layout(name, out / name)
        print(out / name)
