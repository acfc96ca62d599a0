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
from typing import TYPE_CHECKING

from indexer import commands as indexer_commands
from kb import commands as kb_commands
from kb.command_line import (
    EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, UsageError, command_parser, say,
)
from kb.lock import IndexerBusy
from kb.settings import Settings
from web import commands as web_commands

if TYPE_CHECKING:
    from flask import Flask

    from kb.base import KnowledgeBase

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "build_parser", "create_app",
           "main"]


def create_app(settings: Settings | None = None, **config: object) -> Flask:
    """The web app with every part in place: the indexer's retraining behind the admins'
    "Retrain now". Servers run this factory (``gunicorn 'cli:create_app()'``), as does
    ``kb serve``; ``config`` overrides Flask configuration values."""
    from web import create_app as create_web_app

    return create_web_app(settings, retrain=_retrain_and_retag, **config)


def _retrain_and_retag(kb: KnowledgeBase) -> int:
    from indexer.retag import retrain

    _, retagged = retrain(kb)
    return retagged


def build_parser() -> argparse.ArgumentParser:
    """The ``kb`` program's parser, with every package's commands."""
    parser, command = command_parser("kb", __doc__.splitlines()[0])
    indexer_commands.add_commands(command)
    kb_commands.add_commands(command)
    web_commands.add_commands(command, app_factory=create_app)
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
