"""Read report files (PDF, Markdown, plain text, HTML, DOCX) into page-aware text blocks.

Every reader returns the same :class:`Extracted` shape: a list of :class:`Block`
(body paragraphs, list items, table rows and headings, in reading order, each
with the pages it sits on when the format has pages), the embedded metadata,
and the opening text of the document for metadata inference. A file that cannot
be read raises :class:`ExtractionError` with a reason a person understands.
"""
from __future__ import annotations

import io
import logging
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from bs4 import BeautifulSoup, NavigableString, Tag
from markdown_it import MarkdownIt
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from kb.text import clean
from indexer.pdf_layout import (
    join_broken_paragraphs, reading_order, strip_margin_marks, table_lines, table_rows,
)

logging.getLogger("pypdf").setLevel(logging.ERROR)

FIRST_TEXT_CHARS = 3000
MAX_DOCX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_FILE_BYTES = 256 * 1024 * 1024  # far beyond any report; a bigger file is refused unread
MAX_DOCX_MEMBER_RATIO = 200  # uncompressed / compressed size of a single large member
BULLET = "• "


@dataclass
class Block:
    text: str
    page_start: int | None = None   # 1-based page, None for formats without pages
    page_end: int | None = None
    heading_level: int = 0          # 0 = body paragraph, 1.. = heading level


@dataclass
class Extracted:
    blocks: list[Block]
    page_count: int                 # 0 for formats without pages
    file_type: str                  # "pdf", "md", "txt", "html", "docx"
    metadata: dict[str, str] = field(default_factory=dict)
    first_page_text: str = ""
    pages_without_text: int = 0     # pages that gave no text (scanned pages, images of text)


