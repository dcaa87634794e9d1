"""Coordinators' and ops staff's commands on one pathway: `show` and `decide`.

(`pathways` and `tasks`, the listings, are discharge/cli/listings.py.) One pathway's story comes from its
`state` query, and a decision is the workflow's `decide` update, whose validator refuses what does not fit
the pathway; the CLI checks what it can locally first and prints every refusal as one plain line.
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from discharge.audit import WRITE, AuditLog
from discharge.cli import render
from discharge.cli.person import CLI_ROLE, add_as, named_person, origin
from discharge.cli.plumbing import EXIT_OK, UsageError, add_json
from discharge.cli.session import Session, one_line, sync_handler
from discharge.settings import Settings
from events.fields import EXTENSION_DAYS_RANGE, MAX_EXTENSION_DAYS, MIN_EXTENSION_DAYS
from events.identity import InvalidIdentity, resolve_patient, workflow_id_for
from workflows.actor import Actor
from workflows.api import Decision, DecisionResult, PathwayView
from workflows.names import QUERY_STATE, UPDATE_DECIDE

#: How long to wait for a worker to answer a query or an update before telling the user.
ANSWER_TIMEOUT = timedelta(seconds=20)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def patient_key_of(text: str, settings: Settings) -> str:
    """An identity or a patient_key to the key, or ``UsageError`` when it is neither."""
    try:
        return resolve_patient(text, settings.discharge_patient_key_secret.get_secret_value())
    except InvalidIdentity as error:
        # The message never repeats the number: it may be a real personnummer.
        raise UsageError(f"PATIENT is neither a patient_key (pk_...) nor a valid identity: {error}") from None


def _no_answer(key: str) -> str:
    return f"no answer from the pathway of {key} within {ANSWER_TIMEOUT.seconds} s: is a worker running?"


def _timed_out(error: RPCError) -> bool:
    # The deadline of `rpc_timeout` comes back as DEADLINE_EXCEEDED or CANCELLED ("Timeout expired").
    return error.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED)


def _not_found(error: RPCError) -> bool:
    return error.status == RPCStatusCode.NOT_FOUND


# ---- show -----------------------------------------------------------------------------------------


async def show_action(session: Session, args: argparse.Namespace) -> int:
    key = patient_key_of(args.patient, session.settings)
    person = named_person(session.settings, args, "view_pathway", key)
    # The look is in the access log before anything of the pathway is read or shown.
    AuditLog(session.settings.audit_log_path).record(
        actor=person, role=CLI_ROLE, action="view_pathway", patient_key=key, origin=origin(), detail="show"
    )
    handle = session.client.get_workflow_handle(workflow_id_for(key))
    try:
        view = await handle.query(QUERY_STATE, result_type=PathwayView, rpc_timeout=ANSWER_TIMEOUT)
    except RPCError as error:
        if _not_found(error):
            return session.fail(f"no pathway for patient {key}")
        if _timed_out(error):
            return session.fail(_no_answer(key))
        return session.fail(f"could not read the pathway of {key}: {one_line(error)}")
    if args.json:
        session.say(view.model_dump_json(indent=2))
    else:
        session.say(render.pathway_story(view, session.now))
    return EXIT_OK


# ---- decide ---------------------------------------------------------------------------------------


_OPTION = {"extend_days": "--days", "decided_by": "--by", "reason": "--reason"}


def decision_of(args: argparse.Namespace) -> Decision:
    """The decision from the command line, checked as far as it can be without the pathway."""
    if args.decision == "extend" and args.days is None:
        raise UsageError(f"an extension needs --days N ({EXTENSION_DAYS_RANGE})")
    if args.decision == "handover" and args.days is not None:
        raise UsageError("--days only goes with extend; a handover has no days")
    if not args.reason.strip():
        raise UsageError("--reason must say why (it is kept in the pathway's history)")
    try:
        return Decision(
            decision=args.decision, extend_days=args.days, reason=args.reason.strip(), decided_by=args.by
        )
    except ValidationError as error:
        problems = []
        for problem in error.errors(include_url=False, include_input=False):
            option = _OPTION.get(str(problem["loc"][0]), str(problem["loc"][0]))
            message = str(problem["msg"])
            if option == "--by":
                message = "expected an HSA-id such as SE2321000131-E000000000001"
            if option == "--days":
                message = f"an extension is {MIN_EXTENSION_DAYS} to {MAX_EXTENSION_DAYS} days"
            problems.append(f"{option}: {message}")
        raise UsageError("; ".join(problems)) from None


def _check_decide(settings: Settings, args: argparse.Namespace) -> None:
    key = patient_key_of(args.patient, settings)
    decision_of(args)  # a malformed command line is refused before anyone is named or logged
    named_person(settings, args, "decide", key)


def _check_show(settings: Settings, args: argparse.Namespace) -> None:
    named_person(settings, args, "view_pathway", patient_key_of(args.patient, settings))


def _refusal(error: WorkflowUpdateFailedError) -> str:
    cause = error.cause
    if isinstance(cause, ApplicationError):
        return cause.message
    return one_line(cause)


async def decide_action(session: Session, args: argparse.Namespace) -> int:
    key = patient_key_of(args.patient, session.settings)
    # `--by` is typed, not signed in: the decision also carries who recorded it (the `--as` person, a key
    # ring holder), and goes in the access log as an ops action, granted or refused.
    identity = named_person(session.settings, args, "decide", key)
    decision = decision_of(args).model_copy(
        update={"recorded_by": identity, "actor": Actor(process="cli", person=identity, role=CLI_ROLE)}
    )
    detail = f"--by {decision.decided_by}: " + (
        f"extend {decision.extend_days} days" if decision.decision == "extend" else "handover"
    )

    def record(granted: bool) -> None:
        AuditLog(session.settings.audit_log_path).record(
            actor=identity,
            role=CLI_ROLE,
            action="ops_decide",
            patient_key=key,
            activity=WRITE,
            result="granted" if granted else "refused",
            origin=origin(),
            detail=detail,
        )

    handle = session.client.get_workflow_handle(workflow_id_for(key))
    try:
        result = await handle.execute_update(
            UPDATE_DECIDE, decision, result_type=DecisionResult, rpc_timeout=ANSWER_TIMEOUT
        )
    except WorkflowUpdateFailedError as error:
        record(False)
        return session.fail(f"decision refused, nothing changed: {_refusal(error)}")
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        return session.fail(_no_answer(key))
    except RPCError as error:
        if _not_found(error):
            record(False)
            return session.fail(f"no running pathway for patient {key}: nothing to decide on")
        return session.fail(f"decision not delivered, nothing changed: {one_line(error)}")
    record(True)
    if args.json:
        session.say(
            _json(json.loads(result.model_dump_json()) | {"recorded_by": identity, "ops_action": True})
        )
    else:
        session.say(render.decision_result(result))
        session.say(
            f"Recorded as an ops action by {identity} (--as, a key ring holder) for {decision.decided_by}; "
            "in the access log too. Coordinators decide on the web page, signed in."
        )
    return EXIT_OK


# ---- argparse -------------------------------------------------------------------------------------


def register(commands: argparse._SubParsersAction[Any]) -> None:
    raw = argparse.RawDescriptionHelpFormatter

    show = commands.add_parser(
        "show",
        help="one pathway's state and its history of events and decisions",
        description=(
            "One pathway's state and history (who, when, why), in Europe/Stockholm time. Runs only --as "
            "a holder of the key ring, and writes a line in the access log first."
        ),
    )
    show.add_argument(
        "patient",
        metavar="PATIENT",
        help="personnummer, samordningsnummer, reservnummer or patient_key (pk_...)",
    )
    add_as(show)
    add_json(show)
    show.set_defaults(handler=sync_handler(show_action, _check_show), action=show_action)

    decide = commands.add_parser(
        "decide",
        help="decide an open extension review: extend by N days, or hand over to the VC",
        description=(
            "Decide an open extension review. Refused (non-zero exit, nothing changed) when the pathway "
            f"has no open review, the days are outside {EXTENSION_DAYS_RANGE}, or the reason or --by is "
            "missing."
        ),
        epilog=(
            "examples:\n"
            "  discharge decide 19091231-9803 extend --days 7 --reason 'oxygen weaning' "
            "--by SE2321000131-E000000000011\n"
            "  discharge decide pk_... handover --reason 'stable, VC takes over' "
            "--by SE2321000131-E000000000011"
        ),
        formatter_class=raw,
    )
    decide.add_argument("patient", metavar="PATIENT", help="identity or patient_key (pk_...)")
    decide.add_argument("decision", choices=["extend", "handover"])
    decide.add_argument(
        "--days", type=int, metavar="N", help=f"extension in days, {EXTENSION_DAYS_RANGE} (with extend)"
    )
    decide.add_argument("--reason", required=True, help="why: kept in the pathway's history")
    decide.add_argument("--by", required=True, metavar="HSA-ID", help="the deciding coordinator's HSA-id")
    add_as(decide)
    add_json(decide)
    decide.set_defaults(handler=sync_handler(decide_action, _check_decide), action=decide_action)
