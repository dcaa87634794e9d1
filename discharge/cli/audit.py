"""`discharge audit verify` and `discharge audit export`: the access log checked, and extracted.

`verify` exits 0 when the hash chain is whole (and prints the head, which ops may note elsewhere to anchor
the log), 1 naming the first broken line. `export` writes the entries as JSON lines in the fields of Inera's
access-log extract (docs/audit.md), optionally for one patient and a time range, e.g. to answer a patient's
request for a log extract (loggutdrag) or to archive a year.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time
from typing import Any

from discharge.audit import AuditEntry, AuditLog
from discharge.audit_chain import verify_chain
from discharge.cli.plumbing import EXIT_FAILED, EXIT_OK, UsageError, command_handler, command_settings
from events.identity import InvalidIdentity, resolve_patient


def inera_fields(entry: AuditEntry) -> dict[str, Any]:
    """One entry in the names of Inera's AccessLogType (plus our own where Inera has none)."""
    return {
        "accessDate": entry.at.isoformat(),
        "userId": entry.actor,
        "userTitle": entry.role,
        "careUnitId": entry.unit,
        "purpose": entry.purpose,
        "activityType": entry.activity,
        "resourceType": entry.action,
        "patientKey": entry.patient_key,
        "workflowId": entry.workflow_id,
        "result": entry.result,
        "origin": entry.origin,
        "detail": entry.detail,
        "seq": entry.seq,
    }


@command_handler("discharge audit verify")
def run_verify(args: argparse.Namespace) -> int:
    path = command_settings().audit_log_path
    report = verify_chain(path)
    if not report.whole:
        print(
            f"discharge audit verify: {path}: line {report.broken_line} breaks the chain: {report.problem}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    head = f"; head seq {report.head.seq} sha256 {report.head.hash}" if report.head else ""
    print(f"{path}: the chain is whole ({report.lines} line(s)){head}")
    return EXIT_OK


def _day(text: str) -> datetime:
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    except ValueError:
        raise UsageError(f"expected a date (2026-12-03) or an RFC 3339 time, not {text!r}") from None


@command_handler("discharge audit export")
def run_export(args: argparse.Namespace) -> int:
    settings = command_settings()
    key = None
    if args.patient:
        try:
            key = resolve_patient(args.patient, settings.discharge_patient_key_secret.get_secret_value())
        except InvalidIdentity:
            raise UsageError("--patient is neither a patient_key (pk_...) nor a valid identity") from None
    since = _day(args.since) if args.since else None
    until = _day(args.until) if args.until else None
    for entry in AuditLog(settings.audit_log_path).entries():
        if key is not None and entry.patient_key != key:
            continue
        if (since and entry.at < since) or (until and entry.at >= until):
            continue
        print(json.dumps(inera_fields(entry), ensure_ascii=False))
    return EXIT_OK


def register(commands: argparse._SubParsersAction[Any]) -> None:
    audit = commands.add_parser(
        "audit",
        help="check the access log's hash chain, or export it in Inera's access-log fields",
        description="The access log (DISCHARGE_AUDIT_LOG, default audit.jsonl in the data dir).",
    )
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify",
        help="exit 0 when the chain is whole, 1 naming the first broken line",
        description="Checks every line's seq and previous-line hash, and the head file after the last line.",
    )
    verify.set_defaults(handler=run_verify)
    export = actions.add_parser(
        "export",
        help="the entries as JSON lines in Inera's access-log fields",
        description="JSON lines, oldest first, in the fields of Inera's AccessLogType (docs/audit.md).",
    )
    export.add_argument("--patient", metavar="PATIENT", help="identity or patient_key: that patient only")
    export.add_argument("--since", metavar="DATE", help="from this date or time (inclusive)")
    export.add_argument("--until", metavar="DATE", help="up to this date or time (exclusive)")
    export.set_defaults(handler=run_export)