class ExtractionError(Exception):
    """A file that cannot be read; str(error) is a reason a person understands (what is wrong
    with the file and what to do), ``detail`` the reader library's own message, for the log."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.detail = detail


# ---------------------------------------------------------------- shared text rules

GLYPH_BULLET = re.compile(r"^\s*[\x7f•▪◦●○■□‣⁃∙·*–—-]\s+")
NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+[A-Z]")
LABELLED_HEADING = re.compile(r"^(?:Recommendation|Finding|Learning point|Key finding|Theme|Priority|Part|"
                              r"Section|Appendix|Annex)\s+\w{1,4}[.:]?(?:\s|$)", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?…:;,]['\"’”)]*$")
HYPHENATED_WORD = re.compile(r"\b([A-Za-z]+)-([A-Za-z]+)\b")
MINOR_WORDS = frozenset("a an and as at by for from in into of on or the to with".split())


def _squash(text: str) -> str:
    return " ".join(text.split())


def heading_level_of(line: str) -> int:
    """Level a stand-alone line would have as a heading (0 when it reads like body text).

    Numbered sections take their depth ("4." -> 1, "4.2" -> 2); other heading-like
    lines (labelled "Recommendation 3", short title-case lines) return -1 so the
    caller can place them below the current numbered level.
    """
    text = _squash(line)
    words = text.split()
    if not words or len(words) > 14 or len(text) > 120 or SENTENCE_END.search(text):
        return 0
    numbered = NUMBERED_HEADING.match(text)
    if numbered:
        return numbered.group(1).count(".") + 1 if not re.fullmatch(r"[\d.,%\s]+", text) else 0
    if LABELLED_HEADING.match(text):
        return -1
    capitalised = sum(1 for w in words if w[0].isupper() or w[0].isdigit() or w.lower() in MINOR_WORDS)
    if words[0][0].isupper() and len(words) <= 10 and capitalised == len(words):
        return -1
    return 0


class _HeadingLeveller:
    """Gives heuristic headings a level: numbered depth, or one below the last numbered one."""

    def __init__(self) -> None:
        self.numbered_level = 0

    def level(self, line: str) -> int:
        level = heading_level_of(line)
        if level > 0:
            self.numbered_level = level
            return level
        if level < 0:
            return self.numbered_level + 1
        return 0


def _known_hyphenations(lines: Iterable[str]) -> set[str]:
    """Hyphenated words written whole on one line somewhere in the document."""
    return {match.group(0).lower() for line in lines for match in HYPHENATED_WORD.finditer(line)}


def _join_lines(first: str, second: str, keep_hyphen: set[str]) -> str:
    """Join two wrapped lines, undoing a hyphen added at the line break."""
    first, second = first.rstrip(), second.strip()
    if not first:
        return second
    hyphen = re.search(r"([A-Za-z]+)-$", first)
    if hyphen and second[:1].islower():
        following = re.match(r"[A-Za-z]+", second)
        compound = f"{hyphen.group(1)}-{following.group(0) if following else ''}".lower()
        if compound in keep_hyphen:
            return first + second
        return first[:-1] + second
    return f"{first} {second}"


def _is_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls > max(2, len(text) // 1000)


# Windows-1252 is accepted only for text that reads as Western European: Latin-1 letters, and
# the punctuation and signs such text uses. Other 8-bit encodings (KOI8-R, ISO-8859-2, Windows-1251
# ...) also decode as Windows-1252 without error, but into nonsense that must not be indexed.
CP1252_LETTERS = frozenset(chr(c) for c in range(0xC0, 0x100) if chr(c) not in "×÷") | frozenset("ŒœŠšŽžŸ")
CP1252_SIGNS = frozenset("‘’‚“”„–—…•·£€¢¥©®™°§¶†‡‰‹›«»¡¿ªº½¼¾¹²³±×÷µ´\xa0\xad")
# Signs that may sit between two letters in real text (don’t, mother—who, l·l); any other sign
# there is a letter of another encoding ("Przegl±d" is Polish "Przegląd" in ISO-8859-2).
CP1252_JOINERS = frozenset("‘’“”–—·…\xa0\xad")
MAX_CP1252_LETTER_RUN = 2   # "créée", "Größe"; Cyrillic or Greek read as Latin-1 gives whole words
MAX_CP1252_SHARE = 0.25     # of the non-space characters, once there are a few
# Bytes that form UTF-8 sequences: a file made mostly of them is UTF-8 with a stray byte, and
# reading it as Windows-1252 would turn every "é" into "Ã©".
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
NOT_TEXT = ("not a text file: it holds binary data (perhaps another kind of file with a text "
            "file's name); check that it is the report, and save it as text, PDF or DOCX")
NOT_UTF8 = ("not a text file: the encoding is neither UTF-8 nor Windows-1252 (Western European); "
            "save it as UTF-8 and index it again")


def _plausible_cp1252(text: str) -> bool:
    """Whether text decoded as Windows-1252 reads like Western European text."""
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if any(ch not in CP1252_LETTERS and ch not in CP1252_SIGNS for ch in non_ascii):
        return False
    visible = sum(1 for ch in text if not ch.isspace())
    if len(non_ascii) >= 10 and len(non_ascii) > MAX_CP1252_SHARE * visible:
        return False
    run = 0
    for index, ch in enumerate(text):
        run = run + 1 if ch in CP1252_LETTERS else 0
        if run > MAX_CP1252_LETTER_RUN:
            return False
        if ch in CP1252_SIGNS and ch not in CP1252_JOINERS and 0 < index < len(text) - 1 \
                and text[index - 1].isalpha() and text[index + 1].isalpha():
            return False
    return True


def _read_text(path: Path) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with a BOM, or Western European
    Windows-1252; binary and other encodings are refused."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ExtractionError("not a text file: its UTF-16 text is damaged; open it and save it as "
                                  "UTF-8 text, then index it again", str(error)) from error
    elif b"\x00" in data[:8192]:
        raise ExtractionError(NOT_TEXT)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as error:
                raise ExtractionError(NOT_UTF8) from error
            sequences = UTF8_SEQUENCE.findall(data)
            if len(sequences) > 1 and sum(map(len, sequences)) * 2 > sum(1 for byte in data if byte > 127):
                raise ExtractionError(NOT_UTF8)
            if not _is_binary(text) and not _plausible_cp1252(text):
                raise ExtractionError(NOT_UTF8) from None
    if _is_binary(text):
        raise ExtractionError(NOT_TEXT)
    return clean(text)  # before parsing: a stray control character is no syntax error


def _blocks_from_plain_lines(lines: list[str], page: int | None, leveller: _HeadingLeveller,
                             keep_hyphen: set[str]) -> list[Block]:
    """Paragraphs from wrapped lines: blank lines and list markers start new blocks."""
    blocks: list[Block] = []
    current: list[str] = []

    def flush() -> None:
        if not current:
            return
        text = current[0]
        for line in current[1:]:
            text = _join_lines(text, line, keep_hyphen)
        level = leveller.level(text) if len(current) == 1 and not text.startswith(BULLET) else 0
        blocks.append(Block(_squash(text), page, page, level))
        current.clear()

    for line in lines:
        if not line.strip():
            flush()
        elif GLYPH_BULLET.match(line):
            flush()
            current.append(BULLET + GLYPH_BULLET.sub("", line, count=1).strip())
        else:
            current.append(line)
    flush()
    return blocks


# ---------------------------------------------------------------- PDF

RUNNING_MARKS = re.compile(
    r"^(?:page\s*#+(?:\s*(?:of|/)\s*#+)?|#+(?:\s*(?:of|/)\s*#+)?|-\s*#+\s*-|"
    r"(?:official|official[- ]sensitive|not protectively marked|restricted|confidential|draft)"
    r"(?:\s*[-:]\s*\w+)?)$")
EDGE_LINES = 3
MIN_CARRIED_WORDS = 8  # a shorter block ending a page is a stand-alone line, not a wrapped paragraph


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", _squash(line).lower())


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
    parts = [_squash(part).lower() for part in RUNNING_PART_SEPARATOR.split(line.strip())]
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
        squashed = _squash(text)
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
        self.keep_hyphen = _known_hyphenations(line for page in pages for line in page.lines)
        self.leveller = _HeadingLeveller()
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
        font = fonts.get(_squash(line))
        if font and font.size in self.size_level:
            return self.size_level[font.size]
        return 0

    def blocks(self) -> list[Block]:
        blocks: list[Block] = []
        for number, page in enumerate(self.pages, start=1):
            page_blocks = self._page_blocks(page, number)
            if blocks and page_blocks and self._continues(blocks[-1], page_blocks[0]):
                carried = page_blocks.pop(0)
                blocks[-1].text = _join_lines(blocks[-1].text, carried.text, self.keep_hyphen)
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
                blocks.extend(_blocks_from_plain_lines(plain, number, leveller, self.keep_hyphen))
                plain.clear()

        def flush_table() -> None:
            if table:
                rows = [Block(row, number, number) for row in
                        table_rows(table, lambda first, second: _join_lines(first, second, self.keep_hyphen))]
                self.table_rows.update(id(row) for row in rows)
                blocks.extend(rows)
                table.clear()

        in_table = table_lines(page.lines, lambda line: bool(GLYPH_BULLET.match(line)))
        in_quote = False  # a pull quote set in a heading's font is a quotation, not a section
        for index, line in enumerate(page.lines):
            level = self._font_level(line, page.fonts) if uses_fonts and line.strip() else 0
            if level and (in_quote or line.lstrip().startswith(OPENING_QUOTES)):
                in_quote = not _squash(line).endswith(CLOSING_QUOTES)
                level = 0
            if level:
                flush_plain()
                flush_table()
                if open_heading is not None and open_heading.heading_level == level:
                    open_heading.text = f"{open_heading.text} {_squash(line)}"
                else:
                    open_heading = Block(_squash(line), number, number, level)
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


class _NoHeadings(_HeadingLeveller):
    """Used when the PDF's fonts already mark its headings."""

    def level(self, line: str) -> int:
        return 0


