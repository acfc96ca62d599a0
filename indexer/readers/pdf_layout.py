"""Reading order of a PDF page from pypdf's layout text (a fixed-width picture of the page).

Designers set reports in two or three columns, flow the text round boxed pull quotes, justify it
(words spread apart on the line) and put real tables beside it. pypdf's layout mode keeps every
word where it stands, so columns come out side by side on one line. This module reads such a
page the way a person does:

- **columns**: a gutter is a character column that stays blank down a run of lines while
  prose stands on both sides of it; the text left of it is read first, then the text right of
  it (nested, so three columns work too). A narrower column beside a paragraph that goes on
  below it (a pull quote, a text box) is read after that paragraph ends.
- **tables**: lines whose cells line up at the same character columns over several lines;
  justified prose has wide gaps too, but never at the same places line after line.
"""
from __future__ import annotations

import re
from collections import Counter
from statistics import median

#: Pieces of text on a layout line, apart by at least two spaces (one space joins words).
PIECE = re.compile(r"\S+(?: \S+)*")
#: Table cells: apart by at least three spaces (justified prose has gaps of two or three).
CELL = re.compile(r"\S+(?: {1,2}\S+)*")
SENTENCE_END = re.compile(r"[.!?…:]['\"’”)]*$")
MIN_COLUMN_LINES = 3      # lines of text a column needs, beside another, to be one
MIN_PROSE_LETTERS = 10    # median letters per line of a column of prose (a date, a figure: fewer)
MIN_PRESENCE = 0.5        # share of the lines from its first to its last a column of prose fills
MIN_ALIGNED = 0.3         # share of the lines right of a gutter that start at its edge (a table there indents)
MIN_WIDER = 0.8           # share of lines where a gutter is wider than the gaps between words
ALIGN = 1                 # characters two starts may differ by and still line up


def _blank(text: str) -> bool:
    return not text.strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _clusters(positions: Counter[int]) -> list[tuple[int, int]]:
    """Positions within ALIGN of each other as one: (smallest position, count), by position."""
    found: list[tuple[int, int]] = []
    for position in sorted(positions):
        if found and position - found[-1][0] <= ALIGN:
            found[-1] = (found[-1][0], found[-1][1] + positions[position])
        else:
            found.append((position, positions[position]))
    return found


# ---------------------------------------------------------------- marks in the margins

LINE_NUMBER = re.compile(r"^(\s*)(\d{1,3})(\s{2,})(?=\S)")  # not four digits: a year starts a row
MIN_NUMBERED_LINES = 5     # numbered lines on a page before the numbers count as line numbers
MIN_NUMBERED_SHARE = 0.5   # and the share of the page's lines they number
NO_TEXT = re.compile(r"^[^\w]*$")  # a rule of dashes or dingbats, a crop mark: no letter, no digit


def strip_margin_marks(lines: list[str]) -> list[str]:
    """A page's lines without margin line numbers (a number before most lines, rising down the
    page) and without lines holding no letter or digit (rules, dingbats, crop marks)."""
    numbered = [(index, int(m.group(2))) for index, line in enumerate(lines)
                if (m := LINE_NUMBER.match(line))]
    numbers = [number for _, number in numbered]
    if len(numbered) >= MIN_NUMBERED_LINES and numbers == sorted(numbers) \
            and len(numbered) >= MIN_NUMBERED_SHARE * sum(1 for line in lines if line.strip()):
        lines = list(lines)
        for index, _ in numbered:  # blanked, not cut, so that every column keeps its place
            lines[index] = LINE_NUMBER.sub(lambda m: " " * len(m.group(0)), lines[index], count=1)
    return ["" if line.strip() and NO_TEXT.match(line) else line for line in lines]


# ---------------------------------------------------------------- columns

def _is_prose_column(parts: list[str]) -> bool:
    """Text of one side of a gutter reads as a column of prose, not as table cells: lines of
    words (not figures), on most lines from its first to its last (a table's first column has a
    cell only where a row starts)."""
    span = _trim(parts)
    filled = [part for part in span if part.strip()]
    if len(filled) < MIN_COLUMN_LINES or len(filled) < MIN_PRESENCE * len(span):
        return False
    return median(sum(map(str.isalpha, part)) for part in filled) >= MIN_PROSE_LETTERS


def _aligned_at(region: list[str], column: int) -> bool:
    """The text right of the column starts at it (a column's left edge), line after line."""
    right = [line[column:] for line in region if line[column:].strip()]
    at_edge = sum(1 for part in right if _indent(part) <= ALIGN)
    return at_edge >= MIN_COLUMN_LINES + 1 and at_edge >= MIN_ALIGNED * len(right)


SPACES = re.compile(r" +")


def _wider_than_word_gaps(region: list[str], column: int) -> bool:
    """The gap at the column is wider than the gaps between words on the same line, on most
    lines: a gutter, not one more gap of a justified line."""
    both = [line for line in region if line[:column].strip() and line[column:].strip()]
    wider = 0
    for line in both:
        left = line[:column].rstrip()
        gutter = column + _indent(line[column:]) - len(left)
        inner = max((len(m.group(0)) for m in SPACES.finditer(left.strip())), default=0)
        wider += gutter > inner
    return wider >= MIN_WIDER * len(both)


