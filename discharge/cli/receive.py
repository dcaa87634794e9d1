"""`discharge receive --as <HSA-id> [--ack]`: a receiving system's view of its deliveries.

On a developer's machine, with the receiver's own credentials from the data dir (`discharge dev` makes a
NATS user for every unit of the demo): each delivered event as it comes, one line each (``--json``: the
delivered CloudEvent itself, as the receiving system gets it), and with ``--ack`` its ``received`` receipt.

A line shows the ``patient_key`` and whether the delivery names the patient, never the identity; ``--json``
prints the delivery as it is, identity included, so each one that names a patient is first a line in the
access log (`log_shown_delivery`: the receiving unit as the actor, since this tool names no person).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from discharge.cli.plumbing import CommandError, UsageError, add_json, command_handler, command_settings
from discharge.settings import Settings


def register(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "receive",
        help="a receiving unit's deliveries as they come (deliver.<HSA-id>.>), and its receipts (--ack)",
        description=(
            "Reads the deliveries to one receiving unit through its own NATS user (seed "
            "<data dir>/keys/nats/receiver-<HSA-id>.nk, or NATS_NKEY_SEED / NATS_CREDS) and its durable "
            "consumer receiver-<HSA-id>. Each delivery is read once (acked). With --ack, each one that names "
            "a patient is answered with a primarycare.message_acknowledged receipt (outcome received). "
            "Runs until Ctrl-C, --count deliveries, or --idle seconds without one."
        ),
    )
    parser.add_argument("--as", dest="hsa_id", required=True, metavar="HSA-ID", help="the receiving unit")
    parser.add_argument("--ack", action="store_true", help="send a `received` receipt for each delivery")
    parser.add_argument("--count", type=int, metavar="N", help="stop after N deliveries")
    parser.add_argument("--idle", type=float, metavar="SECONDS", help="stop when none came for this long")
    add_json(parser)
    parser.set_defaults(handler=run_receive)


@command_handler("discharge receive")
def run_receive(args: argparse.Namespace) -> int:
    from discharge.nats_connection import dev_seed_file
    from discharge.receiving import receive, receiver_settings
    from events.delivery import is_hsa_id, receiver_user

    if not is_hsa_id(args.hsa_id):
        raise UsageError(f"--as: expected an HSA-id such as SE2321000131-E000000000101, got {args.hsa_id!r}")
    settings = command_settings()
    own_seed = dev_seed_file(settings.discharge_data_dir, receiver_user(args.hsa_id))
    unknown = own_seed.parent.is_dir() and not own_seed.exists()  # a dev data dir without this unit
    if unknown and settings.nats_nkey_seed is None and settings.nats_creds is None:
        raise UsageError(
            f"no NATS user for {args.hsa_id} in {settings.discharge_data_dir} (`discharge dev` makes one "
            "for every unit of the demo; elsewhere set NATS_NKEY_SEED or NATS_CREDS)"
        )
    settings = receiver_settings(settings, args.hsa_id)

    def show(delivered: dict[str, Any], acked: bool) -> None:
        if args.json:
            log_shown_delivery(settings, args.hsa_id, delivered)
            print(json.dumps(delivered, ensure_ascii=False), flush=True)
            return
        data = delivered.get("data") or {}
        identity = " identity" if "patient" in data else ""
        receipt = " receipt sent" if acked else ""
        print(
            f"{delivered.get('time')}  {delivered.get('type')}  id {delivered.get('id')}  "
            f"{data.get('patient_key')}{identity}{receipt}",
            flush=True,
        )

    try:
        reading = receive(settings, args.hsa_id, show, ack=args.ack, limit=args.count, idle=args.idle)
        read = asyncio.run(reading)
    except KeyboardInterrupt:
        return 0
    except Exception as error:
        raise CommandError(f"receiving failed: {type(error).__name__}: {error}") from None
    print(f"{read} deliveries read", file=sys.stderr)
    return 0


def log_shown_delivery(settings: Settings, hsa_id: str, delivered: dict[str, Any]) -> None:
    """One access-log line before a delivery that names a patient is printed whole (``--json``)."""
    from discharge.audit import AuditLog
    from discharge.cli.person import origin

    data = delivered.get("data")
    if not isinstance(data, dict) or "patient" not in data:
        return  # nothing of a patient's identity is shown
    key = data.get("patient_key")
    AuditLog(settings.audit_log_path).record(
        actor=hsa_id,
        role="receiver",
        action="receive_delivery",
        patient_key=key if isinstance(key, str) else None,
        origin=origin(),
        detail=f"{delivered.get('type')} delivered to this unit",
    )
