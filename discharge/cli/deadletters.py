"""`discharge deadletters`: the refused events with their reasons; `show` one; `replay` a corrected one.

With the embedded stack's credentials (the data dir's CLI user) or ``NATS_NKEY_SEED``/``NATS_CREDS``. A
listing shows reasons only, never a body; ``show --bytes`` writes the original bytes (which may hold a
patient's identity) for ops to fix; ``replay`` validates and publishes the corrected event (or the original
bytes again, once the cause is fixed) exactly as `discharge publish --replay` does.

A body is a patient's data: ``show --bytes`` and ``replay`` run only ``--as`` a named person (one of the key
ring's holders, discharge/cli/person.py) and write one access-log line before the body is shown or sent
(``view_deadletter``, ``replay_deadletter``), with the patient's key when the body names a patient.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from discharge.cli.person import add_as
from discharge.cli.plumbing import CommandError, UsageError, add_json, command_handler, command_settings


def register(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "deadletters",
        help="the refused inbound events with their reasons; show one; replay a corrected one",
        description=(
            "Lists DISCHARGE_DEADLETTER, oldest first: sequence, when, kind, original subject and the reason "
            "(never the body). `show SEQ` prints one letter's reason (--bytes: its original bytes, for ops); "
            "`replay SEQ [FILE]` validates and publishes FILE (the corrected event), else the original."
        ),
    )
    parser.add_argument("--since", metavar="WHEN", help="a date, an RFC 3339 time or a duration (P1D)")
    parser.add_argument("--reason", metavar="KIND", help="only this kind, e.g. schema_violation, no_pathway")
    parser.add_argument("--subject", metavar="SUBJECT", help="only this original subject (wildcards * and >)")
    add_json(parser)
    parser.set_defaults(handler=run_list)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", help="one dead letter: its reason and headers (--bytes: its body)")
    show.add_argument("sequence", type=int, metavar="SEQ")
    show.add_argument("--bytes", action="store_true", help="write the original bytes to stdout (ops)")
    add_as(show)
    add_json(show)
    show.set_defaults(handler=run_show)
    replay = actions.add_parser("replay", help="publish the corrected event (FILE) or the original bytes")
    replay.add_argument("sequence", type=int, metavar="SEQ")
    replay.add_argument("file", nargs="?", metavar="FILE", help="the corrected event; none: the original")
    add_as(replay)
    replay.set_defaults(handler=run_replay)


def since_of(text: str | None, now: datetime) -> datetime | None:
    from discharge.settings import parse_iso_duration

    if text is None:
        return None
    if text.upper().startswith("P"):
        try:
            return now - parse_iso_duration(text)
        except ValueError as error:
            raise UsageError(f"--since: {error}") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since: expected a date, an RFC 3339 time or a duration, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _with_js(work: Any) -> Any:
    from discharge.nats_connection import connect_nats

    settings = command_settings()
    connection = await connect_nats(settings, name="discharge-deadletters", retry_forever=False)
    try:
        return await work(connection.jetstream())
    finally:
        await connection.close()


def _run(work: Any) -> Any:
    try:
        return asyncio.run(_with_js(work))
    except CommandError:
        raise
    except Exception as error:
        raise CommandError(f"reading dead letters failed: {type(error).__name__}: {error}") from None


@command_handler("discharge deadletters")
def run_list(args: argparse.Namespace) -> int:
    from discharge.deadletters import Filters, stored

    filters = Filters(since_of(args.since, datetime.now(UTC)), args.reason, args.subject)

    async def listing(js: Any) -> list[dict[str, object]]:
        return [letter.summary() async for letter in stored(js, filters)]

    rows = _run(listing)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        where = f"{row['sequence']:>6}  {row['failed_at']}  {row['kind']:<16}  {row['subject']}"
        print(f"{where}  {row['reason']}")
    print(f"{len(rows)} dead letter(s)", file=sys.stderr)
    return 0


def one_dead_letter(sequence: int) -> Any:
    from discharge.deadletters import get

    found = _run(lambda js: get(js, sequence))
    if found is None:
        raise CommandError(f"no dead letter {sequence} (handled and deleted, or older than 30 days)")
    return found


def _patient_key_in(body: bytes, secret: str) -> str | None:
    """The key of the patient a dead letter's body names, if it names one readably (else None)."""
    from events.identity import parse_identity, patient_key

    try:
        identity = json.loads(body)["data"]["patient"]["id"]
        return patient_key(parse_identity(str(identity)), secret)
    except Exception:  # not JSON, no patient, not an identity: the line names no patient
        return None


def log_body_access(args: argparse.Namespace, body: bytes, action: str) -> None:
    """``--as`` checked and one access-log line written, before a dead letter's body is shown or sent."""
    from discharge.audit import READ, WRITE, AuditLog
    from discharge.cli.person import CLI_ROLE, named_person, origin

    settings = command_settings()
    key = _patient_key_in(body, settings.discharge_patient_key_secret.get_secret_value())
    person = named_person(settings, args, action, key)
    AuditLog(settings.audit_log_path).record(
        actor=person,
        role=CLI_ROLE,
        action=action,
        patient_key=key,
        activity=READ if action == "view_deadletter" else WRITE,
        origin=origin(),
        detail=f"dead letter {args.sequence}",
    )


@command_handler("discharge deadletters show")
def run_show(args: argparse.Namespace) -> int:
    found = one_dead_letter(args.sequence)
    if args.bytes:
        log_body_access(args, found.body, "view_deadletter")
        sys.stdout.buffer.write(found.body)
        sys.stdout.flush()
        return 0
    summary = found.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for key, value in summary.items():
            print(f"{key:>10}  {value}")
    return 0


@command_handler("discharge deadletters replay")
def run_replay(args: argparse.Namespace) -> int:
    from discharge.cli.publishing import publish_text

    found = one_dead_letter(args.sequence)
    log_body_access(args, found.body, "replay_deadletter")
    if args.file is None:
        text = found.body.decode("utf-8", errors="replace")
    else:
        try:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as error:
            raise UsageError(f"cannot read {args.file}: {error.strerror}") from None
    status: int = asyncio.run(publish_text(command_settings(), text, replay=True))
    return status
