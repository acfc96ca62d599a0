"""The ``kb`` command: index reports, search them, serve the web app, measure quality.

Exit status: 0 success, 2 usage error, 3 when some files failed and the rest were indexed.

This package only assembles the commands each package keeps beside its code
(``indexer.commands``, ``kb.commands``, ``web.commands``); it is the one module that
imports both ``indexer`` and ``web``.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys

from indexer import commands as indexer_commands
from kb import commands as kb_commands
from kb.command_line import (
    EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, UsageError, command_parser, say,
)
from kb.lock import IndexerBusy
from web import commands as web_commands

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``kb`` program's parser, with every package's commands."""
    parser, command = command_parser("kb", __doc__.splitlines()[0])
    for package_commands in (indexer_commands, kb_commands, web_commands):
        package_commands.add_commands(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``kb`` command on ``argv`` (default: the process arguments); return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (UsageError, IndexerBusy) as error:  # IndexerBusy: another indexer holds the data
        print(say(f"kb {args.command}: {error}"), file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the output went to a reader that stopped early (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (OSError, sqlite3.Error) as error:  # the disk or the database, not the command line
        reason = getattr(error, "strerror", None) or str(error)
        where = getattr(error, "filename", None)
        print(say(f"kb {args.command}: {reason}" + (f": {where}" if where else "")),
              file=sys.stderr)
        return EXIT_FAILED
