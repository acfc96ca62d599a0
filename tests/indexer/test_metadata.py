"""Metadata from the catalogue, declared and embedded metadata, and inference from the text."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from indexer.readers import Extracted, extract
from indexer.metadata import CatalogueError, read_catalogue, resolve_metadata
from kb.model import DocumentMeta
from tests.conftest import CORPUS

DATA = Path(__file__).resolve().parent.parent / "data"
HEADER = "file,title,publisher,year,kind,scope,restricted\n"


def _without_embedded(extracted: Extracted) -> Extracted:
    return dataclasses.replace(extracted, metadata={})


def test_corpus_catalogue_covers_every_file() -> None:
    catalogue = read_catalogue(CORPUS)
    files = {p.name for p in CORPUS.iterdir() if p.name != "catalogue.csv"}
    assert set(catalogue) == files
    assert catalogue["2022-westbridge-7-minute-briefing-fathers.md"]["kind"] == "briefing"


def test_missing_catalogue_is_empty(tmp_path: Path) -> None:
    assert read_catalogue(tmp_path) == {}


@pytest.mark.parametrize(("content", "problem"), [
    ("file,title,publisher,year,kind,scope\na.pdf,A,B,2020,cspr,local\n", "line 1: the columns must be exactly"),
    (HEADER + "a.pdf,A,B,2020,cspr,local,no\nb.pdf,B,C,2020,inquiry,local,no\n", "line 3: kind 'inquiry'"),
    (HEADER + "a.pdf,A,B,20x0,cspr,local,no\n", "line 2: year '20x0' is not a year"),
    (HEADER + "a.pdf,A,B,2020,cspr,regional,no\n", "line 2: scope 'regional'"),
    (HEADER + "a.pdf,A,B,2020,cspr,local,maybe\n", "line 2: restricted 'maybe'"),
])
def test_bad_catalogue_names_file_and_line(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "catalogue.csv").write_text(content)
    with pytest.raises(CatalogueError) as error:
        read_catalogue(tmp_path)
    assert str(tmp_path / "catalogue.csv") in str(error.value)
    assert problem in str(error.value)


def test_catalogue_beats_front_matter(tmp_path: Path) -> None:
    path = CORPUS / "2022-westbridge-7-minute-briefing-fathers.md"
    row = {"file": path.name, "title": "Catalogue title", "publisher": "", "year": "2023",
           "kind": "other", "scope": "", "restricted": "yes"}
    meta = resolve_metadata(path, extract(path), row)
    assert meta == DocumentMeta(title="Catalogue title", publisher="Westbridge Safeguarding Children Partnership",
                                year=2023, kind="other", scope="local", restricted=True)


def test_front_matter_is_used_without_catalogue() -> None:
    path = CORPUS / "2022-westbridge-7-minute-briefing-fathers.md"
    meta = resolve_metadata(path, extract(path), None)
    assert meta.title == "7-minute briefing: Seeing the men: fathers and male carers in assessments"
    assert (meta.year, meta.kind, meta.scope) == (2022, "briefing", "local")


def test_pdf_info_beats_inference() -> None:
    path = DATA / "rapid-review-child-k.pdf"
    extracted = extract(path)
    assert extracted.metadata["author"] == "Calder Vale Safeguarding Children Partnership"
    relabelled = dataclasses.replace(extracted, metadata={**extracted.metadata, "title": "Embedded title",
                                                           "author": "Eastvale Safeguarding Partnership"})
    meta = resolve_metadata(path, relabelled, None)
    assert (meta.title, meta.publisher) == ("Embedded title", "Eastvale Safeguarding Partnership")
    inferred = resolve_metadata(path, _without_embedded(extracted), None)
    assert (inferred.title, inferred.publisher) == ("Rapid Review: Child K",
                                                    "Calder Vale Safeguarding Children Partnership")


def test_person_as_author_is_not_a_publisher() -> None:
    path = DATA / "rapid-review-child-k.pdf"
    extracted = extract(path)
    with_person = dataclasses.replace(extracted, metadata={"author": "Jane Smith"})
    assert resolve_metadata(path, with_person, None).publisher == "Calder Vale Safeguarding Children Partnership"


@pytest.mark.parametrize(("name", "title", "year", "kind", "publisher", "scope"), [
    ("2019-northmoor-cspr-child-m.pdf", "Child Safeguarding Practice Review: Child M", 2020, "cspr",
     "Northmoor Safeguarding Children Partnership", "local"),
    ("2023-westbridge-annual-report-2022-23.pdf", "Westbridge Safeguarding Children Partnership Annual Report 2022-23",
     2023, "annual-report", "Westbridge Safeguarding Children Partnership", "local"),
    ("2021-national-thematic-review-men-in-babies-lives.pdf", None, 2021, "thematic-review",
     "National Child Safeguarding Review Panel", "national"),
    ("2024-national-briefing-elective-home-education.html", None, 2024, "briefing",
     "National Child Safeguarding Review Panel", "national"),
])
def test_inference_from_text_alone(name: str, title: str | None, year: int, kind: str,
                                   publisher: str, scope: str) -> None:
    path = CORPUS / name
    meta = resolve_metadata(path, _without_embedded(extract(path)), None)
    assert (meta.year, meta.kind, meta.publisher, meta.scope) == (year, kind, publisher, scope)
    if title:
        assert meta.title == title


def test_title_falls_back_to_file_name(tmp_path: Path) -> None:
    path = tmp_path / "learning_from-child-x.txt"
    path.write_text("the family moved twice in a year and nobody knew.\n")
    assert resolve_metadata(path, extract(path), None).title == "Learning from child x"


def test_empty_catalogue_fields_fall_through(tmp_path: Path) -> None:
    shutil.copy(DATA / "rapid-review-child-k.pdf", tmp_path / "k.pdf")
    (tmp_path / "catalogue.csv").write_text(HEADER + "k.pdf,,,,,,no\n")
    row = read_catalogue(tmp_path)["k.pdf"]
    meta = resolve_metadata(tmp_path / "k.pdf", extract(tmp_path / "k.pdf"), row)
    assert (meta.title, meta.kind, meta.year) == ("Rapid Review: Child K", "rapid-review", 2020)


@pytest.mark.parametrize("junk", ["Microsoft Word - 102314.docx", "Untitled", "Document1", "No Title",
                                  "a", "Slide 1", "cspr-child-m.pdf", "102314"])
def test_a_junk_pdf_title_loses_to_the_title_page(tmp_path: Path, junk: str) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(CORPUS / "2019-northmoor-cspr-child-m.pdf"))
    writer.add_metadata({"/Title": junk})
    path = tmp_path / "cspr-child-m.pdf"
    writer.write(path)
    meta = resolve_metadata(path, extract(path), None)
    assert meta.title == "Child Safeguarding Practice Review: Child M"


def test_a_real_pdf_title_is_kept(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(CORPUS / "2019-northmoor-cspr-child-m.pdf"))
    writer.add_metadata({"/Title": "Learning from Child M"})
    path = tmp_path / "m.pdf"
    writer.write(path)
    assert resolve_metadata(path, extract(path), None).title == "Learning from Child M"
