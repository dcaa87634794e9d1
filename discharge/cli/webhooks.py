"""`discharge webhooks`: each receiver's deliveries POSTed to its HTTPS endpoint (Standard Webhooks).

`discharge dev` starts it when ``DISCHARGE_WEBHOOKS_FILE`` is set. The endpoints file and the settings are
checked before anything connects: a wrong file is one line and the usage status, not a running process
that sends nothing. Its code is imported inside the handler, so `discharge --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

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
