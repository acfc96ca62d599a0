"""The sample corpus as material for generation: passages split into sentences, with their tags.

Passages come from a knowledge base indexed from ``corpus/`` by the real indexer (so themes,
age groups, passage types and agencies are the tagger's own); before the indexer exists they
are read from the sample PDFs with pypdf and carry no tags.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'‘“(])")
_HEADING = re.compile(r"^\d+(\.\d+)*\.?\s+[A-Z][^.]{2,70}$")
_RUNNING = re.compile(r"\s\|\s|^Page \d+ of \d+$|^OFFICIAL$")
SENTENCES_PER_PDF_PASSAGE = 4


@dataclass
class SamplePassage:
    """One passage of the sample: its sentences, heading path and tags."""

    sentences: list[str]
    heading_path: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    age_groups: list[str] = field(default_factory=list)
    passage_type: str = "other"
    agencies: list[str] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(len(s.split()) for s in self.sentences)


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` with white space normalised."""
    return [s for s in _SENTENCE_END.split(" ".join(text.split())) if s]


def read_kb_sample(data_dir: Path) -> list[SamplePassage]:
    """Every passage of a knowledge base (indexed from the sample corpus), with its tags."""
    from kb.store import Store

    with Store(data_dir / "kb.sqlite3") as store:
        return [SamplePassage(sentences=split_sentences(p.text), heading_path=p.heading_path,
                              themes=p.themes, age_groups=p.age_groups,
                              passage_type=p.passage_type, agencies=p.agencies)
                for p in store.passages() if p.text.strip()]


def read_pdf_sample(corpus: Path) -> list[SamplePassage]:
    """Passages of a few sentences each from the sample PDFs' text layers (no tags)."""
    passages: list[SamplePassage] = []
    for path in sorted(corpus.glob("*.pdf")):
        heading: list[str] = []
        body: list[str] = []
        for page in PdfReader(path).pages:
            for line in (page.extract_text() or "").splitlines():
                line = line.strip()
                if not line or _RUNNING.search(line):
                    continue
                if _HEADING.match(line):
                    passages += _chunk(" ".join(body), heading)
                    heading, body = [line], []
                elif body and body[-1].endswith("-"):
                    body[-1] = body[-1][:-1] + line
                else:
                    body.append(line)
        passages += _chunk(" ".join(body), heading)
    return passages


def _chunk(text: str, heading: list[str]) -> list[SamplePassage]:
    sentences = split_sentences(text)
    step = SENTENCES_PER_PDF_PASSAGE
    return [SamplePassage(sentences=sentences[i:i + step], heading_path=list(heading))
            for i in range(0, len(sentences), step)]
