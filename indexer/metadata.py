"""Document metadata: the folder's catalogue.csv, embedded metadata, and inference from the text.

Precedence per field: catalogue row, then declared metadata (Markdown front
matter, same keys as the catalogue), then the file's own properties (PDF/DOCX
title and author, HTML <title>), then inference from the opening text; the
file's creation date is the last resort for the year. Empty values fall through.
"""
from __future__ import annotations

from dataclasses import replace

import csv
import re
from pathlib import Path

from indexer.readers import Extracted
from kb.model import KINDS, SCOPES, DocumentMeta
from kb.text import clean

CATALOGUE_NAME = "catalogue.csv"
CATALOGUE_COLUMNS = ["file", "title", "publisher", "year", "kind", "scope", "restricted"]
#: Columns a catalogue may add after those (an empty cell: the publisher's area, kb/areas.toml).
OPTIONAL_COLUMNS = ["area"]
TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n", ""})
YEAR_RANGE = range(1950, 2100)
MAX_TITLE_WORDS = 25

KIND_PHRASES: tuple[tuple[str, str], ...] = (
    (r"safeguarding adults? review", "sar"),
    (r"rapid review", "rapid-review"),
    (r"child safeguarding practice review|\bcspr\b", "cspr"),
    (r"serious case review|\bscr\b", "scr"),
    (r"annual report|yearly report", "annual-report"),
    (r"thematic review|national review", "thematic-review"),
    (r"7[- ]minute briefing|seven[- ]minute briefing|briefing", "briefing"),
)
PUBLISHER_PATTERN = re.compile(
    r"\b((?:[A-Z][\w'’-]* +(?:(?:and|of|upon|on) +)?){1,5}"
    r"Safeguarding +(?:Children +|Adults +)?(?:Partnership|Board))\b"
    r"|\b(National\s+Child\s+Safeguarding\s+(?:Practice\s+)?Review\s+Panel)\b"
    r"|\b(Child\s+Safeguarding\s+Practice\s+Review\s+Panel)\b")
NATIONAL_BODIES = re.compile(
    r"\bpanel\b|department for education|\bofsted\b|\bcqc\b|care quality commission|hm government|"
    r"home office|department of health|\bnspcc\b|\bnhs england\b|hm inspectorate|\bnational\b", re.IGNORECASE)
ORGANISATION_WORDS = re.compile(
    r"\b(partnership|board|panel|council|department|ofsted|nhs|trust|authority|government|office|"
    r"commission|service|agency|committee|unit|team|borough|county)\b", re.IGNORECASE)
PUBLISHED_YEAR = re.compile(r"\b(?:published|publication date|date of publication|issued)\b[:\s]*"
                            r"(?:\w+\s+){0,2}?((?:19|20)\d{2})\b", re.IGNORECASE)
YEAR_SPAN = re.compile(r"\b((?:19|20)\d{2})\s*[-–/]\s*(\d{2}|(?:19|20)\d{2})\b")
ANY_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


class CatalogueError(Exception):
    """A catalogue.csv that cannot be used, with the file path and line of the problem."""


def _parse_bool(value: str) -> bool | None:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _check_row(row: dict[str, str]) -> str:
    """The first problem with a catalogue row, or an empty string."""
    if not row["file"].strip():
        return "the file column is empty"
    year = row["year"].strip()
    if year and not (year.isdigit() and int(year) in YEAR_RANGE):
        return f"year {year!r} is not a year"
    if row["kind"].strip() and row["kind"].strip() not in KINDS:
        return f"kind {row['kind']!r} is not one of {', '.join(KINDS)}"
    if row["scope"].strip() and row["scope"].strip() not in SCOPES:
        return f"scope {row['scope']!r} is not one of {', '.join(SCOPES)}"
    if _parse_bool(row["restricted"]) is None:
        return f"restricted {row['restricted']!r} is not yes or no"
    return ""


def read_catalogue(folder: Path) -> dict[str, dict[str, str]]:
    """Rows of folder/catalogue.csv by file name; {} when there is no catalogue."""
    path = Path(folder) / CATALOGUE_NAME
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError(f"{path}: cannot be read: {error}") from error
    reader = csv.reader(text.splitlines())
    header = [column.strip() for column in next(reader, None) or []]
    columns = header if header in (CATALOGUE_COLUMNS, CATALOGUE_COLUMNS + OPTIONAL_COLUMNS) else None
    if columns is None:
        raise CatalogueError(f"{path}, line 1: the columns must be exactly {','.join(CATALOGUE_COLUMNS)}"
                             f" (and, if you wish, {','.join(OPTIONAL_COLUMNS)})")
    rows: dict[str, dict[str, str]] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            raise CatalogueError(f"{path}, line {line}: expected {len(columns)} values, found {len(cells)}")
        row = {column: cell.strip() for column, cell in zip(columns, cells)}
        problem = _check_row(row)
        if problem:
            raise CatalogueError(f"{path}, line {line}: {problem}")
        rows[row["file"]] = row
    return rows


def infer_kind(text: str) -> str:
    """The document kind named by the phrase that comes first in the text, or "other"."""
    found = [(match.start(), kind) for pattern, kind in KIND_PHRASES
             if (match := re.search(pattern, text, re.IGNORECASE))]
    return min(found)[1] if found else "other"


def infer_year(text: str) -> int | None:
    """Publication year: a "Published ..." date, else the end of a "2022-23" span, else the first year."""
    published = PUBLISHED_YEAR.search(text)
    if published:
        return int(published.group(1))
    span = YEAR_SPAN.search(text)
    if span:
        start, end = span.group(1), span.group(2)
        end_year = int(start[:2] + end) if len(end) == 2 else int(end)
        return end_year if end_year > int(start) else int(start)
    year = ANY_YEAR.search(text)
    return int(year.group(1)) if year else None


