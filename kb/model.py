"""Records of the knowledge base: documents, passages and their derived facets."""
from __future__ import annotations

from dataclasses import dataclass, field

KINDS: tuple[str, ...] = (
    "cspr", "scr", "rapid-review", "annual-report", "briefing", "thematic-review", "sar", "other",
)
KIND_LABELS: dict[str, str] = {
    "cspr": "Child safeguarding practice review",
    "scr": "Serious case review",
    "rapid-review": "Rapid review",
    "annual-report": "Annual report",
    "briefing": "Briefing",
    "thematic-review": "Thematic review",
    "sar": "Safeguarding adults review",
    "other": "Other",
}
SCOPES: tuple[str, ...] = ("local", "national")
AGE_GROUPS: tuple[str, ...] = ("baby", "young-child", "adolescent")
PAGES_WITHOUT_TEXT = "{missing} of {pages} pages gave no text: scanned pages need OCR"
PASSAGE_TYPES: tuple[str, ...] = ("recommendation", "finding", "good-practice", "other")
#: How a theme's evidence from the learned model starts ("model: neglected (+1.2)"); the
#: rest of a theme's evidence is the phrases the rules matched.
MODEL_EVIDENCE = "model: "


@dataclass
class DocumentMeta:
    """Descriptive metadata of a document (from the catalogue, front matter, PDF or inference)."""

    title: str = ""
    publisher: str = ""
    year: int | None = None
    kind: str = "other"
    scope: str = "local"
    restricted: bool = False
    #: The place a local document's partnership serves: as declared (catalogue, front matter),
    #: else from its publisher (``kb.areas``); "" for national documents.
    area: str = ""


@dataclass
class Passage:
    """A readable span of a document, with where it sits and what it is about."""

    seq: int
    text: str
    page_start: int | None = None
    page_end: int | None = None
    heading_path: list[str] = field(default_factory=list)
    id: int | None = None
    document_id: int | None = None
    themes: list[str] = field(default_factory=list)
    theme_scores: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    #: The learned model's probability for each theme it weighed (empty without the model).
    model_scores: dict[str, float] = field(default_factory=dict)
    age_groups: list[str] = field(default_factory=list)
    passage_type: str = "other"
    agencies: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """The innermost heading the passage sits under, or an empty string."""
        return self.heading_path[-1] if self.heading_path else ""


@dataclass
class Document:
    """A report in the knowledge base."""

    id: int | None
    path: str
    content_hash: str
    file_type: str
    meta: DocumentMeta
    page_count: int = 0
    passage_count: int = 0
    indexed_at: str = ""
    pages_without_text: int = 0  # pages that gave no text (scanned): their words cannot be found

    @property
    def filename(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]


def partly_read(pages: int, pages_without_text: int) -> str:
    """The warning for a document some of whose pages gave no text ("" when all did)."""
    if not pages_without_text:
        return ""
    return PAGES_WITHOUT_TEXT.format(missing=pages_without_text, pages=pages)
