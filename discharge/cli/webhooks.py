"""`discharge webhooks`: each receiver's deliveries POSTed to its HTTPS endpoint (Standard Webhooks).

`discharge dev` starts it when ``DISCHARGE_WEBHOOKS_FILE`` is set. The endpoints file and the settings are
checked before anything connects: a wrong file is one line and the usage status, not a running process
that sends nothing. Its code is imported inside the handler, so `discharge --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from discharge.cli.person import add_as
from discharge.cli.plumbing import command_handler, command_settings
from discharge.logging import configure_logging
from discharge.settings import Settings, SettingsError


def check_webhook_settings(settings: Settings) -> None:
    from pydantic import ValidationError

    from workers.webhooks.endpoints import EndpointError, load_endpoints
    from workers.webhooks.settings import WebhookSettings

    try:
        webhooks = WebhookSettings()
    except ValidationError as error:
        problems = [f"{str(p['loc'][0]).upper()}: {p['msg']}" for p in error.errors(include_input=False)]
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(problems)) from None
    try:
        load_endpoints(webhooks.discharge_webhooks_file, development=settings.discharge_development)
    except EndpointError as error:
        raise SettingsError(str(error)) from None


@command_handler("discharge webhooks")
def run_webhooks_command(args: argparse.Namespace) -> int:
    from discharge.cli.stack import serve
    from workers.webhooks.service import run_webhooks

    def prepare(settings: Settings) -> None:
        configure_logging("webhooks", settings.discharge_log_format, settings.discharge_log_level)
        check_webhook_settings(settings)

    settings = command_settings(check=prepare)
    return asyncio.run(serve("webhooks", run_webhooks, settings))


@command_handler("discharge webhooks replay")
def run_replay_command(args: argparse.Namespace) -> int:
    """A webhook's dead letter POSTed to its endpoint again (workers/webhooks/replay.py), --as a ring
    holder, with an access-log line first (the body may name a patient)."""
    from discharge.cli.deadletters import log_body_access, one_dead_letter
    from discharge.cli.plumbing import CommandError
    from discharge.nats_connection import connect_nats
    from workers.webhooks.endpoints import load_endpoints
    from workers.webhooks.replay import ReplayRefused, replay, webhook_delivery
    from workers.webhooks.settings import WebhookSettings

    settings = command_settings(check=check_webhook_settings)
    found = one_dead_letter(args.sequence)
    try:
        webhook_delivery(found)
    except ReplayRefused as refused:
        raise CommandError(str(refused)) from None
    log_body_access(args, found.body, "replay_deadletter")
    webhooks = WebhookSettings()
    endpoints = load_endpoints(webhooks.discharge_webhooks_file, development=settings.discharge_development)

    async def send() -> Any:
        connection = await connect_nats(settings, name="discharge-webhooks-replay", retry_forever=False)
        try:
            return await replay(
                connection, found, endpoints, webhooks.discharge_webhook_timeout.total_seconds()
            )
        finally:
            await connection.close()

    try:
        done = asyncio.run(send())
    except ReplayRefused as refused:
        raise CommandError(str(refused)) from None
    if not done.attempt.delivered:
        problem = done.attempt.problem
        raise CommandError(f"dead letter {args.sequence}: {done.host}: {problem}; it stays a dead letter")
    receipt = "the receipt `received` stored" if done.receipt_stored else "no receipt owed"
    print(
        f"dead letter {args.sequence}: delivered {done.event_id} to {done.receiver} at {done.host}; {receipt}"
    )
    return 0


def register(commands: argparse._SubParsersAction[Any]) -> None:
    webhooks = commands.add_parser(
        "webhooks",
        help="POST each receiver's deliveries to its HTTPS endpoint, signed (long-running; production)",
        description=(
            "For receivers that cannot run a NATS client: each delivery on deliver.<HSA-id>.> is POSTed as a "
            "CloudEvent to the receiver's URL in DISCHARGE_WEBHOOKS_FILE, signed as Standard Webhooks "
            "specifies (webhook-id, webhook-timestamp, webhook-signature), retried with backoff for "
            "DISCHARGE_WEBHOOK_RETRY_FOR (P1D), then dead-lettered. A 2xx is the receipt `received`. "
            "`discharge dev` starts it when DISCHARGE_WEBHOOKS_FILE is set. Stops on SIGTERM."
        ),
    )
    webhooks.set_defaults(handler=run_webhooks_command)
    actions = webhooks.add_subparsers(dest="action", metavar="ACTION")
    replay = actions.add_parser(
        "replay",
        help="POST a webhook's dead letter (delivery_failed) to its receiver's endpoint again (ops)",
        description=(
            "One signed POST of the delivery kept in dead letter SEQ (`discharge deadletters --subject "
            "'deliver.>'` lists them) to its receiver's endpoint in DISCHARGE_WEBHOOKS_FILE, with the same "
            "webhook-id; a 2xx stores the receipt `received`, anything else is one line and exit 1."
        ),
    )
    replay.add_argument("sequence", type=int, metavar="SEQ")
    add_as(replay)
    replay.set_defaults(handler=run_replay_command)
