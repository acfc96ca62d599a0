"""Split extracted blocks into passages: whole paragraphs, merged when short, split when long."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.readers import Block
from kb.model import Passage

SENTENCE_BREAK = re.compile(r"(?<=[.!?…])['\"’”)]*\s+(?=[\"“‘(]?[A-Z0-9•])")
# Within a sentence too long for one passage: clauses, then phrases.
CLAUSE_BREAK = re.compile(r"(?<=[;:])\s+")
PHRASE_BREAK = re.compile(r"(?<=,)\s+")
CONTENTS_TITLES = frozenset({"contents", "table of contents"})
CONTENTS_ENTRY_WORDS = 15
# A paragraph opening a numbered item ("Recommendation 3:", "Finding 2.") starts its own passage,
# so that each recommendation can be found, typed and cited on its own.
NUMBERED_ITEM = re.compile(r"^\s*(?:recommendation|finding|learning point)\s+\d+\b", re.IGNORECASE)


@dataclass
class _Section:
    """The body blocks under one heading."""

    path: list[str]
    blocks: list[Block] = field(default_factory=list)


def _sections(blocks: list[Block]) -> list[_Section]:
    stack: list[tuple[int, str]] = []
    sections = [_Section([])]
    for block in blocks:
        text = block.text.strip()
        if not text:
            continue
        if block.heading_level:
            while stack and stack[-1][0] >= block.heading_level:
                stack.pop()
            stack.append((block.heading_level, text))
            sections.append(_Section([heading for _, heading in stack]))
        else:
            sections[-1].blocks.append(block)
    return [section for section in sections if section.blocks and not _is_contents(section)]


def _is_contents(section: _Section) -> bool:
    """A contents list: a "Contents" heading over short entries only."""
    return (bool(section.path) and section.path[-1].lower().strip(": ") in CONTENTS_TITLES
            and all(len(block.text.split()) <= CONTENTS_ENTRY_WORDS for block in section.blocks))


def _word_count(text: str) -> int:
    return len(text.split())


def _units(text: str, max_words: int, breaks: tuple[re.Pattern[str], ...] = ()) -> list[str]:
    """Pieces of text of at most max_words: sentences, or for a longer sentence its clauses,
    or for a longer clause its words."""
    if _word_count(text) <= max_words:
        return [text]
    if not breaks:
        return text.split()
    pieces = [piece for piece in breaks[0].split(text) if piece.strip()]
    return [unit for piece in pieces for unit in _units(piece, max_words, breaks[1:])]


def _split_long(text: str, max_words: int, min_words: int = 40) -> list[str]:
    """Split into roughly equal parts of at most max_words: at sentence boundaries where sentences
    allow, else at clause boundaries (';', ':', then ','), else between words."""
    total = _word_count(text)
    if total <= max_words:
        return [text]
    units = _units(text, max_words, (SENTENCE_BREAK, CLAUSE_BREAK, PHRASE_BREAK))
    parts_needed = -(-total // max_words)
    target = total / parts_needed
    parts: list[list[str]] = []
    current: list[str] = []
    words = 0
    for unit in units:
        count = _word_count(unit)
        if current and (words + count > max_words or words >= target):
            parts.append(current)
            current, words = [], 0
        current.append(unit)
        words += count
    if current:
        parts.append(current)
    if len(parts) > 1 and words < min_words and \
            _word_count(" ".join(parts[-2] + parts[-1])) <= max_words:  # a short tail joins the part before
        parts[-2].extend(parts.pop())
    return [" ".join(part) for part in parts]


def _passage_groups(blocks: list[Block], min_words: int, max_words: int) -> list[list[Block]]:
    """Group paragraphs: a group grows while it is shorter than min_words and fits max_words.

    A numbered item (``NUMBERED_ITEM``) always starts a group and is never merged backwards.
    """
    groups: list[list[Block]] = []
    words = 0
    for block in blocks:
        count = _word_count(block.text)
        if groups and words < min_words and words + count <= max_words \
                and not NUMBERED_ITEM.match(block.text):
            groups[-1].append(block)
            words += count
        else:
            groups.append([block])
            words = count
    if len(groups) > 1 and words < min_words and not NUMBERED_ITEM.match(groups[-1][0].text) and \
            sum(_word_count(b.text) for b in groups[-2]) + words <= max_words:
        groups[-2].extend(groups.pop())
    return groups


def segment(blocks: list[Block], min_words: int = 40, max_words: int = 300) -> list[Passage]:
    """Passages from blocks: short paragraphs merge forward, long ones split, never across headings."""
    passages: list[Passage] = []
    for section in _sections(blocks):
        for group in _passage_groups(section.blocks, min_words, max_words):
            text = "\n".join(block.text.strip() for block in group)
            pages = [page for block in group for page in (block.page_start, block.page_end) if page is not None]
            for part in _split_long(text, max_words, min_words):
                passages.append(Passage(
                    seq=len(passages), text=part,
                    page_start=min(pages) if pages else None, page_end=max(pages) if pages else None,
                    heading_path=list(section.path)))
    return passages