def _gutter(lines: list[str]) -> tuple[int, int, int] | None:
    """The leftmost gutter with prose on both sides: (character column, first line, end line)."""
    text_lines = [line for line in lines if line.strip()]
    if len(text_lines) < MIN_COLUMN_LINES:
        return None
    margin = min(_indent(line) for line in text_lines)
    starts: Counter[int] = Counter()
    for line in text_lines:
        starts.update(m.start() for m in PIECE.finditer(line) if m.start() > margin + 2
                      and (m.start() < 2 or line[m.start() - 2:m.start()] == "  "))
    for column, count in _clusters(starts):
        if count < MIN_COLUMN_LINES:
            continue
        # Runs of lines that leave the two characters before the column blank.
        clear = [len(line) <= column - 2 or _blank(line[max(0, column - 2):column]) for line in lines]
        first = 0
        while first < len(lines):
            if not clear[first]:
                first += 1
                continue
            end = first
            while end < len(lines) and clear[end]:
                end += 1
            region = lines[first:end]
            if _aligned_at(region, column) and _wider_than_word_gaps(region, column) \
                    and _is_prose_column([line[:column] for line in region]) \
                    and _is_prose_column([line[column:] for line in region]):
                return column, first, end
            first = end
    return None


def _ends_sentence(line: str) -> bool:
    return bool(SENTENCE_END.search(line.rstrip()))


def _trim(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and _blank(lines[start]):
        start += 1
    while end > start and _blank(lines[end - 1]):
        end -= 1
    return lines[start:end]


def _continuation(column: list[str], after: list[str]) -> int:
    """How many lines of ``after`` carry on the paragraph the column's text ends in (0 if none)."""
    column = _trim(column)
    if not column or _ends_sentence(column[-1]):
        return 0
    index = 0
    while index < len(after) and _blank(after[index]):
        index += 1
    if index == len(after) or not after[index].lstrip()[:1].islower():
        return 0
    while index < len(after) and not _blank(after[index]):
        if _ends_sentence(after[index]):
            return index + 1
        index += 1
    return index


def reading_order(lines: list[str]) -> list[str]:
    """A page's layout lines with its columns one after the other, in reading order."""
    found = _gutter(lines)
    if found is None:
        return lines
    column, first, end = found
    region = lines[first:end]
    left = reading_order([line[:column].rstrip() for line in region])
    right = reading_order([line[column:] for line in region])
    after = lines[end:]
    carried = _continuation(left, after)  # text flowing round a box goes on below it
    ordered = _trim(left) + [line for line in after[:carried] if line.strip()]
    if ordered and _ends_sentence(ordered[-1]):
        ordered.append("")  # the next column (or the box) starts a new paragraph
    ordered += _trim(right)
    return reading_order(lines[:first]) + ordered + [""] + reading_order(after[carried:])


def join_broken_paragraphs(lines: list[str]) -> list[str]:
    """Blank lines dropped where a paragraph plainly goes on (mid-sentence, then a lower-case
    word): gaps left where a column, a box or a frame interrupted it."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _blank(line) and kept and not _blank(kept[-1]) and not _ends_sentence(kept[-1]):
            following = next((other for other in lines[index + 1:] if other.strip()), "")
            if following.lstrip()[:1].islower():
                continue
        kept.append(line)
    return kept


# ---------------------------------------------------------------- tables

def _cell_starts(line: str) -> list[int]:
    return [m.start() for m in CELL.finditer(line)]


def _in_a_column(line: str, columns: list[int]) -> bool:
    """A line of one cell that starts at one of a table's columns and ends before the next."""
    start, end = _indent(line), len(line.rstrip())
    for number, column in enumerate(columns):
        if abs(start - column) <= ALIGN:
            return number + 1 == len(columns) or end < columns[number + 1]
    return False


def table_lines(lines: list[str], is_bullet=lambda line: False) -> set[int]:
    """Indices of the lines that belong to tables: runs of lines whose cells start at the same
    character columns (within one character) line after line; a wrapped cell's lines run on."""
    found: set[int] = set()
    index = 0
    while index < len(lines):
        line = lines[index]
        if _blank(line) or is_bullet(line) or len(_cell_starts(line)) < 2:
            index += 1
            continue
        run = [index]
        columns = set(_cell_starts(line))
        index += 1
        while index < len(lines) and not _blank(lines[index]) and not is_bullet(lines[index]):
            starts = _cell_starts(lines[index])
            if len(starts) < 2 and not _in_a_column(lines[index], sorted(columns)):
                break
            columns.update(starts)
            run.append(index)
            index += 1
        if _is_table([lines[i] for i in run]):
            found.update(run)
    return found


def _is_table(rows: list[str]) -> bool:
    """Cells that line up: the inner cell starts of (nearly) every line sit on shared columns."""
    multi = [row for row in rows if len(_cell_starts(row)) >= 2]
    if len(multi) < 2:
        return False
    starts: Counter[int] = Counter(start for row in multi for start in _cell_starts(row)[1:])
    shared = [position for position, count in _clusters(starts) if count >= 2]
    if not shared:
        return False

    def aligned(row: str) -> bool:
        return all(any(0 <= start - position <= ALIGN for position in shared)
                   for start in _cell_starts(row)[1:])
    return sum(map(aligned, multi)) >= 0.8 * len(multi)


def table_rows(lines: list[str], join=lambda first, second: f"{first} {second}") -> list[str]:
    """One line of text per table row, its cells in order (``cell | cell``), the lines of a
    wrapped cell put together with ``join``: a new row starts on a line with text in the first
    column and in another."""
    starts: Counter[int] = Counter(start for line in lines for start in _cell_starts(line))
    columns = [position for position, _ in _clusters(starts)]
    rows: list[list[str]] = []
    for line in lines:
        cells = [(m.start(), m.group(0)) for m in CELL.finditer(line)]
        placed = [(max((i for i, position in enumerate(columns) if position <= start + ALIGN),
                       default=0), text) for start, text in cells]
        if not rows or (len(cells) > 1 and placed[0][0] == 0):
            rows.append([""] * len(columns))
        for column, text in placed:
            rows[-1][column] = join(rows[-1][column], text) if rows[-1][column] else text
    return [" | ".join(cell for cell in row if cell) for row in rows if any(row)]
