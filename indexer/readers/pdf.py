"""PDF files, read with pypdf: each page's text from the better of pypdf's two extractions, in
reading order (``indexer.readers.pdf_layout``: columns, pull quotes, tables), without running
headers, footers and page numbers, with headings from the fonts and paragraphs carried over
page breaks; scanned pages (no text layer) are counted, a scanned document refused."""
from __future__ import annotations

import io
import logging
import re
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from indexer.readers.base import BULLET, FIRST_TEXT_CHARS, Block, Extracted, ExtractionError, squash
from indexer.readers.lines import (
    GLYPH_BULLET, SENTENCE_END, HeadingLeveller, blocks_from_plain_lines, join_lines,
    known_hyphenations,
)
from indexer.readers.pdf_layout import (
    join_broken_paragraphs, reading_order, strip_margin_marks, table_lines, table_rows,
)

logging.getLogger("pypdf").setLevel(logging.ERROR)

SUFFIXES = (".pdf",)

RUNNING_MARKS = re.compile(
    r"^(?:page\s*#+(?:\s*(?:of|/)\s*#+)?|#+(?:\s*(?:of|/)\s*#+)?|-\s*#+\s*-|"
    r"(?:official|official[- ]sensitive|not protectively marked|restricted|confidential|draft)"
    r"(?:\s*[-:]\s*\w+)?)$")
EDGE_LINES = 3
MIN_CARRIED_WORDS = 8  # a shorter block ending a page is a stand-alone line, not a wrapped paragraph


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", squash(line).lower())


def _is_running_mark(line: str) -> bool:
    key = _edge_key(line)
    return bool(RUNNING_MARKS.match(key)) or all(
        RUNNING_MARKS.match(cell) for cell in re.split(r" {3,}", key) if cell)


# Parts of a running header: "Child W review | Findings", "Annual report – 2019", or a left and a
# right part set apart by a wide gap.
RUNNING_PART_SEPARATOR = re.compile(r"\s*[|–—•·]\s*|\s+-\s+| {3,}")
MAX_RUNNING_PARTS, MAX_RUNNING_WORDS = 4, 16
OPENING_QUOTES, CLOSING_QUOTES = ("“", "‘", '"', "'"), ("”", "’", '"', "'")
MIN_CONSECUTIVE_PAGES = 3  # a line repeated at the same page edge this often is a running line


def _running_parts(line: str) -> list[str]:
    """The first and last parts of a line split at a running-header separator ([] if it has none).

    A running line has a few parts ("Child W review | Findings | 12"); a justified line of prose
    has wide gaps too, but many of them and many words, and is never a running line.
    """
    parts = [squash(part).lower() for part in RUNNING_PART_SEPARATOR.split(line.strip())]
    parts = [part for part in parts if part]
    if len(parts) > MAX_RUNNING_PARTS or len(line.split()) > MAX_RUNNING_WORDS:
        return []
    return [parts[0], parts[-1]] if len(parts) > 1 else []


