"""What every reader shares: the blocks a report is read into, the error a file that cannot be
read raises, and the small helpers on text every format uses.

A reader is a module of this package with ``SUFFIXES`` (the file names it reads) and
``read(path) -> Extracted``; ``indexer.readers`` picks one by the file's suffix.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: How much of a document's opening text is kept to infer its metadata from.
FIRST_TEXT_CHARS = 3000
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


def squash(text: str) -> str:
    """Runs of white space as one space, none at the ends."""
    return " ".join(text.split())


def opening(blocks: list[Block]) -> str:
    """The opening text of a document read into ``blocks``, for metadata inference."""
    return "\n".join(block.text for block in blocks)[:FIRST_TEXT_CHARS]


#: The function each reader module provides as ``read``.
Reader = Callable[[Path], Extracted]
