"""What the commands of every package share: exit statuses, usage errors, the common options
(``--data``, ``--themes``), opening the knowledge base, printing document text safely, and
argument types whose bad values are usage errors.

Each package puts its own commands in its ``commands`` module (``kb.commands``,
``indexer.commands``, ``web.commands``) as ``add_commands(command)``; the ``kb`` program
(``cli``) assembles them.
"""
from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import NoReturn

from kb.base import KnowledgeBase
from kb.settings import DataDirError, Settings
from kb.store import ReadOnlyError
from kb.taxonomy import TaxonomyError
from kb.text import for_terminal

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3

#: A command's handler: the parsed arguments in, the exit status out.
Handler = Callable[[argparse.Namespace], int]
#: Adds a command: ``command(name, handler, help_text)`` returns its argument parser.
AddCommand = Callable[[str, Handler, str], argparse.ArgumentParser]


class UsageError(Exception):
    """A mistake in how the command was called; the message says what to do."""


def settings_of(args: argparse.Namespace, **overrides: bool | str | None) -> Settings:
    """Settings from the common flags and the environment; a bad variable is a usage error."""
    try:
        return Settings.from_env(data_dir=args.data, themes_path=args.themes, **overrides)
    except ValueError as error:
        raise UsageError(str(error)) from None


def open_kb(args: argparse.Namespace, write: bool = False) -> KnowledgeBase:
    """The knowledge base of the settings; ``write``: the command changes it, so a data
    directory this process may not write is a usage error (reading commands work there)."""
    try:
        kb = KnowledgeBase(settings_of(args))
    except (TaxonomyError, DataDirError, ReadOnlyError) as error:
        raise UsageError(str(error)) from None
    if write and kb.store.read_only:
        kb.close()
        raise UsageError(f"the data directory {kb.settings.data_dir} is read-only: "
                         f"`kb {args.command}` needs to change it")
    # A search index an earlier version or another engine wrote is rebuilt from SQLite first.
    kb.build_index_if_needed(lambda message: print(f"kb: {message}", file=sys.stderr))
    return kb


def say(text: object) -> str:
    """Text from documents (titles, passages, names) made safe to print on a terminal."""
    return for_terminal(str(text))


# -- argument types: a bad value is a usage error (exit 2) with a message ------------------------
def positive_int(raw: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number is needed, not {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def positive_seconds(raw: str) -> float:
    """A finite number of seconds above 0."""
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of seconds is needed, not {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {raw}")
    return value


def year_number(raw: str) -> int:
    """A year from 0 to 9999."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a year is needed, not {raw!r}") from None
    if not 0 <= value <= 9999:
        raise argparse.ArgumentTypeError(f"a year is 0 to 9999, not {raw}")
    return value


# -- the parser ---------------------------------------------------------------
class Parser(argparse.ArgumentParser):
    """A usage error is one line on standard error (and exit status 2), like every other."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def command_parser(prog: str, description: str) -> tuple[argparse.ArgumentParser, AddCommand]:
    """A program's parser, with the common options, and the function that adds a command to it."""
    def common_options(default: object) -> argparse.ArgumentParser:
        options = argparse.ArgumentParser(add_help=False)
        options.add_argument("--data", metavar="DIR", default=default,
                             help="data directory (default: $KB_DATA or ./instance)")
        options.add_argument("--themes", metavar="PATH", default=default,
                             help="taxonomy file (default: $KB_THEMES or the shipped themes)")
        return options

    parser = Parser(prog=prog, description=description, parents=[common_options(None)])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Given after the command, --data and --themes win; given before it, they still count.
    after_command = common_options(argparse.SUPPRESS)

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text,
                                  parents=[after_command])
        sub.set_defaults(handler=handler)
        return sub

    return parser, command
