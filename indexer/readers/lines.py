"""Wrapped lines of text into paragraphs, list items and headings: the rules plain text and
PDF pages share (a heading's level, a hyphen added at a line break, a bullet starting an item).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from indexer.readers.base import BULLET, Block, squash

GLYPH_BULLET = re.compile(r"^\s*[\x7f•▪◦●○■□‣⁃∙·*–—-]\s+")
NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+[A-Z]")
LABELLED_HEADING = re.compile(r"^(?:Recommendation|Finding|Learning point|Key finding|Theme|Priority|Part|"
                              r"Section|Appendix|Annex)\s+\w{1,4}[.:]?(?:\s|$)", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?…:;,]['\"’”)]*$")
HYPHENATED_WORD = re.compile(r"\b([A-Za-z]+)-([A-Za-z]+)\b")
MINOR_WORDS = frozenset("a an and as at by for from in into of on or the to with".split())


def heading_level_of(line: str) -> int:
    """Level a stand-alone line would have as a heading (0 when it reads like body text).

    Numbered sections take their depth ("4." -> 1, "4.2" -> 2); other heading-like
    lines (labelled "Recommendation 3", short title-case lines) return -1 so the
    caller can place them below the current numbered level.
    """
    text = squash(line)
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


class HeadingLeveller:
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


def known_hyphenations(lines: Iterable[str]) -> set[str]:
    """Hyphenated words written whole on one line somewhere in the document."""
    return {match.group(0).lower() for line in lines for match in HYPHENATED_WORD.finditer(line)}


def join_lines(first: str, second: str, keep_hyphen: set[str]) -> str:
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


def blocks_from_plain_lines(lines: list[str], page: int | None, leveller: HeadingLeveller,
                             keep_hyphen: set[str]) -> list[Block]:
    """Paragraphs from wrapped lines: blank lines and list markers start new blocks."""
    blocks: list[Block] = []
    current: list[str] = []

    def flush() -> None:
        if not current:
            return
        text = current[0]
        for line in current[1:]:
            text = join_lines(text, line, keep_hyphen)
        level = leveller.level(text) if len(current) == 1 and not text.startswith(BULLET) else 0
        blocks.append(Block(squash(text), page, page, level))
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
