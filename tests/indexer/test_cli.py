"""The `kb` command, called as a person would, on real files."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cli import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, build_parser, main
from kb.lock import DataLock
from tests.conftest import CORPUS, DATA
from web.commands import serve_settings

PDF = "2020-calder-vale-rapid-review-child-k.pdf"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_index_twice_reports_unchanged_the_second_time(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(CORPUS / PDF, folder)
    data = str(tmp_path / "data")
    code, out, _ = run(capsys, "index", str(folder), "--data", data)
    assert code == EXIT_OK and out.startswith("1 new, 0 updated, 0 unchanged, 0 failed")
    code, out, _ = run(capsys, "index", str(folder), "--data", data)
    assert code == EXIT_OK and out.startswith("0 new, 0 updated, 1 unchanged, 0 failed")


def test_failed_files_give_exit_status_3_and_are_listed(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(CORPUS / PDF, folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    code, out, _ = run(capsys, "index", str(folder), "--data", str(tmp_path / "data"))
    assert code == EXIT_PARTIAL
    assert "1 new" in out and "1 failed" in out
    assert f"failed: {(folder / 'broken.pdf').resolve()}:" in out


def test_usage_errors_give_exit_status_2(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["index"])
    assert raised.value.code == EXIT_USAGE
    code, _, err = run(capsys, "eval", "themes", str(tmp_path / "missing.jsonl"),
                       "--data", str(tmp_path))
    assert code == EXIT_USAGE and "no such file" in err
    bad_themes = tmp_path / "themes.toml"
    bad_themes.write_text("this is not [ toml")
    code, _, err = run(capsys, "stats", "--data", str(tmp_path), "--themes", str(bad_themes))
    assert code == EXIT_USAGE and str(bad_themes) in err
    code, _, err = run(capsys, "search", "father", "--theme", "fathers", "--data", str(tmp_path))
    assert code == EXIT_USAGE and "no such theme: fathers" in err
    for command in (["search", "father"], ["trends"]):
        with pytest.raises(SystemExit) as raised:
            main([*command, "--kind", "serious-case-review", "--data", str(tmp_path)])
        assert raised.value.code == EXIT_USAGE


def test_data_directory_comes_from_the_environment(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("KB_DATA", str(tmp_path / "from-env"))
    code, out, _ = run(capsys, "stats", "--json")
    assert code == EXIT_OK and json.loads(out)["documents"] == 0
    assert (tmp_path / "from-env" / "kb.sqlite3").exists()


def test_data_directory_may_come_before_or_after_the_command(corpus_data: Path, tmp_path: Path,
                                                             capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # where the default ./instance would be made
    for argv in (["--data", str(corpus_data), "stats", "--json"],
                 ["stats", "--json", "--data", str(corpus_data)],
                 ["--data", str(tmp_path / "elsewhere"), "stats", "--json", "--data",
                  str(corpus_data)]):
        code, out, _ = run(capsys, *argv)
        assert code == EXIT_OK and json.loads(out)["documents"] > 0, argv
    assert not (tmp_path / "instance").exists() and not (tmp_path / "elsewhere").exists()


def test_stats_search_and_themes_on_the_corpus(corpus_data: Path, capsys) -> None:
    data = str(corpus_data)
    code, out, _ = run(capsys, "stats", "--json", "--data", data)
    stats = json.loads(out)
    assert stats["by_scope"]["national"] >= 5 and stats["pages"] > 80
    code, out, _ = run(capsys, "search", "bruising in non-mobile babies", "--theme", "babies",
                       "--scope", "local", "--json", "--data", data)
    found = json.loads(out)
    assert found["total"] > 0
    assert all("babies" in r["themes"] and r["scope"] == "local" for r in found["results"])
    code, out, _ = run(capsys, "search", "recommendation", "--type", "recommendation",
                       "--year-from", "2022", "--data", data)
    assert code == EXIT_OK and "passages" in out
    code, out, _ = run(capsys, "themes", "--json", "--data", data)
    themes = {t["id"]: t["passages"] for t in json.loads(out)}
    assert len(themes) == 17 and themes["fathers-male-carers"] > 5


def test_eval_themes_prints_json_with_micro_and_macro(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "eval", "themes", str(DATA / "themes-dev.jsonl"), "--json",
                       "--data", str(tmp_path))
    result = json.loads(out)
    assert code == EXIT_OK
    assert set(result) >= {"micro", "macro", "per_theme"}
    assert set(result["micro"]) == {"precision", "recall", "f1"}


def test_kb_serve_flags_win_over_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("KB_REQUIRE_SIGN_IN", "no")
    plain = serve_settings(build_parser().parse_args(["serve", "--data", str(tmp_path)]))
    assert not plain.require_sign_in and plain.secure_cookies and plain.data_dir == tmp_path
    flagged = serve_settings(build_parser().parse_args(
        ["serve", "--data", str(tmp_path), "--require-sign-in", "--insecure-cookies"]))
    assert flagged.require_sign_in and not flagged.secure_cookies


@pytest.mark.parametrize("command", [["index", "FOLDER"], ["reindex"], ["retag"], ["restrict", "1"],
                                     ["curate", "add", "1", "neglect"]])
def test_a_second_indexer_is_refused_with_a_clear_message(tmp_path: Path, capsys,
                                                          command: list[str]) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(CORPUS / PDF, folder / PDF)
    data = str(tmp_path / "data")
    assert run(capsys, "index", str(folder), "--data", data)[0] == EXIT_OK
    argv = [str(folder) if part == "FOLDER" else part for part in command]
    with DataLock(tmp_path / "data"):  # an indexer at work
        code, out, err = run(capsys, *argv, "--data", data)
    assert code == EXIT_USAGE and out == ""
    assert f"kb {command[0]}: another indexer (pid " in err
    assert "is already working on" in err and "wait for it to finish and run again" in err
    assert run(capsys, *argv, "--data", data)[0] == EXIT_OK, "it runs once the other has finished"


def test_theme_counts_follow_curators_decisions(writable_corpus_data: Path, capsys) -> None:
    data = str(writable_corpus_data)

    def counts() -> dict[str, int]:
        code, out, _ = run(capsys, "themes", "--json", "--data", data)
        assert code == EXIT_OK
        return {t["id"]: t["passages"] for t in json.loads(out)}

    before = counts()
    code, out, _ = run(capsys, "search", "father", "--theme", "fathers-male-carers", "--json",
                       "--limit", "1", "--data", data)
    passage_id = json.loads(out)["results"][0]["passage_id"]
    assert run(capsys, "curate", "remove", str(passage_id), "fathers-male-carers",
               "--data", data)[0] == EXIT_OK
    assert counts()["fathers-male-carers"] == before["fathers-male-carers"] - 1
    # The curator's check of the tag is counted beside the theme, in JSON and in the table.
    listed = {t["id"]: t for t in json.loads(run(capsys, "themes", "--json", "--data", data)[1])}
    assert listed["fathers-male-carers"]["curator_checks"]["removed"] == 1
    assert listed["babies"]["curator_checks"]["checked"] == 0
    table = run(capsys, "themes", "--data", data)[1]
    assert re.search(r"fathers-male-carers .* 0% of 1 ", table) and "not checked" in table


def test_kb_restrict_holds_through_an_edit_and_a_rebuild(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    report = folder / "review.md"
    report.write_text("---\ntitle: Review Q\nyear: 2022\n---\n# Findings\n\n"
                      "The stepfather was never assessed by anyone in the partnership.\n")
    data = str(tmp_path / "data")
    assert run(capsys, "index", str(folder), "--data", data)[0] == EXIT_OK

    def found() -> int:
        code, out, _ = run(capsys, "search", "stepfather", "--json", "--data", data)
        return json.loads(out)["total"]

    assert found() == 1
    assert run(capsys, "restrict", "1", "--data", data)[0] == EXIT_OK
    assert found() == 0
    report.write_text(report.read_text() + "\nThe stepfather's history was not checked.\n")
    assert run(capsys, "index", str(folder), "--data", data)[0] == EXIT_OK
    assert found() == 0
    assert run(capsys, "index", str(folder), "--rebuild", "--data", data)[0] == EXIT_OK
    assert found() == 0


def test_partly_read_documents_are_warned_about_and_listed_by_stats(
        tmp_path: Path, capsys, image_only_pdf: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    folder = tmp_path / "reports"
    folder.mkdir()
    writer = PdfWriter(clone_from=PdfReader(CORPUS / PDF))
    pages = len(writer.pages)
    for page in PdfReader(image_only_pdf).pages:
        writer.add_page(page)
    writer.write(folder / "partly-scanned.pdf")
    shutil.copy(CORPUS / "2024-northmoor-rapid-review-child-s.pdf", folder)
    data = str(tmp_path / "data")
    warning = f"2 of {pages + 2} pages gave no text: scanned pages need OCR"
    code, out, _ = run(capsys, "index", str(folder), "--data", data)
    assert code == EXIT_OK
    assert out.startswith("2 new, 0 updated, 0 unchanged, 0 failed, 1 partly read")
    assert f"  warning: {folder / 'partly-scanned.pdf'}: {warning}" in out.splitlines()
    code, out, _ = run(capsys, "stats", "--data", data)
    assert f"  {folder / 'partly-scanned.pdf'}: {warning}" in out.splitlines()
    code, out, _ = run(capsys, "stats", "--json", "--data", data)
    partly = json.loads(out)["partly_read"]
    assert [(d["path"], d["pages"], d["pages_without_text"]) for d in partly] == [
        (str(folder / "partly-scanned.pdf"), pages + 2, 2)]


def test_pypdfs_own_message_is_shown_only_with_verbose(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    data = (DATA / "cspr-child-m.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    code, out, _ = run(capsys, "index", str(folder), "--data", str(tmp_path / "data"))
    assert code == EXIT_PARTIAL and "damaged PDF: the file is broken or incomplete" in out
    assert "details:" not in out
    code, out, _ = run(capsys, "index", str(folder), "--data", str(tmp_path / "data2"), "--verbose")
    assert "    details: " in out
