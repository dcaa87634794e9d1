"""What every `discharge` sub-command shares: its exit statuses, its settings, one line on failure.

A user at a terminal never sees a traceback for a problem they can fix: a wrong setting or command line
is one line on stderr and exit 2, a failure of the world (a server unreachable, a refusal) one line and
exit 1. A handler raises `CommandError` (or `UsageError`); `command_handler` turns it into that line and
the status, so the mapping is written once.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

from discharge.settings import Settings, SettingsError, load_settings

EXIT_OK = 0
EXIT_FAILED = 1  # refused, not found, unreachable
EXIT_USAGE = 2  # the command line or the settings are wrong

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
                print(f"{prog}: {error}", file=sys.stderr)
                return error.status

        return run

    return decorate
