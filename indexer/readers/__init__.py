"""Read report files (PDF, Markdown, plain text, HTML, DOCX) into page-aware text blocks.

One module per format (``pdf``, ``markdown``, ``text``, ``html``, ``docx``), each with
``SUFFIXES`` and ``read(path)``. Every reader returns the same :class:`Extracted` shape: a
list of :class:`Block` (body paragraphs, list items, table rows and headings, in reading
order, each with the pages it sits on when the format has pages), the embedded metadata, and
the opening text of the document for metadata inference. A file that cannot be read raises
:class:`ExtractionError` with a reason a person understands. :func:`extract` picks the reader
by the file's suffix.
"""
from __future__ import annotations

from pathlib import Path

from kb.text import clean
from indexer.readers import docx, html, markdown, pdf, text
from indexer.readers.base import Block, Extracted, ExtractionError, Reader, squash

__all__ = ["Block", "Extracted", "ExtractionError", "Reader", "READERS", "SUPPORTED_SUFFIXES",
           "MAX_FILE_BYTES", "check_size", "extract", "unsupported"]

MAX_FILE_BYTES = 256 * 1024 * 1024  # far beyond any report; a bigger file is refused unread

#: The reader of each file suffix.
READERS: dict[str, Reader] = {suffix: module.read for module in (pdf, markdown, text, html, docx)
                              for suffix in module.SUFFIXES}
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
        text = squash(clean(block.text))
        if text:
            block.text = text
            blocks.append(block)
    extracted.blocks = blocks
    extracted.metadata = {key: squash(clean(value)) for key, value in extracted.metadata.items()}
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
