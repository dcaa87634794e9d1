"""What every coordinator command needs: settings, a Temporal client, and one plain line on failure.

A coordinator at a terminal should never see a traceback: a wrong setting, an unreachable server or
a refused decision each become one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from temporalio.client import Client
from temporalio.service import RPCError

from discharge.cli.plumbing import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    UsageError,
    command_handler,
    command_settings,
)
from discharge.settings import Settings, SettingsError
from discharge.temporal_client import connect_temporal

CONNECT_TIMEOUT_SECONDS = 10.0


@dataclass
class Session:
    """A connected command: write results to ``out``, problems to ``err``."""

    client: Client
    settings: Settings
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def say(self, text: str) -> None:
        print(text, file=self.out)

    def fail(self, text: str, status: int = EXIT_FAILED) -> int:
        print(f"discharge: {text}", file=self.err)
        return status


Action = Callable[[Session, argparse.Namespace], Awaitable[int]]
#: A check of the command line alone, run before connecting; raises ``UsageError``.
Check = Callable[[Settings, argparse.Namespace], object]


def connect_reason(error: BaseException) -> str:
    """The gist of a connection failure, without the transport library's nested debug text."""
    if isinstance(error, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT_SECONDS:.0f} s"
    text = str(error)
    if match := re.search(r'message: "([^"]+)"', text):
        return match.group(1).lower()
    return one_line(error)


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else error.__class__.__name__


async def connect(settings: Settings) -> Client:
    """Connect within a bounded time: an unreachable server must not leave the terminal hanging."""
    return await asyncio.wait_for(connect_temporal(settings), CONNECT_TIMEOUT_SECONDS)


async def run_action(action: Action, args: argparse.Namespace, check: Check | None = None) -> int:
    """Settings, the local ``check``, a bounded connection, then ``action``; raises `CommandError`."""
    settings = command_settings()
    if check is not None:
        check(settings, args)
    try:
        client = await connect(settings)
    except SettingsError as error:
        # No usable payload key ring (discharge/keyring.py): a setting to fix, so one line and exit 2.
        raise UsageError(str(error)) from None
    except (TimeoutError, RuntimeError, RPCError, OSError) as error:
        raise CommandError(
            f"cannot reach Temporal at {settings.temporal_address} "
            f"(namespace {settings.temporal_namespace}): {connect_reason(error)}"
        ) from None
    session = Session(client, settings)
    try:
        return await action(session, args)
    except UsageError as error:
        return session.fail(str(error), EXIT_USAGE)
    except RPCError as error:
        return session.fail(f"Temporal refused the request: {one_line(error)}")


def sync_handler(action: Action, check: Check | None = None) -> Callable[[argparse.Namespace], int]:
    """The synchronous ``handler`` ``cli.main`` calls; ``action`` stays callable in tests with a client."""

    @command_handler()
    def handler(args: argparse.Namespace) -> int:
        return asyncio.run(run_action(action, args, check))

    return handler
