"""Who is at the terminal: `--as <HSA-id>`, checked against the key ring's holders, and the access log's line.

The CLI reads Temporal with the payload key ring, so whoever runs `show` or `decide` sees a patient's data.
Patientdatalagen wants every such access traced to a person: the commands that show or change a patient's
data run only as a named person, one of the HSA-ids the ring was issued to (``holders``,
discharge/keyring.py), and write one access-log line before they answer. Without `--as`, or as someone
the ring does not name, the command is refused (one line on stderr, exit 2) and the refusal is a line in
the log too.

Why the ring's holders: the ring is the credential that lets the CLI read at all, and it is issued to named
people (`discharge keys new --holder`); `--as` says which of them is at the terminal, so a ring lent to
someone else shows up as a refusal, and every look carries a name. docs/audit.md says what it does not
prove (whoever holds the ring file can edit its holders) and what production adds (a signed-in token).
"""

from __future__ import annotations

import argparse
import getpass
import re
import socket

from discharge.audit import READ, AuditLog
from discharge.cli.plumbing import UsageError
from discharge.keyring import KeyRingError, load_ring, ring_path
from discharge.settings import Settings
from events.fields import HSA_ID_PATTERN

#: The CLI is ops' tool: its lines carry this role (their purpose is then administration).
CLI_ROLE = "ops"


def add_as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="as_person",
        metavar="HSA-ID",
        help="who you are: your HSA-id, one of the key ring's holders (required; in the access log)",
    )


def origin() -> str:
    """Where from, for the access log: this host and the operating-system user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"cli {socket.gethostname()}:{user}"


def named_person(settings: Settings, args: argparse.Namespace, action: str, patient_key: str | None) -> str:
    """The HSA-id of ``--as`` when the ring names them; otherwise a refused line and `UsageError`."""
    person = (getattr(args, "as_person", None) or "").strip()
    problem = None
    if not person:
        problem = "say who you are: --as <your HSA-id> (one of the key ring's holders)"
    elif not re.match(HSA_ID_PATTERN, person):
        problem = "--as: expected an HSA-id such as SE2321000131-E000000000900"
    else:
        try:
            holders = load_ring(settings).holders
        except KeyRingError as error:
            raise UsageError(str(error)) from None
        if person not in holders:
            problem = (
                f"--as {person}: not a holder of the key ring {ring_path(settings)}; "
                "`discharge keys holder HSA-ID --file PATH` names one"
            )
    if problem is not None:
        AuditLog(settings.audit_log_path).record(
            actor=person if person and re.match(HSA_ID_PATTERN, person) else "unnamed",
            role=CLI_ROLE,
            action=action,
            patient_key=patient_key,
            activity=READ,
            result="refused",
            origin=origin(),
            detail="no --as" if not person else "--as not a holder of the key ring",
        )
        raise UsageError(problem)
    return person
