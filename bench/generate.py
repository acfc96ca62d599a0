"""Scaled corpora: documents whose passages recombine the sample's sentences.

Each generated passage starts from a sample passage (its "anchor"): it keeps the anchor's
heading and tags, and its text runs through the anchor's sentences with about one sentence
in four swapped for a sentence from anywhere in the sample, up to a length drawn from the
sample's own passage lengths. Vocabulary, term frequencies, phrases and the link between
text and tags therefore stay those of real reports. Metadata is spread over 2010-2025,
about 150 local partnerships and the national panel, with each kind's typical length.

Corpora are cached as gzipped JSON lines (one document a line) under ``bench/out/corpora``.
"""
from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.sample import SamplePassage
from kb.model import KIND_LABELS

YEARS = range(2010, 2026)
NATIONAL_PUBLISHER = "Child Safeguarding Practice Review Panel"
NATIONAL_SHARE = 0.08
RESTRICTED_SHARE = 0.03
SWAP_SHARE = 0.25
PASSAGES_PER_PAGE = 3
#: Kinds of document, by scope: (kind, share, typical passage count).
LOCAL_KINDS = [("cspr", 0.30, 40), ("scr", 0.15, 50), ("rapid-review", 0.20, 15),
               ("annual-report", 0.15, 35), ("briefing", 0.15, 8), ("sar", 0.03, 30),
               ("other", 0.02, 20)]
NATIONAL_KINDS = [("thematic-review", 0.5, 70), ("annual-report", 0.2, 45), ("briefing", 0.3, 12)]
_PLACE_STARTS = ["North", "South", "East", "West", "Upper", "Lower", "Greater", "Mid", "Old",
                 "New", ""]
_PLACE_ROOTS = ["moor", "bridge", "vale", "ford", "field", "wick", "ham", "borough", "dale",
                "hurst", "ley", "mouth", "stead", "worth", "combe"]
_PLACE_FIRSTS = ["Ash", "Calder", "West", "North", "Bram", "Kings", "Oak", "Mill", "Stan",
                 "Thorn", "Wyn", "Ald", "Hol", "Brook", "Fern", "Elm", "Red", "Grey", "Lang"]
#: Tags for a sample read without the tagger (PDF text only): plausible ids and frequencies.
_FALLBACK_THEMES = {"information-sharing": 0.22, "voice-of-child": 0.15, "neglect": 0.12,
                    "domestic-abuse": 0.12, "fathers": 0.10, "babies": 0.09,
                    "exploitation": 0.08, "mental-health": 0.08, "education-safety": 0.06,
                    "sexual-abuse": 0.05, "substance-misuse": 0.05, "supervision": 0.04}
_FALLBACK_AGENCIES = {"social-care": 0.3, "health": 0.25, "police": 0.2, "education": 0.15,
                      "probation": 0.05}
_FALLBACK_TYPES = [("finding", 0.25), ("recommendation", 0.12), ("good-practice", 0.05),
                   ("other", 0.58)]


@dataclass
class GeneratedDocument:
    """A document of a scaled corpus, with passages as plain dictionaries (JSON-ready)."""

    title: str
    publisher: str
    year: int
    kind: str
    scope: str
    restricted: bool
    passages: list[dict] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return max(p["page"] for p in self.passages)


