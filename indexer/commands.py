"""The indexer's commands: read report files into the knowledge base (``kb index``), tag
its passages again (``kb retag``), train the theme model again (``kb retrain``), and measure
tagging, ranking and extraction quality (``kb eval``)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from kb.command_line import (
    EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, AddCommand, UsageError, open_kb, positive_int,
    positive_seconds, say,
)
from kb.lock import DataLock, IndexerBusy
from kb.text import for_terminal


def cmd_index(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from indexer.ingest import ingest

    with open_kb(args, write=True) as kb:
        bar = tqdm(total=0, unit="file", desc="Indexing", disable=None, file=sys.stderr)

        def progress(outcome) -> None:
            bar.update(1)
            if outcome.status == "failed":
                bar.write(say(f"failed: {outcome.path}: {outcome.reason}"), file=sys.stderr)
                if args.verbose and outcome.detail:
                    bar.write(say(f"  details: {outcome.detail}"), file=sys.stderr)

        def set_total(total: int) -> None:
            bar.total = total
            bar.refresh()

        try:
            report = ingest(kb, args.paths, rebuild=args.rebuild, prune=args.prune, jobs=args.jobs,
                            timeout=args.timeout, progress=progress, on_total=set_total)
        except IndexerBusy as error:
            bar.close()
            print(for_terminal(f"kb index: {error}"), file=sys.stderr)
            return EXIT_USAGE
        bar.close()
    print(report.summary())
    for outcome in report.failed:
        print(say(f"  failed: {outcome.path}: {outcome.reason}"))
        if args.verbose and outcome.detail:
            print(say(f"    details: {outcome.detail}"))
    for outcome in report.warned:
        print(say(f"  warning: {outcome.path}: {outcome.warning}"))
    return EXIT_PARTIAL if report.failed else EXIT_OK


def cmd_retag(args: argparse.Namespace) -> int:
    from indexer.retag import retag, tagger_for

    with open_kb(args, write=True) as kb, DataLock(kb.settings.data_dir):
        total, tagging_seconds = retag(kb, tagger_for(kb))
    rate = f" ({total / tagging_seconds:.0f} passages tagged per CPU-second)" if tagging_seconds else ""
    print(f"Re-tagged {total} passages with the themes of {kb.taxonomy.path}{rate}.")
    return EXIT_OK


def cmd_retrain(args: argparse.Namespace) -> int:
    from indexer.retag import retrain

    with open_kb(args, write=True) as kb, DataLock(kb.settings.data_dir):
        started = time.perf_counter()
        model, total = retrain(kb)
    info = model.info
    print(f"Trained the theme model on {info['examples']} examples ({info['curator_examples']} from "
          f"curators' decisions) and re-tagged {total} passages in {time.perf_counter() - started:.0f}s.")
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    if args.what == "extraction":
        return _eval_extraction(args)
    if args.source is not None:
        raise UsageError("--source is for `kb eval extraction`")
    paths = [Path(name) for name in args.files]
    for path in paths:
        if not path.is_file():
            raise UsageError(f"no such file: {path}")
        _check_json_lines(path)
    if args.what == "themes":
        if len(paths) != 1:
            raise UsageError("`kb eval themes` takes one file")
        path = paths[0]
        from indexer.evaluate import evaluate_themes, format_theme_errors, format_theme_report
        from indexer.retag import tagger_for
        from indexer.tag import Tagger

        with open_kb(args) as kb:
            tagger = Tagger(kb.taxonomy) if args.rules_only else tagger_for(kb)
        try:
            result = evaluate_themes(path, tagger, errors=args.errors)
        except (ValueError, KeyError) as error:
            raise UsageError(f"{path} is not a file of labelled passages ({error})") from None
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            print(format_theme_report(result))
            if args.errors:
                print(for_terminal(format_theme_errors(result)))
        return EXIT_OK
    from indexer.evaluate import (cross_validate_search, evaluate_search, format_cv_report,
                                  format_search_report)

    if args.cv is not None and args.cv < 2:
        raise UsageError("--cv needs at least 2 folds")
    with open_kb(args) as kb:
        if args.cv:
            result = cross_validate_search(paths, kb, folds=args.cv, say=lambda line: print(
                line, file=sys.stderr) if sys.stderr.isatty() else None)
            print(json.dumps(result, indent=2) if args.json else format_cv_report(result))
            return EXIT_OK
        result = evaluate_search(paths, kb)
    print(json.dumps(result, indent=2) if args.json else format_search_report(result))
    return EXIT_OK


def _eval_extraction(args: argparse.Namespace) -> int:
    from indexer.evaluate import evaluate_extraction, format_extraction_report

    if len(args.files) != 1 or not Path(args.files[0]).is_dir():
        raise UsageError("`kb eval extraction` takes one folder of report files")
    if args.source is None or not args.source.is_dir():
        raise UsageError("give the folder of the reports' sources (Markdown, text, HTML or DOCX "
                         "files named like the reports) with --source MD_DIR")
    result = evaluate_extraction(Path(args.files[0]), args.source)
    if not result["files"] and not result["failed"]:
        raise UsageError(f"no report in {args.files[0]} has a source of the same name in {args.source}")
    print(json.dumps(result, indent=2) if args.json else format_extraction_report(result))
    return EXIT_OK


def _check_json_lines(path: Path) -> None:
    """A usage error, naming the line, unless every non-blank line of ``path`` is a JSON object."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not JSON lines: it is not UTF-8 text") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise UsageError(f"{path} is not JSON lines: line {number}: {error.msg}") from None
        if not isinstance(record, dict):
            raise UsageError(f"{path} is not JSON lines: line {number} is not an object")


def add_commands(command: AddCommand) -> None:
    """Add the indexer's commands to the ``kb`` program."""
    sub = command("index", cmd_index, "Index report files and folders (incremental).")
    sub.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    sub.add_argument("--rebuild", action="store_true", help="re-read every file, even unchanged ones")
    sub.add_argument("--prune", action="store_true",
                     help="remove documents whose files are gone from the folders given")
    sub.add_argument("--jobs", type=positive_int, default=1, help="worker processes (default 1)")
    sub.add_argument("--timeout", type=positive_seconds, default=120.0,
                     help="seconds allowed to read one file (default 120)")
    sub.add_argument("--verbose", action="store_true",
                     help="show the technical details of why a file could not be read")

    command("retag", cmd_retag, "Tag every stored passage again with the taxonomy in force.")
    command("retrain", cmd_retrain, "Train the theme model again with every curator decision, "
            "then re-tag every passage.")

    sub = command("eval", cmd_eval, "Measure tagging, ranking or text extraction quality against "
                                    "labelled data.")
    sub.add_argument("what", choices=["themes", "search", "extraction"])
    sub.add_argument("files", metavar="FILE.jsonl", nargs="+",
                     help="labelled passages (themes: one file), judged queries (search), or a "
                          "folder of reports (extraction)")
    sub.add_argument("--source", type=Path, metavar="MD_DIR",
                     help="extraction: the folder of the sources the reports were made from")
    sub.add_argument("--json", action="store_true")
    sub.add_argument("--errors", action="store_true",
                     help="themes: also print every wrongly tagged passage with its evidence")
    sub.add_argument("--rules-only", action="store_true",
                     help="themes: measure the rules without the learned model")
    sub.add_argument("--cv", type=int, metavar="FOLDS",
                     help="search: cross-validate the ranking's parameters over FOLDS folds")