def _strip_running_lines(pages: list[list[str]],
                         is_heading: Callable[[str], bool] = lambda line: False) -> list[list[str]]:
    """Drop running headers, footers, page numbers and protective markings at page edges.

    An edge line goes when it repeats on at least half the pages, is a page number or marking,
    shares its first or last part ("Child W review | <chapter>") with the same edge of half the
    pages, or repeats at the same edge position on several pages in a row. ``is_heading`` keeps
    lines whose font marks them as headings from the last two rules.
    """
    def edges(lines: list[str]) -> dict[int, tuple[str, int]]:
        """Index of each edge line -> (side, position from that side)."""
        filled = [i for i, line in enumerate(lines) if line.strip()]
        found = {i: ("bottom", k) for k, i in enumerate(reversed(filled[-EDGE_LINES:]))}
        found.update({i: ("top", k) for k, i in enumerate(filled[:EDGE_LINES])})
        return found

    page_edges = [edges(lines) for lines in pages]
    counts: Counter[str] = Counter()
    part_counts: Counter[tuple[str, str]] = Counter()
    for lines, found in zip(pages, page_edges):
        counts.update({_edge_key(lines[i]) for i in found})
        part_counts.update({(side, part) for i, (side, _) in found.items() for part in _running_parts(lines[i])})
    half = max(2, len(pages) / 2)
    repeated = {key for key, n in counts.items() if n >= half}
    repeated_parts = {key for key, n in part_counts.items() if n >= half}

    # (side, position, key) of edge lines, page by page, to find runs over consecutive pages
    placed = [{(side, k, _edge_key(lines[i])) for i, (side, k) in found.items()}
              for lines, found in zip(pages, page_edges)]
    in_run: list[set[tuple[str, int, str]]] = [set() for _ in pages]
    for number, here in enumerate(placed):
        for place in here:
            run = number
            while run < len(pages) and place in placed[run]:
                run += 1
            if run - number >= MIN_CONSECUTIVE_PAGES:
                for page in range(number, run):
                    in_run[page].add(place)

    cleaned = []
    for number, (lines, found) in enumerate(zip(pages, page_edges)):
        drop = set()
        for i, (side, k) in found.items():
            line = lines[i]
            if _edge_key(line) in repeated or _is_running_mark(line):
                drop.add(i)
            elif not is_heading(line) and (
                    any((side, part) in repeated_parts for part in _running_parts(line))
                    or (side, k, _edge_key(line)) in in_run[number]):
                drop.add(i)
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned


@dataclass
class _FontLine:
    size: float
    bold: bool


def _page_fonts(page) -> tuple[dict[str, _FontLine], Counter[float], str]:
    """The font of every whole text line on a page, character counts by font size, and the
    page's text as pypdf's plain extraction reads it."""
    lines: dict[str, _FontLine] = {}
    sizes: Counter[float] = Counter()

    def visit(text, cm, tm, font_dict, font_size) -> None:
        squashed = squash(text)
        if not squashed:
            return
        scale = abs(tm[3] * cm[3]) or 1.0
        size = round(font_size * scale, 1)
        name = str(font_dict.get("/BaseFont", "")) if font_dict else ""
        sizes[size] += len(squashed)
        lines.setdefault(squashed, _FontLine(size, bool(re.search(r"bold|black|heavy", name, re.I))))

    plain = page.extract_text(visitor_text=visit)
    return lines, sizes, plain


@dataclass
class _PdfPage:
    lines: list[str]
    fonts: dict[str, _FontLine]


