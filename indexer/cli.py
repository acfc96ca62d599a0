"""The ``kb`` command: index reports, search them, serve the web app, measure quality.

Exit status: 0 success, 2 usage error, 3 when some files failed and the rest were indexed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from kb.base import KnowledgeBase
from kb.model import KINDS
from kb.lock import DataLock, IndexerBusy
from kb.search import SearchRequest, SearchRequestError
from kb.settings import Settings
from kb.taxonomy import TaxonomyError

EXIT_OK, EXIT_USAGE, EXIT_PARTIAL = 0, 2, 3


class UsageError(Exception):
    """A mistake in how the command was called; the message says what to do."""


def _settings(args: argparse.Namespace, **overrides: bool | None) -> Settings:
    """Settings from the common flags and the environment; a bad variable is a usage error."""
    try:
        return Settings.from_env(data_dir=args.data, themes_path=args.themes, **overrides)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _open(args: argparse.Namespace) -> KnowledgeBase:
    """The knowledge base of the common flags; a data directory whose search index an
    earlier version or another engine wrote is re-indexed from SQLite first, saying so."""
    try:
        kb = KnowledgeBase(_settings(args))
    except TaxonomyError as error:
        raise UsageError(str(error)) from None
    kb.build_index_if_needed(lambda message: print(f"kb: {message}", file=sys.stderr))
    return kb


# -- commands -----------------------------------------------------------------
def cmd_index(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from indexer.ingest import ingest

    with _open(args) as kb:
        bar = tqdm(total=0, unit="file", desc="Indexing", disable=None, file=sys.stderr)

        def progress(outcome) -> None:
            bar.update(1)
            if outcome.status == "failed":
                bar.write(f"failed: {outcome.path}: {outcome.reason}", file=sys.stderr)

        def set_total(total: int) -> None:
            bar.total = total
            bar.refresh()

        try:
            report = ingest(kb, args.paths, rebuild=args.rebuild, prune=args.prune, jobs=args.jobs,
                            timeout=args.timeout, progress=progress, on_total=set_total)
        except IndexerBusy as error:
            bar.close()
            print(f"kb index: {error}", file=sys.stderr)
            return EXIT_USAGE
        bar.close()
    print(report.summary())
    for outcome in report.failed:
        print(f"  failed: {outcome.path}: {outcome.reason}")
    return EXIT_PARTIAL if report.failed else EXIT_OK


def cmd_reindex(args: argparse.Namespace) -> int:
    with _open(args) as kb, DataLock(kb.settings.data_dir):
        count = kb.rebuild_index()
    print(f"Rebuilt the search index from the database: {count} passages.")
    return EXIT_OK


def cmd_retag(args: argparse.Namespace) -> int:
    from indexer.tag import Tagger

    with _open(args) as kb, DataLock(kb.settings.data_dir):
        tagger = Tagger(kb.taxonomy)
        total, tagging_seconds = 0, 0.0
        for document_id in kb.store.document_ids():
            passages = kb.store.passages(document_id=document_id)
            for passage in passages:
                passage.themes, passage.theme_scores, passage.evidence = [], {}, {}
            started = time.perf_counter()
            tagger.tag(passages)
            tagging_seconds += time.perf_counter() - started
            kb.store.update_tags(passages)
            total += len(passages)
        kb.sync_index()
    rate = f" ({total / tagging_seconds:.0f} passages/s tagged)" if tagging_seconds else ""
    print(f"Re-tagged {total} passages with the themes of {kb.taxonomy.path}{rate}.")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    with _open(args) as kb:
        stats = kb.store.stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return EXIT_OK
    print(f"{stats['documents']} documents, {stats['passages']} passages, {stats['pages']} pages")
    for title, key in (("By kind", "by_kind"), ("By scope", "by_scope"), ("By year", "by_year")):
        print(f"{title}:")
        for value, count in stats[key].items():
            print(f"  {value:<20} {count}")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    params = {"q": args.query, "theme": args.theme or [], "scope": args.scope or [],
              "kind": args.kind or [], "age": args.age or [], "type": args.type or [],
              "agency": args.agency or [], "per_page": str(args.limit)}
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
        print(response.notice)
    print(f"{response.total} passages")
    for result in response.results:
        document, passage = result.document, result.passage
        page = f", page {passage.page_start}" if passage.page_start else ""
        themes = f" [{', '.join(passage.themes)}]" if passage.themes else ""
        print(f"\n{document.meta.title} ({document.meta.year}{page}){themes}")
        print(f"  {_plain(result.snippet)}")
    if response.suggestion:
        print(f"\nDid you mean: {response.suggestion}")
    return EXIT_OK


def _plain(snippet_html: str) -> str:
    import html
    import re
    return html.unescape(re.sub(r"</?mark>", "", snippet_html))


def serve_settings(args: argparse.Namespace) -> Settings:
    """The settings ``kb serve`` runs with: its flags, else the environment."""
    return _settings(args, require_sign_in=args.require_sign_in or None,
                     secure_cookies=False if args.insecure_cookies else None)


def cmd_serve(args: argparse.Namespace) -> int:
    from web import create_app

    app = create_app(serve_settings(args))
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
        print(f"{theme_id:<{width}}  {passages:>8}  {documents:>9}  {label}")
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    paths = [Path(name) for name in args.files]
    for path in paths:
        if not path.is_file():
            raise UsageError(f"no such file: {path}")
    if args.what == "themes":
        if len(paths) != 1:
            raise UsageError("`kb eval themes` takes one file")
        path = paths[0]
        from indexer.evaluate import evaluate_themes, format_theme_report
        from indexer.tag import Tagger

        taxonomy = _open(args).taxonomy
        result = evaluate_themes(path, Tagger(taxonomy))
        print(json.dumps(result, indent=2) if args.json else format_theme_report(result))
        return EXIT_OK
    from indexer.evaluate import evaluate_search, format_search_report

    with _open(args) as kb:
        result = evaluate_search(paths, kb)
    print(json.dumps(result, indent=2) if args.json else format_search_report(result))
    return EXIT_OK


def cmd_restrict(args: argparse.Namespace) -> int:
    with _open(args) as kb, DataLock(kb.settings.data_dir):
        if not kb.store.set_restricted(args.document_id, not args.lift):
            raise UsageError(f"no document with id {args.document_id}")
        kb.sync_index()
    print(f"Document {args.document_id} is now {'open' if args.lift else 'restricted'}.")
    return EXIT_OK


def cmd_curate(args: argparse.Namespace) -> int:
    with _open(args) as kb, DataLock(kb.settings.data_dir):
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

    from kb.accounts import AccountError, add_user, list_users, remove_user

    with _open(args) as kb:
        if args.action == "list":
            for user in list_users(kb.store):
                access = ", restricted documents" if user.sees_restricted else ""
                print(f"{user.username:<24} {user.role}{access}")
            return EXIT_OK
        if not args.username:
            raise UsageError(f"`kb users {args.action}` needs a user name")
        if args.action == "remove":
            if not remove_user(kb.store, args.username):
                raise UsageError(f"no user called {args.username}")
            print(f"Removed {args.username}.")
            return EXIT_OK
        password = os.environ.get("KB_PASSWORD") or getpass.getpass(f"Password for {args.username}: ")
        try:
            user = add_user(kb.store, args.username, password, args.role, args.restricted_access)
        except AccountError as error:
            raise UsageError(str(error)) from None
    print(f"Added {user.username} ({user.role}).")
    return EXIT_OK


def cmd_trends(args: argparse.Namespace) -> int:
    from urllib.parse import urlencode

    from kb.trends import TrendFilters, recurrence, theme_trends

    filters = TrendFilters(kind=tuple(args.kind or ()), publisher=tuple(args.publisher or ()),
                           scope=tuple(args.scope or ()), year_from=args.year_from,
                           year_to=args.year_to)

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
    with _open(args) as kb:
        try:
            collection_id = find_collection(kb.store, args.collection)
        except CollectionError as error:
            raise UsageError(str(error)) from None
        collection = get_collection(kb.store, collection_id) if collection_id else None
        if collection is None:
            raise UsageError(f"no collection with the id or name {args.collection!r}")
        pack = training_pack(kb, collection, include_restricted=args.include_restricted)
    content = export(pack, args.format)
    if args.output is None:
        sys.stdout.write(content.decode())
        return EXIT_OK
    args.output.write_bytes(content)
    print(f"Wrote {len(pack.quotations)} quotations from “{pack.title}” to {args.output}.")
    return EXIT_OK


# -- parser -------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    def common_options(default: object) -> argparse.ArgumentParser:
        options = argparse.ArgumentParser(add_help=False)
        options.add_argument("--data", metavar="DIR", default=default,
                             help="data directory (default: $KB_DATA or ./instance)")
        options.add_argument("--themes", metavar="PATH", default=default,
                             help="taxonomy file (default: $KB_THEMES or the shipped themes)")
        return options

    parser = argparse.ArgumentParser(prog="kb", description=__doc__.splitlines()[0],
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
    sub.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    sub.add_argument("--timeout", type=float, default=120.0,
                     help="seconds allowed to read one file (default 120)")

    command("reindex", cmd_reindex, "Rebuild the search index from the database alone.")
    command("retag", cmd_retag, "Tag every stored passage again with the taxonomy in force.")

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
    sub.add_argument("--year-from", type=int)
    sub.add_argument("--year-to", type=int)
    sub.add_argument("--limit", type=int, default=10)
    sub.add_argument("--json", action="store_true")

    sub = command("serve", cmd_serve,
                  "Serve the web app (for local use; see the README to deploy it).")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=5000)
    sub.add_argument("--require-sign-in", action="store_true",
                     help="show nothing but the sign-in page to anyone not signed in "
                          "(default: $KB_REQUIRE_SIGN_IN or no)")
    sub.add_argument("--insecure-cookies", action="store_true",
                     help="let the session cookie travel over plain HTTP, for local use only "
                          "(default: $KB_SECURE_COOKIES or yes)")

    sub = command("themes", cmd_themes, "List the themes in force with their passage counts.")
    sub.add_argument("--json", action="store_true")

    sub = command("eval", cmd_eval, "Measure tagging or ranking quality against labelled data.")
    sub.add_argument("what", choices=["themes", "search"])
    sub.add_argument("files", metavar="FILE.jsonl", nargs="+",
                     help="labelled passages (themes: one file) or judged queries (search)")
    sub.add_argument("--json", action="store_true")

    sub = command("restrict", cmd_restrict, "Restrict a document to signed-in users with access.")
    sub.add_argument("document_id", type=int)
    sub.add_argument("--lift", action="store_true", help="make the document open again")

    sub = command("users", cmd_users, "Add, remove or list the people who can sign in.")
    sub.add_argument("action", choices=["add", "remove", "list"])
    sub.add_argument("username", nargs="?")
    sub.add_argument("--role", choices=["viewer", "curator", "admin"], default="viewer")
    sub.add_argument("--restricted-access", action="store_true",
                     help="may see restricted documents (admins always may)")

    sub = command("trends", cmd_trends,
                  "Documents carrying each theme by year (local/national), and how themes recur.")
    output = sub.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="trends and recurrence as JSON")
    output.add_argument("--csv", action="store_true", help="one row per theme, year and scope")
    sub.add_argument("--kind", action="append", choices=KINDS)
    sub.add_argument("--publisher", action="append", metavar="NAME")
    sub.add_argument("--scope", action="append", choices=["local", "national"])
    sub.add_argument("--year-from", type=int)
    sub.add_argument("--year-to", type=int)
    sub.add_argument("--include-restricted", action="store_true",
                     help="count restricted documents too (default: leave them out)")

    sub = command("export", cmd_export, "Export a collection as a training pack.")
    sub.add_argument("collection", metavar="COLLECTION", help="the collection's id or name")
    sub.add_argument("--format", choices=["md", "docx", "html", "pdf"], required=True)
    sub.add_argument("-o", "--output", type=Path, metavar="FILE",
                     help="write here (default: standard output; required for docx and pdf)")
    sub.add_argument("--include-restricted", action="store_true",
                     help="keep passages of restricted documents (default: leave them out)")

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
        print(f"kb {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the output went to a reader that stopped early (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
