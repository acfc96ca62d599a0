"""The knowledge base's commands: search it and count what it holds (``kb search``, ``kb stats``,
``kb themes``, ``kb trends``), rebuild its search index (``kb reindex``), curate and restrict
(``kb curate``, ``kb restrict``), manage accounts (``kb users``) and export training packs
(``kb export``)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from kb.command_line import (
    EXIT_OK, AddCommand, UsageError, open_kb, positive_int, say, year_number,
)
from kb.lock import DataLock
from kb.model import KINDS, partly_read
from kb.search import SearchRequest, SearchRequestError
from kb.text import for_terminal


def cmd_reindex(args: argparse.Namespace) -> int:
    with open_kb(args, write=True) as kb, DataLock(kb.settings.data_dir):
        count = kb.rebuild_index()
    print(f"Rebuilt the search index from the database: {count} passages.")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    with open_kb(args) as kb:
        stats = kb.store.stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return EXIT_OK
    print(f"{stats['documents']} documents, {stats['passages']} passages, {stats['pages']} pages")
    if stats["partly_read"]:
        print(f"Partly read ({len(stats['partly_read'])}):")
        for document in stats["partly_read"]:
            warning = partly_read(document["pages"], document["pages_without_text"])
            print(for_terminal(f"  {document['path']}: {warning}"))
    for title, key in (("By kind", "by_kind"), ("By scope", "by_scope"), ("By year", "by_year")):
        print(f"{title}:")
        for value, count in stats[key].items():
            print(say(f"  {value:<20} {count}"))
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
    with open_kb(args) as kb:
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
        print(say(f"\n{document.meta.title} ({document.meta.year}{page}){themes}"))
        print(say(f"  {_plain(result.snippet)}"))
    if response.suggestion:
        print(say(f"\nDid you mean: {response.suggestion}"))
    return EXIT_OK


def _plain(snippet_html: str) -> str:
    import html
    import re
    return html.unescape(re.sub(r"</?mark>", "", snippet_html))


def cmd_themes(args: argparse.Namespace) -> int:
    from kb.curation_figures import curator_checks
    from kb.measured_quality import measured_quality
    from kb.trends import theme_counts

    with open_kb(args) as kb:
        # The themes in force (the tagger's with curators' decisions applied), in every document.
        counts = theme_counts(kb, include_restricted=True)
        checks = curator_checks(kb.store, counts, include_restricted=True)
        measurement = measured_quality(kb.store)
        rows = [(theme_id, kb.taxonomy.label(theme_id), found.passages, found.documents, checks[theme_id])
                for theme_id, found in counts.items()]
    if args.json:
        print(json.dumps([{"id": i, "label": label, "passages": n, "documents": d,
                           "curator_checks": checked.to_dict(),
                           "measured_quality": measurement.theme_dict(i) if measurement else None}
                          for i, label, n, d, checked in rows], indent=2))
        return EXIT_OK
    width = max(len(i) for i, *_ in rows)
    print(f"{'theme':<{width}}  {'passages':>8}  {'documents':>9}  {'curators: right':>15}"
          f"  {'measured: found/right':>21}  label")
    for theme_id, label, passages, documents, checked in rows:
        right = f"{checked.percent_right}% of {checked.checked}" if checked.checked else "not checked"
        quality = measurement.themes.get(theme_id) if measurement else None
        measured = f"{quality.recall:.0%}/{quality.precision:.0%}" if quality else "-"
        print(for_terminal(f"{theme_id:<{width}}  {passages:>8}  {documents:>9}  {right:>15}  {measured:>21}  {label}"))
    if measurement:
        print(f"\nmeasured: of the passages on a theme, the share the tagger found, and of its tags, the share "
              f"right, before release on {measurement.passages:,} passages by writers it had not learned from")
    return EXIT_OK


def cmd_restrict(args: argparse.Namespace) -> int:
    with open_kb(args, write=True) as kb, DataLock(kb.settings.data_dir):
        if not kb.store.set_restricted(args.document_id, not args.lift):
            raise UsageError(f"no document with id {args.document_id}")
        kb.sync_index()
    print(f"Document {args.document_id} is now {'open' if args.lift else 'restricted'}.")
    return EXIT_OK


def cmd_curate(args: argparse.Namespace) -> int:
    with open_kb(args, write=True) as kb, DataLock(kb.settings.data_dir):
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

    with open_kb(args, write=args.action != "list") as kb:
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

    from kb.curation_figures import curator_checks
    from kb.trends import TrendFilters, recurrence, theme_trends

    filters = TrendFilters(kind=tuple(args.kind or ()), publisher=tuple(args.publisher or ()),
                           scope=tuple(args.scope or ()), year_from=args.year_from,
                           year_to=args.year_to, area=tuple(args.area or ()))

    def link(request: SearchRequest) -> str:
        """The search behind a count, as an address on the web app."""
        return "/?" + urlencode(request.to_params())
    with open_kb(args) as kb:
        label = kb.taxonomy.label
        trends = theme_trends(kb, filters, include_restricted=args.include_restricted)
        recurring = recurrence(kb, filters, include_restricted=args.include_restricted)
        checks = curator_checks(kb.store, kb.taxonomy.ids, include_restricted=args.include_restricted)
    if args.csv:
        sys.stdout.write(trends.to_csv(label, link))
        return EXIT_OK
    if args.json:
        print(json.dumps({"trends": trends.to_dict(label, link), "recurrence": [
            dict(found.to_dict(), label=label(found.theme_id), curator_checks=checks[found.theme_id].to_dict())
            for found in recurring]}, indent=2))
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
    with open_kb(args) as kb:
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
        sys.stdout.write(say(text) if sys.stdout.isatty() else text)
        return EXIT_OK
    try:
        args.output.write_bytes(content)
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: {error.strerror}") from None
    print(say(f"Wrote {len(pack.quotations)} quotations from “{pack.title}” to {args.output}."))
    return EXIT_OK


def add_commands(command: AddCommand) -> None:
    """Add the knowledge base's commands to the ``kb`` program."""
    command("reindex", cmd_reindex, "Rebuild the search index from the database alone.")

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
    sub.add_argument("--year-from", type=year_number)
    sub.add_argument("--year-to", type=year_number)
    sub.add_argument("--limit", type=positive_int, default=10)
    sub.add_argument("--match", choices=["relevant", "any", "all"], default="relevant",
                     help="the passages holding most of the words (default), any of them, "
                          "or all of them (each word or a synonym)")
    sub.add_argument("--json", action="store_true")

    sub = command("themes", cmd_themes, "List the themes in force with their passage counts.")
    sub.add_argument("--json", action="store_true")

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
    sub.add_argument("--year-from", type=year_number)
    sub.add_argument("--year-to", type=year_number)
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
