"""The web app's command: ``kb serve`` serves it with Flask's own server, for local use."""
from __future__ import annotations

import argparse
import os

from kb.command_line import EXIT_OK, AddCommand, UsageError, settings_of
from kb.settings import DataDirError, Settings
from kb.store import ReadOnlyError
from kb.taxonomy import TaxonomyError


def serve_settings(args: argparse.Namespace) -> Settings:
    """The settings ``kb serve`` runs with: its flags, else the environment."""
    host = f"[{args.host}]" if ":" in args.host else args.host
    base_url = args.base_url or os.environ.get("KB_BASE_URL") or (
        f"http://{host}:{args.port}" if args.host not in ("0.0.0.0", "::", "") else "")
    return settings_of(args, require_sign_in=args.require_sign_in or None,
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


def add_commands(command: AddCommand) -> None:
    """Add the web app's command to the ``kb`` program."""
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
