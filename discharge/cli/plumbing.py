"""What every `discharge` sub-command shares: its exit statuses, its settings, one line on failure.

The CLI fails one way: one line on stderr, ``discharge: <what failed>`` (a long-running process names
itself, ``discharge dev: <what failed>``, because under ``discharge dev`` its lines mix with the other
processes'), never a traceback, and an exit status that says which kind of failure it was (``EXIT_*``,
listed by ``discharge --help`` and docs/coordinators.md). A handler raises `CommandError` (or
`UsageError`); `command_handler` turns it into that line and the status, so the mapping is written once;
what escapes a handler (Ctrl-C, a closed pipe, a bug) is caught once, in ``discharge.cli.main``.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from typing import NoReturn, TextIO

from discharge.settings import Settings, SettingsError, load_settings

EXIT_OK = 0
EXIT_FAILED = 1  # refused, not found, unreachable, invalid input: the world said no
EXIT_USAGE = 2  # the command line or the settings are wrong (as argparse's own refusals)
EXIT_BUG = 70  # an unexpected error inside discharge: a bug to report (sysexits' EX_SOFTWARE)
EXIT_INTERRUPTED = 130  # stopped with Ctrl-C (128 + SIGINT, as a shell reports it)
EXIT_BROKEN_PIPE = 141  # whoever read the output stopped reading (`| head`): 128 + SIGPIPE, as any Unix tool

#: The statuses as ``discharge --help`` lists them.
EXIT_STATUSES = (
    (EXIT_OK, "done"),
    (EXIT_FAILED, "refused, not found, unreachable or invalid input (the line on stderr says which)"),
    (EXIT_USAGE, "the command line or a setting is wrong"),
    (
        EXIT_BUG,
        "an unexpected error inside discharge: please report it (DISCHARGE_LOG_LEVEL=debug shows where)",
    ),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
    (EXIT_BROKEN_PIPE, "the reader of the output went away (`| head`); nothing is printed"),
)


def say_failure(message: str, prog: str = "discharge", err: TextIO | None = None) -> None:
    """The one form of every failure: ``prog: message``, one line on stderr."""
    print(f"{prog}: {message}", file=err or sys.stderr)


class Parser(argparse.ArgumentParser):
    """argparse, refusing a command line in the CLI's one form (one line, exit 2) instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        say_failure(f"{message} (see `{self.prog} --help`)")
        self.exit(EXIT_USAGE)


Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """The command cannot go on; the message is the line the user reads."""

    status = EXIT_FAILED

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class UsageError(CommandError):
    """The command line (or the settings) cannot be right whatever the servers say: exit 2."""

    status = EXIT_USAGE


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output for scripts")


def command_settings(check: Callable[[Settings], object] | None = None) -> Settings:
    """The settings from the environment, then ``check`` (may raise `SettingsError`); or `UsageError`."""
    try:
        settings = load_settings()
        if check is not None:
            check(settings)
    except SettingsError as error:
        raise UsageError(str(error)) from None
    return settings


def command_handler(prog: str = "discharge") -> Callable[[Handler], Handler]:
    """A sub-command's handler whose `CommandError` becomes ``prog: message`` on stderr and its status."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(args: argparse.Namespace) -> int:
            try:
                return handler(args)
            except CommandError as error:
                say_failure(str(error), prog)
                return error.status

        return run

    return decorate
