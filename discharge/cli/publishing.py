"""`discharge publish [FILE]`: send CloudEvents to the gateway's inbound stream, validated first.

Integrators use it to try the contract, ops to replay a fixed dead letter. Input is a JSON object, a
JSON array of objects or JSON lines, from FILE or stdin. Every event is checked with the gateway's own
models first; if any fails, each failure is printed (by line or item) and nothing is sent.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from discharge.cli.plumbing import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    command_handler,
    command_settings,
    say_failure,
)
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.batch import ReadyEvent, publish_batch, read_batch
from events.streams import ensure_streams


def register(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "publish",
        help="publish CloudEvents (JSON object, array or JSON lines; stdin by default), validated first",
        description=(
            "Validate every CloudEvent with the gateway's models, then publish each on events.<type> "
            "with Nats-Msg-Id = source + ' ' + id and wait for JetStream's ack. If any event is invalid, "
            "nothing is published."
        ),
    )
    parser.add_argument("file", nargs="?", default="-", metavar="FILE", help="input file; - or none: stdin")
    parser.add_argument(
        "--replay",
        action="store_true",
        help="re-send events JetStream has already seen (a fixed dead letter within 24 h); the pathway "
        "still ignores events it already has",
    )
    parser.set_defaults(handler=run_publish)


@command_handler()
def run_publish(args: argparse.Namespace) -> int:
    settings = command_settings()
    try:
        text = read_input(args.file)
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {args.file}: {error.__class__.__name__}: {error}") from None
    return asyncio.run(publish_text(settings, text, replay=args.replay))


def read_input(file: str) -> str:
    return sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")


async def publish_text(
    settings: Settings,
    text: str,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    replay: bool = False,
) -> int:
    """Validate all, then publish all; one line per problem on ``err``; the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    batch = read_batch(text, now=datetime.now(UTC), future_tolerance=settings.discharge_future_tolerance)
    if batch.errors:
        for problem in batch.errors:
            say_failure(problem, err=err)
        say_failure(f"{len(batch.errors)} invalid event(s); nothing was published", err=err)
        return EXIT_FAILED
    try:
        label = datetime.now(UTC).isoformat() if replay else None
        result = await _send(settings, batch.events, label)
    except Exception as error:
        say_failure(
            f"publishing to NATS at {settings.nats_url} failed: {error.__class__.__name__}: "
            f"{error}; events already acknowledged stay published, re-running is safe (de-duplicated)",
            err=err,
        )
        return EXIT_FAILED
    print(f"published: {result[0]}, duplicates: {result[1]}", file=out)
    return EXIT_OK


async def _send(settings: Settings, events: list[ReadyEvent], replay: str | None) -> tuple[int, int]:
    nats = await connect_nats(settings, name="discharge-publish", retry_forever=False)
    try:
        js = nats.jetstream()
        await ensure_streams(js)
        result = await publish_batch(js, events, replay=replay)
        return result.published, result.duplicates
    finally:
        await nats.drain()