def _pdf_info(reader: PdfReader) -> dict[str, str]:
    info = reader.metadata or {}
    metadata = {key: _squash(str(info.get(name) or "")) for key, name in
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
PAGES_WITHOUT_TEXT = "{missing} of {pages} pages gave no text: scanned pages need OCR"
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


def _extract_pdf(path: Path) -> Extracted:
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
        font = line_fonts.get(_squash(line))
        return font is not None and _PdfLayout._is_heading_font(font, body_size)

    pages = [_PdfPage(join_broken_paragraphs(reading_order(strip_margin_marks(lines))), page_fonts)
             for lines, page_fonts in zip(_strip_running_lines(texts, is_heading), fonts)]
    blocks = _PdfLayout(pages, body_size).blocks()
    opening = "\n".join(_squash(line) for page in pages for line in page.lines if line.strip())
    return Extracted(blocks, len(pages), "pdf", metadata, opening[:FIRST_TEXT_CHARS],
                     pages_without_text=missing)


# ---------------------------------------------------------------- Markdown

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise ExtractionError("front matter is not valid YAML: correct the block between the --- lines "
                              "at the top of the file, or remove it", str(error)) from error
    if not isinstance(data, dict):
        return {}, text[match.end():]
    # Only plain values: a list or mapping is never metadata, and its text can be made to
    # explode (a "billion laughs" of YAML aliases).
    metadata = {str(key).lower(): _squash(str(value)) for key, value in data.items()
                if isinstance(value, (str, int, float, date))}
    return metadata, text[match.end():]


def _inline_text(token) -> str:
    """Visible text of a markdown-it inline token, without emphasis or link markup."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return _squash("".join(parts))


def _extract_markdown(path: Path) -> Extracted:
    metadata, body = _front_matter(_read_text(path))
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    blocks: list[Block] = []
    in_list = 0
    row: list[str] = []
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and any(row):
            blocks.append(Block(" | ".join(row)))
        elif token.type == "inline":
            opener = tokens[index - 1]
            text = _inline_text(token)
            if not text:
                continue
            if opener.type == "heading_open":
                blocks.append(Block(text, heading_level=int(opener.tag[1])))
            elif opener.type in ("th_open", "td_open"):
                row.append(text)
            else:
                blocks.append(Block(BULLET + text if in_list else text))
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(Block(token.content.strip()))
    return Extracted(blocks, 0, "md", metadata, _opening(blocks))


def _opening(blocks: list[Block]) -> str:
    return "\n".join(block.text for block in blocks)[:FIRST_TEXT_CHARS]


# ---------------------------------------------------------------- plain text

def _extract_text(path: Path) -> Extracted:
    lines = _read_text(path).split("\n")
    blocks = _blocks_from_plain_lines(lines, None, _HeadingLeveller(), _known_hyphenations(lines))
    return Extracted(blocks, 0, "txt", {}, _opening(blocks))


# ---------------------------------------------------------------- HTML

HTML_HIDDEN = ("script", "style", "nav", "head", "title", "noscript", "template", "svg", "form", "button",
               "iframe", "object", "canvas", "audio", "video")  # the last five: fallback text
HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "tr", "pre", "blockquote", "dt", "dd",
               "figcaption", "caption")
# Elements that flow inside a line of text; any other element (div, section, td ...) ends the
# loose text before it, which then becomes a block of its own.
HTML_INLINE = frozenset("a abbr acronym b bdi bdo big br cite code data del dfn em font i img ins kbd "
                        "label mark q s samp small span strike strong sub sup time tt u var wbr".split())
HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse))\b", re.I)


def _html_hidden(element: Tag) -> bool:
    """An element a reader never sees: hidden, display:none, visibility:hidden or aria-hidden."""
    if element.attrs is None:
        return False
    hidden = element.get("hidden")
    return ((hidden is not None and str(hidden).lower() != "until-found")
            or bool(HIDDEN_STYLE.search(str(element.get("style") or "")))
            or str(element.get("aria-hidden") or "").strip().lower() == "true")


def _html_block(element: Tag) -> Block | None:
    if element.name == "tr":
        text = " | ".join(_squash(cell.get_text(" ")) for cell in element.find_all(["th", "td"]))
    else:
        text = _squash(element.get_text(" "))
    text = re.sub(r" ([,.;:!?])", r"\1", text)
    if not text:
        return None
    if element.name[0] == "h" and element.name[1:].isdigit():
        return Block(text, heading_level=int(element.name[1]))
    return Block(BULLET + text if element.name == "li" else text)


def _html_blocks(container: Tag) -> Iterator[Block]:
    """Blocks of an element in reading order: block elements, and loose text between them."""
    loose: list[str] = []

    def flush() -> Iterator[Block]:
        text = re.sub(r" ([,.;:!?])", r"\1", _squash(" ".join(loose)))
        loose.clear()
        if text:
            yield Block(text)

    for child in container.children:
        if isinstance(child, Tag):
            if child.name in HTML_BLOCKS:
                yield from flush()
                block = _html_block(child)
                if block:
                    yield block
            elif child.name in HTML_INLINE and not child.find(HTML_BLOCKS):
                loose.append(child.get_text(" "))
            else:
                yield from flush()
                yield from _html_blocks(child)
        elif type(child) is NavigableString:  # not a comment, CDATA or doctype
            loose.append(str(child))
    yield from flush()


def _extract_html(path: Path) -> Extracted:
    soup = BeautifulSoup(_read_text(path), "html.parser")
    metadata: dict[str, str] = {}
    if soup.title and soup.title.get_text(strip=True):
        metadata["title"] = _squash(soup.title.get_text())
    author = soup.find("meta", attrs={"name": "author"})
    if author and author.get("content"):
        metadata["author"] = _squash(author["content"])
    for hidden in soup.find_all(HTML_HIDDEN):
        hidden.decompose()
    for hidden in soup.find_all(_html_hidden):
        if not hidden.decomposed:
            hidden.decompose()
    blocks = list(_html_blocks(soup))
    return Extracted(blocks, 0, "html", metadata, _opening(blocks))


# ---------------------------------------------------------------- DOCX

def _check_docx_archive(path: Path) -> None:
    """Refuse files that are not zip archives, or that would unpack to something huge."""
    if not zipfile.is_zipfile(path):
        raise ExtractionError(f"not a DOCX file: it is not a zip archive{NOT_DOCX_ACTION}")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise ExtractionError(DAMAGED_DOCX, str(error)) from error
    total = sum(member.file_size for member in members)
    if total > MAX_DOCX_UNPACKED_BYTES:
        raise ExtractionError(f"DOCX would unpack to {total // 2**20} MB, more than the "
                              f"{MAX_DOCX_UNPACKED_BYTES // 2**20} MB limit (possible zip bomb), so it was "
                              "not opened; if it is a real report, save it as PDF and index that")
    for member in members:
        if member.file_size > 2**20 and member.file_size > MAX_DOCX_MEMBER_RATIO * max(member.compress_size, 1):
            raise ExtractionError(f"DOCX member {member.filename} is compressed more than "
                                  f"{MAX_DOCX_MEMBER_RATIO} to 1 (possible zip bomb), so it was not "
                                  "opened; if it is a real report, save it as PDF and index that")
    if "word/document.xml" not in {member.filename for member in members}:
        raise ExtractionError(f"not a DOCX file: word/document.xml is missing{NOT_DOCX_ACTION}")


NOT_DOCX_ACTION = ("; it may be an old .doc file or another file renamed: open it in Word and save "
                   "it as .docx")
DAMAGED_DOCX = ("damaged DOCX: the file is broken or incomplete; open it in Word (or another editor) "
                "and save it again")


# Elements that only wrap content: a content control's w:sdtContent holds what it shows, the others
# hold their runs (or paragraphs, tables, rows, cells) directly. w:del and w:moveFrom are not shown.
DOCX_WRAPPERS = frozenset({"hyperlink", "ins", "moveTo", "smartTag", "customXml", "fldSimple", "sdtContent"})


def _docx_name(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _docx_children(element, names: frozenset[str] | set[str]) -> Iterator:
    """Children named in `names` in document order, looking through content controls and wrappers."""
    for child in element.iterchildren():
        name = _docx_name(child)
        if name in names:
            yield child
        elif name == "sdt" or name in DOCX_WRAPPERS:
            yield from _docx_children(child, names)


def _docx_paragraph_text(p) -> str:
    """Text of a w:p, including runs in content controls, hyperlinks and tracked insertions."""
    return "".join(run.text for run in _docx_children(p, {"r"}))


def _docx_cell_text(tc) -> str:
    texts = []
    for child in _docx_children(tc, {"p", "tbl"}):
        if _docx_name(child) == "p":
            texts.append(_docx_paragraph_text(child))
        else:
            texts.extend(" | ".join(row) for row in _docx_table_rows(child))
    return _squash(" ".join(texts))


def _docx_table_rows(tbl) -> Iterator[list[str]]:
    """The cell texts of each row; a cell merged with the one above repeats its text."""
    above: dict[int, str] = {}
    for tr in _docx_children(tbl, {"tr"}):
        row: list[str] = []
        here: dict[int, str] = {}
        column = 0
        for tc in _docx_children(tr, {"tc"}):
            text = above.get(column, "") if tc.vMerge == "continue" else _docx_cell_text(tc)
            row.append(text)
            here[column] = text
            column += tc.grid_span
        above = here
        yield row


def _docx_items(document) -> Iterator[tuple[str, object]]:
    """Paragraphs and tables of a document body in order, including those in content controls."""
    from docx.text.paragraph import Paragraph

    for child in _docx_children(document.element.body, {"p", "tbl"}):
        if _docx_name(child) == "p":
            yield "p", Paragraph(child, document)
        else:
            yield "table", child


def _docx_style_level(style_name: str) -> int:
    if style_name == "Title":
        return 1
    match = re.match(r"Heading (\d)", style_name)
    return int(match.group(1)) if match else 0


def _extract_docx(path: Path) -> Extracted:
    import docx

    _check_docx_archive(path)
    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx and lxml raise many types for broken packages
        raise ExtractionError(DAMAGED_DOCX, f"{type(error).__name__}: {error}") from error
    blocks: list[Block] = []
    for kind, item in _docx_items(document):
        if kind == "table":
            for row in _docx_table_rows(item):
                cells = list(dict.fromkeys(row))
                if any(cells):
                    blocks.append(Block(" | ".join(cells)))
            continue
        text = _squash(_docx_paragraph_text(item._p))
        if not text:
            continue
        style = item.style.name if item.style is not None else ""
        level = _docx_style_level(style)
        is_list = style.startswith("List") or item._p.pPr is not None and item._p.pPr.numPr is not None
        blocks.append(Block(BULLET + text if is_list and not level else text, heading_level=level))
    properties = document.core_properties
    metadata = {key: _squash(value or "") for key, value in
                (("title", properties.title), ("author", properties.author))}
    if properties.created:
        metadata["created"] = str(properties.created.year)
    return Extracted(blocks, 0, "docx", {k: v for k, v in metadata.items() if v}, _opening(blocks))


# ---------------------------------------------------------------- entry point

READERS: dict[str, Callable[[Path], Extracted]] = {
    ".pdf": _extract_pdf,
    ".md": _extract_markdown,
    ".markdown": _extract_markdown,
    ".txt": _extract_text,
    ".html": _extract_html,
    ".htm": _extract_html,
    ".docx": _extract_docx,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(READERS)


def unsupported(suffix: str) -> str:
    """The reason given for a file of a type no reader reads."""
    return (f"unsupported file type {suffix or '(no extension)'}: the knowledge base reads PDF, "
            "Markdown, text, HTML and DOCX files; save it in one of those formats")


def extract(path: Path) -> Extracted:
    """Read one report file into blocks; raises ExtractionError for files that cannot be read.

    Every reader's text comes out cleaned (``kb.text.clean``: NFKC, so ligature glyphs are
    letters; no soft hyphens, zero-width or control characters), and so does its metadata.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise ExtractionError(unsupported(suffix))
    check_size(path)
    return _cleaned(reader(path))


def _cleaned(extracted: Extracted) -> Extracted:
    blocks = []
    for block in extracted.blocks:
        text = _squash(clean(block.text))
        if text:
            block.text = text
            blocks.append(block)
    extracted.blocks = blocks
    extracted.metadata = {key: _squash(clean(value)) for key, value in extracted.metadata.items()}
    extracted.first_page_text = clean(extracted.first_page_text)
    return extracted


def check_size(path: Path) -> None:
    """Refuse a file that cannot be opened, is empty, or is too large to be a report."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ExtractionError(f"cannot open file: {error.strerror}; check that it is there and that "
                              "you may read it") from error
    if size == 0:
        raise ExtractionError("empty file: it holds nothing (0 bytes); copy or download it again")
    if size > MAX_FILE_BYTES:
        raise ExtractionError(f"too large: {size >> 20} MB, more than the {MAX_FILE_BYTES >> 20} MB "
                              "a report may be; save a smaller copy (without its images, or in parts) "
                              "and index that")
