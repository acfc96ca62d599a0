"""`kb trends` and `kb export`, called as a person would, over the indexed sample corpus."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import docx
from pypdf import PdfReader

from cli import EXIT_OK, EXIT_USAGE, main
from kb.base import KnowledgeBase
from kb.collection import add_passage, create_collection
from kb.settings import Settings
from kb.trends import TrendFilters, theme_trends
from tests.catalogue import catalogue


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_trends_json_and_csv_give_the_counts(corpus_data: Path, capsys) -> None:
    code, out, _ = run(capsys, "trends", "--json", "--data", str(corpus_data))
    assert code == EXIT_OK
    found = json.loads(out)
    with KnowledgeBase(Settings(data_dir=corpus_data)) as kb:
        trends = theme_trends(kb)
    assert {(c["theme"], c["year"], c["scope"]): c["documents"] for c in found["trends"]["cells"]
            if c["documents"]} == {key: cell.documents for key, cell in trends.cells.items()}
    assert sum(p["documents"] for p in found["trends"]["published"]) == len(catalogue())
    assert [r["theme"] for r in found["recurrence"]] == list(trends.theme_ids)
    assert all(r["search_url"].startswith("/?theme=") for r in found["trends"]["cells"])
    code, out, _ = run(capsys, "trends", "--csv", "--scope", "national", "--data", str(corpus_data))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == EXIT_OK and {row["scope"] for row in rows} == {"national"}
    assert sum(int(row["passages"]) for row in rows) == sum(
        cell.passages for cell in trends.cells.values() if cell.scope == "national")


def test_trends_prints_a_table_and_recurrence(corpus_data: Path, capsys) -> None:
    code, out, _ = run(capsys, "trends", "--kind", "cspr", "--year-from", "2021",
                       "--data", str(corpus_data))
    with KnowledgeBase(Settings(data_dir=corpus_data)) as kb:
        trends = theme_trends(kb, TrendFilters(kind=("cspr",), year_from=2021))
    assert code == EXIT_OK
    header = out.splitlines()[1].split()
    assert header == ["theme"] + [str(year) for year in trends.years] and trends.years[0] == 2021
    row = next(line.split() for line in out.splitlines() if line.startswith("fathers-male-carers "))
    assert row[1:] == ["/".join(str(trends.cell("fathers-male-carers", y, s).documents)
                                for s in trends.scopes) for y in trends.years]
    assert "Recurrence:" in out


def test_export_writes_each_format(writable_corpus_data: Path, tmp_path: Path, capsys) -> None:
    with KnowledgeBase(Settings(data_dir=writable_corpus_data)) as kb:
        collection_id = create_collection(kb.store, "Fathers")
        passages = [p for p in kb.store.passages() if "fathers-male-carers" in p.themes][:3]
        for passage in passages:
            add_passage(kb.store, collection_id, passage, kb.store.document(passage.document_id))
        titles = {kb.store.document(p.document_id).meta.title for p in passages}
    data = str(writable_corpus_data)
    code, out, _ = run(capsys, "export", "Fathers", "--format", "md", "--data", data)
    assert code == EXIT_OK and out.startswith("# Fathers\n") and all(t in out for t in titles)
    target = tmp_path / "pack.docx"
    code, out, _ = run(capsys, "export", str(collection_id), "--format", "docx", "-o", str(target),
                       "--data", data)
    assert code == EXIT_OK and f"Wrote 3 quotations from “Fathers” to {target}" in out
    quotes = [p.text for p in docx.Document(str(target)).paragraphs if p.style.name == "Quote"]
    assert sorted(quotes) == sorted(p.text for p in passages)
    code, _, _ = run(capsys, "export", "Fathers", "--format", "html", "-o", str(tmp_path / "p.html"),
                     "--data", data)
    assert code == EXIT_OK and (tmp_path / "p.html").read_text().startswith("<!doctype html>")
    code, _, _ = run(capsys, "export", "Fathers", "--format", "pdf", "-o", str(tmp_path / "p.pdf"),
                     "--data", data)
    assert code == EXIT_OK and PdfReader(str(tmp_path / "p.pdf")).metadata.title == "Fathers"


def test_export_usage_errors(writable_corpus_data: Path, capsys) -> None:
    data = str(writable_corpus_data)
    code, _, err = run(capsys, "export", "Nothing", "--format", "md", "--data", data)
    assert code == EXIT_USAGE and "no collection with the id or name 'Nothing'" in err
    code, _, err = run(capsys, "export", "1", "--format", "docx", "--data", data)
    assert code == EXIT_USAGE and "a DOCX file is binary: give -o FILE" in err
    code, _, err = run(capsys, "export", "1", "--format", "pdf", "--data", data)
    assert code == EXIT_USAGE and "a PDF file is binary: give -o FILE" in err
