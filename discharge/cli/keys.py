"""`discharge keys new`: a payload key ring, or a new active key in an existing one (rotation)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from discharge.cli.plumbing import EXIT_OK, CommandError, UsageError, command_handler, command_settings
from discharge.keyring import KeyRingError, add_holders, add_key
from events.fields import HSA_ID_PATTERN


def register(commands: argparse._SubParsersAction[Any]) -> None:
    keys = commands.add_parser(
        "keys",
        help="manage the key ring that encrypts Temporal payloads",
        description="The key ring of DISCHARGE_PAYLOAD_KEYS_FILE: key id -> AES-256 key, and the active id.",
    )
    actions = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    new = actions.add_parser(
        "new",
        help="create a key ring, or add a new active key to an existing one",
        description=(
            "Without a ring at the path: a new ring with one key. With one: a new key becomes the active "
            "one; the old keys stay, so every payload written with them still decrypts. Restart the "
            "worker, gateway, web page and codec server to encrypt with the new key. Never remove a key "
            "while histories may hold payloads written with it."
        ),
    )
    new.add_argument(
        "--file", type=Path, help="the ring's path (default: DISCHARGE_PAYLOAD_KEYS_FILE)", default=None
    )
    new.add_argument(
        "--holder",
        action="append",
        default=[],
        metavar="HSA-ID",
        help="a person the ring is issued to (repeat for several): the CLI's `--as` must name one",
    )
    new.set_defaults(handler=run_new)
    holder = actions.add_parser(
        "holder",
        help="name more people an existing ring is issued to (no new key)",
        description="Adds HSA-ids to the ring's holders: the people the CLI's `show` and `decide` run --as.",
    )
    holder.add_argument("hsa_ids", nargs="+", metavar="HSA-ID")
    holder.add_argument(
        "--file", type=Path, help="the ring's path (default: DISCHARGE_PAYLOAD_KEYS_FILE)", default=None
    )
    holder.set_defaults(handler=run_holder)


def _ring_file(args: argparse.Namespace) -> Path:
    path: Path | None = args.file
    if path is None:
        path = command_settings().discharge_payload_keys_file
    if path is None:
        raise UsageError("give --file PATH or set DISCHARGE_PAYLOAD_KEYS_FILE")
    return path


def _check_holders(holders: list[str]) -> None:
    wrong = [h for h in holders if not re.match(HSA_ID_PATTERN, h)]
    if wrong:
        raise UsageError(f"not an HSA-id: {', '.join(wrong)}")


@command_handler()
def run_holder(args: argparse.Namespace) -> int:
    path = _ring_file(args)
    _check_holders(args.hsa_ids)
    try:
        ring = add_holders(path, args.hsa_ids)
    except (KeyRingError, OSError) as error:
        raise CommandError(str(error)) from None
    print(f"{path}: holders {', '.join(ring.holders)}")
    return EXIT_OK


@command_handler()
def run_new(args: argparse.Namespace) -> int:
    path = _ring_file(args)
    _check_holders(args.holder)
    existed = path.exists()
    try:
        ring = add_key(path, args.holder)
    except (KeyRingError, OSError) as error:
        raise CommandError(str(error)) from None
    what = "added a new active key to" if existed else "created the key ring"
    print(f"{what} {path}: active key {ring.active} ({len(ring.keys)} key(s) in the ring)")
    return EXIT_OK