def parse_size(text: str) -> int:
    """``"10k"`` -> 10000, ``"1.5m"`` -> 1500000, ``"2500"`` -> 2500."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


class Generator:
    """Draws documents from the sample; the same seed always gives the same corpus."""

    def __init__(self, sample: list[SamplePassage], seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.sample = [p for p in sample if p.sentences]
        self.pool = [s for p in self.sample for s in p.sentences]
        self.lengths = [p.words for p in self.sample if p.words >= 20]
        self.tagged = any(p.themes for p in self.sample)
        self.publishers = self._publishers(150)
        self.publisher_weights = [1 / (rank + 1) ** 0.6 for rank in range(len(self.publishers))]

    def _publishers(self, count: int) -> list[str]:
        names: set[str] = set()
        while len(names) < count:
            start = self.rng.choice(_PLACE_STARTS)
            place = self.rng.choice(_PLACE_FIRSTS) + self.rng.choice(_PLACE_ROOTS)
            names.add(f"{start} {place}".strip())
        return sorted(names)

    def documents(self, passages: int) -> Iterator[GeneratedDocument]:
        """Documents until about ``passages`` passages have been made."""
        made = 0
        while made < passages:
            document = self.document(limit=passages - made)
            made += len(document.passages)
            yield document

    def document(self, limit: int) -> GeneratedDocument:
        rng = self.rng
        year = rng.choices(YEARS, weights=[1 + (y - YEARS[0]) * 0.25 for y in YEARS])[0]
        national = rng.random() < NATIONAL_SHARE
        kinds = NATIONAL_KINDS if national else LOCAL_KINDS
        kind, _, typical = rng.choices(kinds, weights=[k[1] for k in kinds])[0]
        if kind == "scr" and year >= 2019 and rng.random() < 0.8:
            kind = "cspr"
        if kind == "cspr" and year < 2019:
            kind = "scr"
        if national:
            place, publisher = "National", NATIONAL_PUBLISHER
        else:
            place = rng.choices(self.publishers, weights=self.publisher_weights)[0]
            body = "Partnership" if year >= 2019 else "Board"
            publisher = f"{place} Safeguarding Children {body}"
        count = min(limit, max(3, int(rng.gauss(typical, typical / 3))))
        restricted = rng.random() < (RESTRICTED_SHARE * (4 if kind == "rapid-review" else 1))
        title = f"{KIND_LABELS[kind]}: {place} {year} ({rng.randrange(1, 10_000)})"
        document = GeneratedDocument(title=title, publisher=publisher, year=year, kind=kind,
                                     scope="national" if national else "local",
                                     restricted=restricted)
        document.passages = [self.passage(seq) for seq in range(count)]
        return document

    def passage(self, seq: int) -> dict:
        rng = self.rng
        anchor = rng.choice(self.sample)
        target = rng.choice(self.lengths) * rng.uniform(0.8, 1.2)
        source, at = anchor, rng.randrange(len(anchor.sentences))
        sentences, words = [], 0
        while words < target:
            if at == len(source.sentences):  # run on into another passage
                source, at = rng.choice(self.sample), 0
            if rng.random() < SWAP_SHARE:
                sentence = rng.choice(self.pool)
            else:
                sentence = source.sentences[at]
                at += 1
            sentences.append(sentence)
            words += len(sentence.split())
        passage = {"text": " ".join(sentences), "heading_path": anchor.heading_path,
                   "page": 1 + seq // PASSAGES_PER_PAGE}
        passage.update(self._tags(anchor))
        return passage

    def _tags(self, anchor: SamplePassage) -> dict:
        if self.tagged:
            return {"themes": anchor.themes, "age_groups": anchor.age_groups,
                    "passage_type": anchor.passage_type, "agencies": anchor.agencies}
        rng = self.rng
        pick = lambda shares: [k for k, share in shares.items() if rng.random() < share]  # noqa: E731
        types, weights = zip(*_FALLBACK_TYPES)
        return {"themes": pick(_FALLBACK_THEMES),
                "age_groups": pick({"baby": 0.2, "young-child": 0.2, "adolescent": 0.25}),
                "passage_type": rng.choices(types, weights=weights)[0],
                "agencies": pick(_FALLBACK_AGENCIES)}


def corpus_path(out: Path, size: int, tagged: bool) -> Path:
    """Where the corpus of ``size`` passages is cached (drawn from a tagged sample or not)."""
    kind = "tagged" if tagged else "untagged"
    return out / "corpora" / f"passages-{label(size)}-{kind}.jsonl.gz"


def write_corpus(path: Path, documents: Iterator[GeneratedDocument]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    with gzip.open(temporary, "wt", encoding="utf-8", compresslevel=3) as handle:
        for document in documents:
            handle.write(json.dumps(asdict(document)) + "\n")
    temporary.replace(path)


def read_corpus(path: Path) -> Iterator[GeneratedDocument]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield GeneratedDocument(**json.loads(line))
