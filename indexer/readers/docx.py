"""DOCX files: paragraphs, lists and tables in document order (content controls and tracked
insertions included), headings from the styles; archives that would unpack to something huge
are refused unopened."""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from indexer.readers.base import BULLET, Block, Extracted, ExtractionError, opening, squash

SUFFIXES = (".docx",)
MAX_DOCX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_DOCX_MEMBER_RATIO = 200  # uncompressed / compressed size of a single large member


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
    return squash(" ".join(texts))


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


def read(path: Path) -> Extracted:
    """Read a DOCX file into blocks."""
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
        text = squash(_docx_paragraph_text(item._p))
        if not text:
            continue
        style = item.style.name if item.style is not None else ""
        level = _docx_style_level(style)
        is_list = style.startswith("List") or item._p.pPr is not None and item._p.pPr.numPr is not None
        blocks.append(Block(BULLET + text if is_list and not level else text, heading_level=level))
    properties = document.core_properties
    metadata = {key: squash(value or "") for key, value in
                (("title", properties.title), ("author", properties.author))}
    if properties.created:
        metadata["created"] = str(properties.created.year)
    return Extracted(blocks, 0, "docx", {k: v for k, v in metadata.items() if v}, opening(blocks))
