"""`discharge delivery` (the fan-out to receivers) and `discharge streams provision` (ops' one step).

The fan-out never sees the patient-key secret nor Temporal's payloads: it needs no production-secret
check, only its NATS user. Its code is imported inside the handlers, so `discharge --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from discharge.cli.plumbing import CommandError, command_handler, command_settings
from discharge.logging import configure_logging


def register(commands: argparse._SubParsersAction[Any]) -> None:
    delivery = commands.add_parser(
        "delivery",
        help="deliver each outbound event to each of its receivers (long-running; production)",
        description=(
            "A durable JetStream consumer (discharge-delivery) of DISCHARGE_OUTBOUND: each event is copied "
            "to each receiver on deliver.<HSA-id>.<type> in DISCHARGE_DELIVERY, then acked. "
            "DISCHARGE_LMV_UNIT names the LMV unit. /healthz, /readyz and /metrics on "
            "DISCHARGE_DELIVERY_HTTP_ADDRESS (default localhost:9103). `discharge dev` starts it too. "
            "Stops on SIGTERM."
        ),
    )
    delivery.set_defaults(handler=run_delivery_command)
    streams = commands.add_parser(
        "streams",
        help="provision the JetStream streams (ops: once per cluster, with a user that may create them)",
        description=(
            "Creates each stream of the contract that is missing (DISCHARGE_EVENTS, DISCHARGE_DEADLETTER, "
            "DISCHARGE_OUTBOUND, DISCHARGE_DELIVERY) with DISCHARGE_STREAM_REPLICAS replicas; existing ones "
            "are left as they are. The services never create streams (docs/operations.md)."
        ),
    )
    actions = streams.add_subparsers(dest="action", required=True, metavar="ACTION")
    provision = actions.add_parser("provision", help="create the missing streams")
    provision.set_defaults(handler=run_provision_command)


@command_handler("discharge delivery")
def run_delivery_command(args: argparse.Namespace) -> int:
    from discharge.cli.stack import serve
    from workers.delivery import run_delivery

    settings = command_settings()
    configure_logging("delivery", settings.discharge_log_format, settings.discharge_log_level)
    return asyncio.run(serve("delivery", run_delivery, settings))


@command_handler("discharge streams provision")
def run_provision_command(args: argparse.Namespace) -> int:
    from discharge.nats_connection import provision
    from events.streams import STREAMS

    settings = command_settings()
    try:
        asyncio.run(provision(settings))
    except Exception as error:
        raise CommandError(f"streams not provisioned: {type(error).__name__}: {error}") from None
    print("streams provisioned: " + ", ".join(spec.name for spec in STREAMS))
    return 0