class _PdfLayout:
    """Turns the layout text of PDF pages into blocks."""

    def __init__(self, pages: list[_PdfPage], body_size: float) -> None:
        self.pages = pages
        self.keep_hyphen = known_hyphenations(line for page in pages for line in page.lines)
        self.leveller = HeadingLeveller()
        heading_sizes = {font.size for page in pages for font in page.fonts.values()
                         if self._is_heading_font(font, body_size)}
        later = {font.size for page in pages[1:] for font in page.fonts.values()
                 if self._is_heading_font(font, body_size)} or heading_sizes
        ranked = sorted(later, reverse=True)
        self.size_level = {size: (ranked.index(size) + 1 if size in ranked else 1) for size in heading_sizes}
        self.table_rows: set[int] = set()  # ids of blocks made from table rows

    @staticmethod
    def _is_heading_font(font: _FontLine, body_size: float) -> bool:
        return font.size > body_size * 1.02 and (font.bold or font.size >= body_size * 1.2)

    def _font_level(self, line: str, fonts: dict[str, _FontLine]) -> int:
        font = fonts.get(squash(line))
        if font and font.size in self.size_level:
            return self.size_level[font.size]
        return 0

    def blocks(self) -> list[Block]:
        blocks: list[Block] = []
        for number, page in enumerate(self.pages, start=1):
            page_blocks = self._page_blocks(page, number)
            if blocks and page_blocks and self._continues(blocks[-1], page_blocks[0]):
                carried = page_blocks.pop(0)
                blocks[-1].text = join_lines(blocks[-1].text, carried.text, self.keep_hyphen)
                blocks[-1].page_end = number
            blocks.extend(page_blocks)
        return blocks

    def _continues(self, previous: Block, following: Block) -> bool:
        """A body paragraph cut by a page break continues on the next page."""
        return (previous.heading_level == 0 and following.heading_level == 0
                and not {id(previous), id(following)} & self.table_rows
                and len(previous.text.split()) >= MIN_CARRIED_WORDS
                and not following.text.startswith(BULLET)
                and not SENTENCE_END.search(previous.text.rstrip("-"))
                and not previous.text.endswith(":"))

    def _page_blocks(self, page: _PdfPage, number: int) -> list[Block]:
        uses_fonts = bool(self.size_level)
        blocks: list[Block] = []
        plain: list[str] = []
        table: list[str] = []
        open_heading: Block | None = None  # a heading that the next line may continue

        def flush_plain() -> None:
            if plain:
                leveller = self.leveller if not uses_fonts else _NoHeadings()
                blocks.extend(blocks_from_plain_lines(plain, number, leveller, self.keep_hyphen))
                plain.clear()

        def flush_table() -> None:
            if table:
                rows = [Block(row, number, number) for row in
                        table_rows(table, lambda first, second: join_lines(first, second, self.keep_hyphen))]
                self.table_rows.update(id(row) for row in rows)
                blocks.extend(rows)
                table.clear()

        in_table = table_lines(page.lines, lambda line: bool(GLYPH_BULLET.match(line)))
        in_quote = False  # a pull quote set in a heading's font is a quotation, not a section
        for index, line in enumerate(page.lines):
            level = self._font_level(line, page.fonts) if uses_fonts and line.strip() else 0
            if level and (in_quote or line.lstrip().startswith(OPENING_QUOTES)):
                in_quote = not squash(line).endswith(CLOSING_QUOTES)
                level = 0
            if level:
                flush_plain()
                flush_table()
                if open_heading is not None and open_heading.heading_level == level:
                    open_heading.text = f"{open_heading.text} {squash(line)}"
                else:
                    open_heading = Block(squash(line), number, number, level)
                    blocks.append(open_heading)
                continue
            open_heading = None
            if index in in_table:
                flush_plain()
                table.append(line)
            else:
                flush_table()
                plain.append(line)
        flush_plain()
        flush_table()
        return blocks


class _NoHeadings(HeadingLeveller):
    """Used when the PDF's fonts already mark its headings."""

    def level(self, line: str) -> int:
        return 0


def _pdf_info(reader: PdfReader) -> dict[str, str]:
    info = reader.metadata or {}
    metadata = {key: squash(str(info.get(name) or "")) for key, name in
                (("title", "/Title"), ("author", "/Author"), ("subject", "/Subject"))}
    created = re.match(r"D:(\d{4})", str(info.get("/CreationDate") or ""))
    if created:
        metadata["created"] = created.group(1)
    return {key: value for key, value in metadata.items() if value}


NOT_A_PDF = ("not a PDF file: its content is not a PDF (perhaps a web page or another kind of "
             "document saved with a .pdf name); open it and save it as PDF, then index it again")
NEEDS_PASSWORD = ("encrypted PDF: a password is needed to open it; open it with the password, save "
                  "a copy without one, and index that copy")
DAMAGED_PDF = ("damaged PDF: the file is broken or incomplete (perhaps cut short while downloading); "
               "download it again, or open it and save it as PDF again")
NO_PAGES = ("damaged PDF: no pages could be read from it; download it again, or open it and save "
            "it as PDF again")
SCANNED = ("no text layer: scanned documents need OCR, which is not supported; the pages are "
           "images of text: run the file through OCR (most PDF tools can) and index the result")
LAYOUT_SCALE = 1.5      # pypdf layout mode's character grid, fine enough to keep word gaps
LAYOUT_SHORTFALL = 0.75  # a page's layout text with fewer words than this share of its plain text