def infer_publisher(text: str) -> str:
    """A safeguarding partnership, board or the national Panel named in the text."""
    match = PUBLISHER_PATTERN.search(text)
    return " ".join(next(group for group in match.groups() if group).split()) if match else ""


def infer_scope(publisher: str) -> str:
    return "national" if publisher and NATIONAL_BODIES.search(publisher) else "local"


def infer_title(extracted: Extracted) -> str:
    """The first heading, else the first substantial line of the opening text."""
    for block in extracted.blocks[:12]:
        if block.heading_level and len(block.text.split()) >= 2 and not PUBLISHER_PATTERN.fullmatch(block.text):
            return block.text
    for line in extracted.first_page_text.splitlines():
        line = line.strip()
        if 3 <= len(line.split()) <= MAX_TITLE_WORDS and not line.endswith(".") \
                and not PUBLISHER_PATTERN.fullmatch(line):
            return line
    return ""


def prettify_stem(path: Path) -> str:
    """A readable title from a file name: separators to spaces, first letter capitalised."""
    words = re.sub(r"[-_.]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:]


def _cleaned(value: str) -> str:
    """A title or publisher as stored: cleaned (``kb.text.clean``) and on one line."""
    return " ".join(clean(value).split())


def _first(*values: str | None) -> str:
    return next((value.strip() for value in values if value and value.strip()), "")


def _year(value: str) -> int | None:
    match = ANY_YEAR.search(value or "")
    return int(match.group(1)) if match and int(match.group(1)) in YEAR_RANGE else None


#: Titles that applications write for a document nobody named: they lose to the title page.
DEFAULT_TITLE = re.compile(
    r"(?:microsoft (?:word|powerpoint|excel|publisher)\s*-.*|untitled.*|document\s*\d*|no title|"
    r"title|slide\s*\d*|presentation\s*\d*|book\s*\d*|draft|copy of .*|new document.*)",
    re.IGNORECASE)
FILE_NAME_TITLE = re.compile(r".*\.(?:docx?|pdf|indd|pptx?|rtf|odt|pub|xlsx?|qxp|txt|html?)", re.IGNORECASE)
MIN_TITLE_CHARS = 4


def useful_title(title: str, path: Path) -> str:
    """An embedded title, or "" when it is an application's default, a file name or too short."""
    title = title.strip()
    if len(title) < MIN_TITLE_CHARS or DEFAULT_TITLE.fullmatch(title) or FILE_NAME_TITLE.fullmatch(title):
        return ""
    if re.sub(r"[\W_]+", "", title).lower() == re.sub(r"[\W_]+", "", Path(path).stem).lower():
        return ""  # the file's own name again
    if " " not in title and re.search(r"\d", title):
        return ""  # "102314", "Report_v3_FINAL2": a name given by a file system, not a title
    return title


def resolve_metadata(path: Path, extracted: Extracted, catalogue_row: dict[str, str] | None) -> DocumentMeta:
    """Each field from the first source that has it: catalogue, declared, embedded, inferred."""
    row = catalogue_row or {}
    declared = extracted.metadata
    opening = extracted.first_page_text
    author = declared.get("author", "")
    embedded_publisher = author if ORGANISATION_WORDS.search(author) else ""

    title = _first(row.get("title"), useful_title(declared.get("title", ""), path),
                   infer_title(extracted)) or prettify_stem(Path(path))
    publisher = _first(row.get("publisher"), declared.get("publisher"), embedded_publisher, infer_publisher(opening))
    year = (_year(row.get("year", "")) or _year(declared.get("year", "")) or infer_year(opening)
            or _year(declared.get("created", "")))
    kind = _first(row.get("kind"), declared.get("kind"),
                  declared.get("subject") if declared.get("subject") in KINDS else "")
    if kind not in KINDS:
        kind = infer_kind(title)
        if kind == "other":
            kind = infer_kind(opening)
    scope = _first(row.get("scope"), declared.get("scope"))
    if scope not in SCOPES:
        scope = infer_scope(publisher)
    restricted = _parse_bool(_first(row.get("restricted"), declared.get("restricted")))
    title, publisher = _cleaned(title), _cleaned(publisher)
    return DocumentMeta(title=title, publisher=publisher, year=year, kind=kind, scope=scope,
                        restricted=bool(restricted),
                        area=" ".join(_first(row.get("area"), declared.get("area")).split()))


def catalogue_corrections(row: dict[str, str] | None, meta: DocumentMeta) -> DocumentMeta | None:
    """``meta`` with what its catalogue row now says, or None when the row changes nothing.

    For a file read before: the catalogue still wins over what was read or inferred. A
    row may restrict a document but never lifts a restriction (`kb restrict --lift` does).
    """
    if not row:
        return None
    corrected = replace(
        meta,
        title=_cleaned(_first(row.get("title"))) or meta.title,
        publisher=_cleaned(_first(row.get("publisher"))) or meta.publisher,
        year=_year(row.get("year", "")) or meta.year,
        kind=row.get("kind") if row.get("kind") in KINDS else meta.kind,
        scope=row.get("scope") if row.get("scope") in SCOPES else meta.scope,
        restricted=meta.restricted or bool(_parse_bool(row.get("restricted", ""))),
        area=" ".join(_first(row.get("area")).split()) or meta.area)
    return corrected if corrected != meta else None

