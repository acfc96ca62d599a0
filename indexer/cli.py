"""The ``kb`` command: index reports, search them, serve the web app, measure quality.

Exit status: 0 success, 2 usage error, 3 when some files failed and the rest were indexed.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import NoReturn

from kb.base import KnowledgeBase
from kb.model import KINDS
from kb.lock import DataLock, IndexerBusy
from kb.search import SearchRequest, SearchRequestError
from kb.settings import DataDirError, Settings
from kb.store import ReadOnlyError
from kb.taxonomy import TaxonomyError
from kb.text import for_terminal

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


class UsageError(Exception):
    """A mistake in how the command was called; the message says what to do."""


def _settings(args: argparse.Namespace, **overrides: bool | str | None) -> Settings:
    """Settings from the common flags and the environment; a bad variable is a usage error."""
    try:
        return Settings.from_env(data_dir=args.data, themes_path=args.themes, **overrides)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _open(args: argparse.Namespace, write: bool = False) -> KnowledgeBase:
    """The knowledge base of the settings; ``write``: the command changes it, so a data
    directory this process may not write is a usage error (reading commands work there)."""
    try:
        kb = KnowledgeBase(_settings(args))
    except (TaxonomyError, DataDirError, ReadOnlyError) as error:
        raise UsageError(str(error)) from None
    if write and kb.store.read_only:
        kb.close()
        raise UsageError(f"the data directory {kb.settings.data_dir} is read-only: "
                         f"`kb {args.command}` needs to change it")
    # A search index an earlier version or another engine wrote is rebuilt from SQLite first.
    kb.build_index_if_needed(lambda message: print(f"kb: {message}", file=sys.stderr))
    return kb


def _say(text: object) -> str:
    """Text from documents (titles, passages, names) made safe to print on a terminal."""
    return for_terminal(str(text))


# -- argument types: a bad value is a usage error (exit 2) with a message ------------------------
def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number is needed, not {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _positive_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of seconds is needed, not {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {raw}")
    return value


def _year(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a year is needed, not {raw!r}") from None
    if not 0 <= value <= 9999:
        raise argparse.ArgumentTypeError(f"a year is 0 to 9999, not {raw}")
    return value


# -- commands -----------------------------------------------------------------
def cmd_index(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from indexer.ingest import ingest

    with _open(args, write=True) as kb:
        bar = tqdm(total=0, unit="file", desc="Indexing", disable=None, file=sys.stderr)

        def progress(outcome) -> None:
            bar.update(1)
            if outcome.status == "failed":
                bar.write(_say(f"failed: {outcome.path}: {outcome.reason}"), file=sys.stderr)
                if args.verbose and outcome.detail:
                    bar.write(_say(f"  details: {outcome.detail}"), file=sys.stderr)

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
        print(_say(f"  failed: {outcome.path}: {outcome.reason}"))
        if args.verbose and outcome.detail:
            print(_say(f"    details: {outcome.detail}"))
    for outcome in report.warned:
        print(_say(f"  warning: {outcome.path}: {outcome.warning}"))
    return EXIT_PARTIAL if report.failed else EXIT_OK


def cmd_reindex(args: argparse.Namespace) -> int:
    with _open(args, write=True) as kb, DataLock(kb.settings.data_dir):
        count = kb.rebuild_index()
    print(f"Rebuilt the search index from the database: {count} passages.")
    return EXIT_OK


def cmd_retag(args: argparse.Namespace) -> int:
    from indexer.retag import retag, tagger_for

    with _open(args, write=True) as kb, DataLock(kb.settings.data_dir):
        total, tagging_seconds = retag(kb, tagger_for(kb))
    rate = f" ({total / tagging_seconds:.0f} passages tagged per CPU-second)" if tagging_seconds else ""
    print(f"Re-tagged {total} passages with the themes of {kb.taxonomy.path}{rate}.")
    return EXIT_OK


def cmd_retrain(args: argparse.Namespace) -> int:
    from indexer.retag import retrain

    with _open(args, write=True) as kb, DataLock(kb.settings.data_dir):
        started = time.perf_counter()
        model, total = retrain(kb)
    info = model.info
    print(f"Trained the theme model on {info['examples']} examples ({info['curator_examples']} from "
          f"curators' decisions) and re-tagged {total} passages in {time.perf_counter() - started:.0f}s.")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    with _open(args) as kb:
        stats = kb.store.stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return EXIT_OK
    print(f"{stats['documents']} documents, {stats['passages']} passages, {stats['pages']} pages")
    if stats["partly_read"]:
        from indexer.ingest import partly_read

        print(f"Partly read ({len(stats['partly_read'])}):")
        for document in stats["partly_read"]:
            warning = partly_read(document["pages"], document["pages_without_text"])
            print(for_terminal(f"  {document['path']}: {warning}"))
    for title, key in (("By kind", "by_kind"), ("By scope", "by_scope"), ("By year", "by_year")):
        print(f"{title}:")
        for value, count in stats[key].items():
            print(_say(f"  {value:<20} {count}"))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    params = {"q": args.query, "theme": args.theme or [], "scope": args.scope or [],
              "kind": args.kind or [], "age": args.age or [], "type": args.type or [],
              "agency": args.agency or [], "per_page": str(args.limit), "match": args.match}
    if args.year_from is not None:
        params["year_from"] = str(args.year_from)
    if args.year_to is not None:
        params["year_to"] = str(args.year_to)
    try:
        request = SearchRequest.from_params(params)
    except SearchRequestError as error:
        raise UsageError(str(error)) from None
    with _open(args) as kb:
        unknown = sorted(set(args.theme or []) - {theme.id for theme in kb.taxonomy.themes})
        if unknown:
            raise UsageError(f"no such theme: {', '.join(unknown)} (`kb themes` lists them)")
        response = kb.search(request)
    if args.json:
        print(json.dumps(response.to_dict(), indent=2))
        return EXIT_OK
    if response.notice:
        print(for_terminal(response.notice))
    for typed, read, meaning in response.read_as:
        print(for_terminal(f"Searched for {read}" + (f" ({meaning})" if meaning else "")
                           + f": {typed!r} is a common misspelling of it."))
    if response.matched is not None:
        print(f"{response.total} relevant passages ({response.matched} mention any of the words;"
              " --match any lists them all)")
    else:
        print(f"{response.total} passages")
    for result in response.results:
        document, passage = result.document, result.passage
        page = f", page {passage.page_start}" if passage.page_start else ""
        themes = f" [{', '.join(passage.themes)}]" if passage.themes else ""
        print(_say(f"\n{document.meta.title} ({document.meta.year}{page}){themes}"))
        print(_say(f"  {_plain(result.snippet)}"))
    if response.suggestion:
        print(_say(f"\nDid you mean: {response.suggestion}"))
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


def _plain(snippet_html: str) -> str:
    import html
    import re
    return html.unescape(re.sub(r"</?mark>", "", snippet_html))


def serve_settings(args: argparse.Namespace) -> Settings:
    """The settings ``kb serve`` runs with: its flags, else the environment."""
    host = f"[{args.host}]" if ":" in args.host else args.host
    base_url = args.base_url or os.environ.get("KB_BASE_URL") or (
        f"http://{host}:{args.port}" if args.host not in ("0.0.0.0", "::", "") else "")
    return _settings(args, require_sign_in=args.require_sign_in or None,
                     secure_cookies=False if args.insecure_cookies else None,
                     base_url=base_url)


def cmd_serve(args: argparse.Namespace) -> int:
    from web import create_app

    try:
        app = create_app(serve_settings(args))
    except (TaxonomyError, DataDirError, ReadOnlyError) as error:
        raise UsageError(str(error)) from None
    app.run(host=args.host, port=args.port, threaded=True)
    return EXIT_OK


def cmd_themes(args: argparse.Namespace) -> int:
    with _open(args) as kb:
        # The themes in force: the tagger's with curators' decisions applied.
        counts = {row[0]: (row[1], row[2]) for row in kb.store.conn.execute(
            "SELECT e.theme_id, COUNT(*), COUNT(DISTINCT p.document_id) FROM effective_themes e "
            "JOIN passages p ON p.id = e.passage_id GROUP BY e.theme_id")}
        rows = [(theme.id, theme.label, *counts.get(theme.id, (0, 0)))
                for theme in kb.taxonomy.themes]
    if args.json:
        print(json.dumps([{"id": i, "label": label, "passages": n, "documents": d}
                          for i, label, n, d in rows], indent=2))
        return EXIT_OK
    width = max(len(i) for i, *_ in rows)
    print(f"{'theme':<{width}}  {'passages':>8}  {'documents':>9}  label")
    for theme_id, label, passages, documents in rows:
        print(for_terminal(f"{theme_id:<{width}}  {passages:>8}  {documents:>9}  {label}"))
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

        with _open(args) as kb:
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
    with _open(args) as kb:
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


def cmd_restrict(args: argparse.Namespace) -> int:
    with _open(args, write=True) as kb, DataLock(kb.settings.data_dir):
        if not kb.store.set_restricted(args.document_id, not args.lift):
            raise UsageError(f"no document with id {args.document_id}")
        kb.sync_index()
    print(f"Document {args.document_id} is now {'open' if args.lift else 'restricted'}.")
    return EXIT_OK


def cmd_curate(args: argparse.Namespace) -> int:
    with _open(args, write=True) as kb, DataLock(kb.settings.data_dir):
        if kb.taxonomy.get(args.theme) is None:
            raise UsageError(f"unknown theme {args.theme!r}; see `kb themes`")
        try:
            kb.store.curate(args.passage_id, args.theme, args.action, args.curator)
        except KeyError:
            raise UsageError(f"no passage with id {args.passage_id}") from None
        kb.sync_index()
    print(f"Passage {args.passage_id}: {args.action} {args.theme} (by {args.curator}).")
    return EXIT_OK


def cmd_users(args: argparse.Namespace) -> int:
    import getpass

    from kb.accounts import (
        AccountError, add_user, change_password, change_role, list_users, remove_user,
    )

    with _open(args, write=args.action != "list") as kb:
        if args.action == "list":
            for user in list_users(kb.store):
                access = ", restricted documents" if user.sees_restricted else ""
                print(for_terminal(f"{user.username:<24} {user.role}{access}"))
            return EXIT_OK
        if not args.username:
            raise UsageError(f"`kb users {args.action}` needs a user name")
        if args.action == "remove":
            if not remove_user(kb.store, args.username):
                raise UsageError(f"no user called {args.username}")
            print(f"Removed {args.username}.")
            return EXIT_OK
        try:
            if args.action == "role":
                if args.role is None:
                    raise UsageError("`kb users role` needs --role viewer|curator|admin")
                user = change_role(kb.store, args.username, args.role, args.restricted_access)
                access = ", restricted documents" if user.sees_restricted else ""
                print(f"{user.username} is now {user.role}{access}; their sessions have ended.")
                return EXIT_OK
            password = os.environ.get("KB_PASSWORD") or getpass.getpass(
                f"{'New password' if args.action == 'passwd' else 'Password'} for "
                f"{args.username}: ")
            if args.action == "passwd":
                change_password(kb.store, args.username, password)
                print(f"Changed the password of {args.username}; their sessions have ended.")
                return EXIT_OK
            user = add_user(kb.store, args.username, password, args.role or "viewer",
                            args.restricted_access)
        except AccountError as error:
            raise UsageError(str(error)) from None
    print(f"Added {user.username} ({user.role}).")
    return EXIT_OK


def cmd_trends(args: argparse.Namespace) -> int:
    from urllib.parse import urlencode

    from kb.trends import TrendFilters, recurrence, theme_trends

    filters = TrendFilters(kind=tuple(args.kind or ()), publisher=tuple(args.publisher or ()),
                           scope=tuple(args.scope or ()), year_from=args.year_from,
                           year_to=args.year_to, area=tuple(args.area or ()))

    def link(request: SearchRequest) -> str:
        """The search behind a count, as an address on the web app."""
        return "/?" + urlencode(request.to_params())
    with _open(args) as kb:
        label = kb.taxonomy.label
        trends = theme_trends(kb, filters, include_restricted=args.include_restricted)
        recurring = recurrence(kb, filters, include_restricted=args.include_restricted)
    if args.csv:
        sys.stdout.write(trends.to_csv(label, link))
        return EXIT_OK
    if args.json:
        print(json.dumps({"trends": trends.to_dict(label, link), "recurrence": [
            dict(found.to_dict(), label=label(found.theme_id)) for found in recurring]}, indent=2))
        return EXIT_OK
    width = max((len(theme_id) for theme_id in trends.theme_ids), default=5)
    scopes = "/".join(trends.scopes)
    print(f"Documents carrying each theme, by year ({scopes}):")
    print(f"{'theme':<{width}}" + "".join(f"{year:>8}" for year in trends.years))
    for theme_id in trends.theme_ids:
        counts = ["/".join(str(trends.cell(theme_id, year, scope).documents)
                           for scope in trends.scopes) for year in trends.years]
        print(f"{theme_id:<{width}}" + "".join(f"{count:>8}" for count in counts))
    print("\nRecurrence:")
    print(f"{'theme':<{width}}  {'first':>5}  {'last':>5}  {'documents (local/national)':<26}"
          "  recurred in")
    for found in recurring:
        by_scope = found.documents_by_scope
        documents = f"{found.documents} ({by_scope.get('local', 0)}/{by_scope.get('national', 0)})"
        first, last = found.first_year or "-", found.last_year or "-"
        print(f"{found.theme_id:<{width}}  {first:>5}  {last:>5}  {documents:<26}  "
              f"{', '.join(map(str, found.recurred_in)) or '-'}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from kb.collection import CollectionError, find_collection, get_collection
    from kb.export import BINARY_FORMATS, export, training_pack

    if args.format in BINARY_FORMATS and args.output is None:
        raise UsageError(f"a {args.format.upper()} file is binary: give -o FILE")
    if args.output is not None and args.output.is_dir():
        raise UsageError(f"{args.output} is a directory: give a file name with -o")
    if args.output is not None and not args.output.absolute().parent.is_dir():
        raise UsageError(f"there is no directory {args.output.absolute().parent} to write "
                         f"{args.output.name} in")
    with _open(args) as kb:
        try:
            collection_id = find_collection(kb.store, args.collection)
        except CollectionError as error:
            raise UsageError(str(error)) from None
        collection = get_collection(kb.store, collection_id) if collection_id else None
        if collection is None:
            raise UsageError(f"no collection with the id or name {args.collection!r}")
        pack = training_pack(kb, collection, include_restricted=args.include_restricted,
                             author=args.author or kb.settings.partnership)
    content = export(pack, args.format)
    if args.output is None:
        text = content.decode()
        sys.stdout.write(_say(text) if sys.stdout.isatty() else text)
        return EXIT_OK
    try:
        args.output.write_bytes(content)
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: {error.strerror}") from None
    print(_say(f"Wrote {len(pack.quotations)} quotations from “{pack.title}” to {args.output}."))
    return EXIT_OK


# -- parser -------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """A usage error is one line on standard error (and exit status 2), like every other."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    def common_options(default: object) -> argparse.ArgumentParser:
        options = argparse.ArgumentParser(add_help=False)
        options.add_argument("--data", metavar="DIR", default=default,
                             help="data directory (default: $KB_DATA or ./instance)")
        options.add_argument("--themes", metavar="PATH", default=default,
                             help="taxonomy file (default: $KB_THEMES or the shipped themes)")
        return options

    parser = _Parser(prog="kb", description=__doc__.splitlines()[0],
                     parents=[common_options(None)])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Given after the command, --data and --themes win; given before it, they still count.
    after_command = common_options(argparse.SUPPRESS)

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text,
                                  parents=[after_command])
        sub.set_defaults(handler=handler)
        return sub

    sub = command("index", cmd_index, "Index report files and folders (incremental).")
    sub.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    sub.add_argument("--rebuild", action="store_true", help="re-read every file, even unchanged ones")
    sub.add_argument("--prune", action="store_true",
                     help="remove documents whose files are gone from the folders given")
    sub.add_argument("--jobs", type=_positive_int, default=1, help="worker processes (default 1)")
    sub.add_argument("--timeout", type=_positive_seconds, default=120.0,
                     help="seconds allowed to read one file (default 120)")
    sub.add_argument("--verbose", action="store_true",
                     help="show the technical details of why a file could not be read")

    command("reindex", cmd_reindex, "Rebuild the search index from the database alone.")
    command("retag", cmd_retag, "Tag every stored passage again with the taxonomy in force.")
    command("retrain", cmd_retrain, "Train the theme model again with every curator decision, "
            "then re-tag every passage.")

    sub = command("stats", cmd_stats, "Counts of documents, passages and pages.")
    sub.add_argument("--json", action="store_true")

    sub = command("search", cmd_search, "Search passages.")
    sub.add_argument("query")
    sub.add_argument("--theme", action="append", metavar="ID")
    sub.add_argument("--scope", action="append", choices=["local", "national"])
    sub.add_argument("--kind", action="append", choices=KINDS)
    sub.add_argument("--age", action="append", choices=["baby", "young-child", "adolescent"])
    sub.add_argument("--type", action="append",
                     choices=["recommendation", "finding", "good-practice", "other"])
    sub.add_argument("--agency", action="append", metavar="AGENCY")
    sub.add_argument("--year-from", type=_year)
    sub.add_argument("--year-to", type=_year)
    sub.add_argument("--limit", type=_positive_int, default=10)
    sub.add_argument("--match", choices=["relevant", "any", "all"], default="relevant",
                     help="the passages holding most of the words (default), any of them, "
                          "or all of them (each word or a synonym)")
    sub.add_argument("--json", action="store_true")

    sub = command("serve", cmd_serve,
                  "Serve the web app (for local use; see the README to deploy it).")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=5000)
    sub.add_argument("--require-sign-in", action="store_true",
                     help="show nothing but the sign-in page to anyone not signed in "
                          "(default: $KB_REQUIRE_SIGN_IN or no)")
    sub.add_argument("--base-url", metavar="URL",
                     help="the address links in the API and CSV are built on (default: "
                          "$KB_BASE_URL, else http://HOST:PORT; for 0.0.0.0, paths)")
    sub.add_argument("--insecure-cookies", action="store_true",
                     help="let the session cookie travel over plain HTTP, for local use only "
                          "(default: $KB_SECURE_COOKIES or yes)")

    sub = command("themes", cmd_themes, "List the themes in force with their passage counts.")
    sub.add_argument("--json", action="store_true")

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

    sub = command("restrict", cmd_restrict, "Restrict a document to signed-in users with access.")
    sub.add_argument("document_id", type=int)
    sub.add_argument("--lift", action="store_true", help="make the document open again")

    sub = command("users", cmd_users,
                  "Add, remove or list the people who can sign in; set a password or a role.")
    sub.add_argument("action", choices=["add", "remove", "list", "passwd", "role"])
    sub.add_argument("username", nargs="?")
    sub.add_argument("--role", choices=["viewer", "curator", "admin"],
                     help="add: the role (default viewer); role: the new one")
    sub.add_argument("--restricted-access", action="store_true",
                     help="may see restricted documents (admins always may)")

    sub = command("trends", cmd_trends,
                  "Documents carrying each theme by year (local/national), and how themes recur.")
    output = sub.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="trends and recurrence as JSON")
    output.add_argument("--csv", action="store_true", help="one row per theme, year and scope")
    sub.add_argument("--kind", action="append", choices=KINDS)
    sub.add_argument("--publisher", action="append", metavar="NAME")
    sub.add_argument("--area", action="append", metavar="AREA",
                     help="the place served, whatever its publisher's name (kb/areas.toml)")
    sub.add_argument("--scope", action="append", choices=["local", "national"])
    sub.add_argument("--year-from", type=_year)
    sub.add_argument("--year-to", type=_year)
    sub.add_argument("--include-restricted", action="store_true",
                     help="count restricted documents too (default: leave them out)")

    sub = command("export", cmd_export, "Export a collection as a training pack.")
    sub.add_argument("collection", metavar="COLLECTION", help="the collection's id or name")
    sub.add_argument("--format", choices=["md", "docx", "html", "pdf"], required=True)
    sub.add_argument("-o", "--output", type=Path, metavar="FILE",
                     help="write here (default: standard output; required for docx and pdf)")
    sub.add_argument("--include-restricted", action="store_true",
                     help="keep passages of restricted documents (default: leave them out)")
    sub.add_argument("--author", metavar="NAME",
                     help="the trainer or partnership named as the files' author "
                          "(default: KB_PARTNERSHIP)")

    sub = command("curate", cmd_curate, "Confirm, remove or add a theme on a passage.")
    sub.add_argument("action", choices=["confirm", "remove", "add"])
    sub.add_argument("passage_id", type=int)
    sub.add_argument("theme")
    sub.add_argument("--curator", default="cli")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (UsageError, IndexerBusy) as error:  # IndexerBusy: another indexer holds the data
        print(_say(f"kb {args.command}: {error}"), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the output went to a reader that stopped early (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (OSError, sqlite3.Error) as error:  # the disk or the database, not the command line
        reason = getattr(error, "strerror", None) or str(error)
        where = getattr(error, "filename", None)
        print(_say(f"kb {args.command}: {reason}" + (f": {where}" if where else "")),
              file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