def _missing_dependency(error: DependencyError) -> ExtractionError:
    """What pypdf lacks to read the file, named as it is: AES decryption or another decoder."""
    message = str(error)
    if "AES" in message or "cryptography" in message:
        return ExtractionError(
            "encrypted PDF (AES) cannot be decrypted: the 'cryptography' package is missing; "
            "reinstall the knowledge base with its dependencies (pip install -e .)", message)
    decoder = re.match(r"[\w.-]+", message)
    name = decoder.group(0) if decoder else "a decoder"
    return ExtractionError(
        f"the PDF is compressed with a method that needs an optional decoder which is not "
        f"installed ({name}); install {name}, or open the PDF and save it again", message)


def _damaged(error: Exception) -> ExtractionError:
    return ExtractionError(DAMAGED_PDF, f"{type(error).__name__}: {error}")


def _open_pdf(path: Path) -> PdfReader:
    data = path.read_bytes()
    if b"%PDF-" not in data[:1024]:
        raise ExtractionError(NOT_A_PDF)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise ExtractionError(NEEDS_PASSWORD)
        if not reader.pages:
            raise ExtractionError(NO_PAGES)
    except ExtractionError:
        raise
    except DependencyError as error:
        raise _missing_dependency(error) from error
    except Exception as error:  # pypdf raises many exception types for broken files
        raise _damaged(error) from error
    return reader


def _words(text: str) -> int:
    return len(text.split())


def _page_text(page) -> tuple[list[str], dict[str, _FontLine], Counter[float]]:
    """A page's lines, from the better of pypdf's two extractions, with its fonts.

    Layout mode keeps where words stand (columns, tables); where it gives much less text than
    plain mode, or fails on the page, plain mode's text is used. A page neither reads raises.
    """
    failure: Exception | None = None
    try:
        fonts, sizes, plain = _page_fonts(page)
    except DependencyError:
        raise
    except Exception as error:  # a font or stream plain mode cannot decode
        fonts, sizes, plain, failure = {}, Counter(), "", error
    try:
        layout = page.extract_text(extraction_mode="layout", layout_mode_scale_weight=LAYOUT_SCALE)
    except DependencyError:
        raise
    except Exception as error:
        if failure is not None:
            raise _damaged(error) from error
        layout = ""
    text = plain if _words(layout) < LAYOUT_SHORTFALL * _words(plain) else layout
    return text.split("\n"), fonts, sizes


def read(path: Path) -> Extracted:
    """Read a PDF file into blocks, page by page."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = _open_pdf(path)
        try:
            texts, fonts, sizes = [], [], Counter()
            for page in reader.pages:
                lines, page_fonts, page_sizes = _page_text(page)
                texts.append(lines)
                fonts.append(page_fonts)
                sizes.update(page_sizes)
            metadata = _pdf_info(reader)
        except ExtractionError:
            raise
        except DependencyError as error:  # AES streams are decrypted only as pages are read
            raise _missing_dependency(error) from error
        except Exception as error:  # a page stream or font that pypdf cannot decode
            raise _damaged(error) from error
    missing = sum(1 for lines in texts if not any(line.strip() for line in lines))
    if missing == len(texts):
        raise ExtractionError(SCANNED)
    body_size = sizes.most_common(1)[0][0] if sizes else 0.0

    line_fonts: dict[str, _FontLine] = {}
    for page_fonts in fonts:
        for line, font in page_fonts.items():
            line_fonts.setdefault(line, font)

    def is_heading(line: str) -> bool:
        font = line_fonts.get(squash(line))
        return font is not None and _PdfLayout._is_heading_font(font, body_size)

    pages = [_PdfPage(join_broken_paragraphs(reading_order(strip_margin_marks(lines))), page_fonts)
             for lines, page_fonts in zip(_strip_running_lines(texts, is_heading), fonts)]
    blocks = _PdfLayout(pages, body_size).blocks()
    opening = "\n".join(squash(line) for page in pages for line in page.lines if line.strip())
    return Extracted(blocks, len(pages), "pdf", metadata, opening[:FIRST_TEXT_CHARS],
                     pages_without_text=missing)
