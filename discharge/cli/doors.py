"""`discharge http`, `discharge hl7` and `discharge fhir`: the doors for systems that do not speak NATS (also
started by `discharge dev`)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from discharge.cli.plumbing import command_handler, command_settings
from discharge.cli.stack import Runner, serve
from discharge.logging import configure_logging
from discharge.settings import Settings, SettingsError


def _run(command: str, runner: Runner) -> int:
    def prepare(settings: Settings) -> None:
        configure_logging(command, settings.discharge_log_format, settings.discharge_log_level)
        check_door_settings(command, settings)

    settings = command_settings(check=prepare)
    return asyncio.run(serve(command, runner, settings))


def check_door_settings(command: str, settings: Settings) -> None:
    """The doors' own settings valid, and the HTTP and FHIR doors' issuer set (or development): before
    serving."""
    from pydantic import ValidationError

    from workers.doors.settings import DoorSettings
    from workers.fhir.settings import FhirSettings

    try:
        doors = DoorSettings()
        if command == "fhir":
            FhirSettings()
    except ValidationError as error:
        problems = [f"{str(p['loc'][0]).upper()}: {p['msg']}" for p in error.errors(include_input=False)]
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(problems)) from None
    if command in ("http", "fhir"):
        from workers.http.service import http_verifier

        http_verifier(settings, doors)


@command_handler("discharge http")
def run_http_command(args: argparse.Namespace) -> int:
    from workers.http.service import run_http

    return _run("http", run_http)


@command_handler("discharge hl7")
def run_hl7_command(args: argparse.Namespace) -> int:
    from workers.hl7.service import run_hl7

    return _run("hl7", run_hl7)


@command_handler("discharge fhir")
def run_fhir_command(args: argparse.Namespace) -> int:
    from workers.fhir.service import run_fhir

    return _run("fhir", run_fhir)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    http = commands.add_parser(
        "http",
        help="CloudEvents over HTTP for systems that do not speak NATS (also started by `discharge dev`)",
        description=(
            "POST /events on DISCHARGE_HTTP_ADDRESS (default localhost:8090) in the CloudEvents HTTP "
            "binding (structured, binary, batch): validated as the gateway validates, answered 202 once "
            "stored in DISCHARGE_EVENTS. Bearer tokens of DISCHARGE_HTTP_ISSUER for DISCHARGE_HTTP_AUDIENCE "
            "(claim system: hospital, primarycare, municipality or coordination). /healthz, /readyz and "
            "/metrics on the same address. docs/doors.md."
        ),
    )
    http.set_defaults(handler=run_http_command)
    hl7 = commands.add_parser(
        "hl7",
        help="HL7 v2 ADT over MLLP for hospital systems (also started by `discharge dev`)",
        description=(
            "MLLP on DISCHARGE_HL7_ADDRESS (default localhost:2575): ADT A01/A03/A11/A13 as the contract's "
            "hospital events, answered AA once stored, AE with the reason, AR for other messages. "
            "/healthz, /readyz and /metrics on DISCHARGE_HL7_HTTP_ADDRESS (default localhost:9104). "
            "docs/doors.md."
        ),
    )
    hl7.set_defaults(handler=run_hl7_command)
    fhir = commands.add_parser(
        "fhir",
        help="read-only FHIR R4: who holds the patient now (also started by `discharge dev`)",
        description=(
            "GET /fhir/R4/metadata, /fhir/R4/EpisodeOfCare and /fhir/R4/Task on DISCHARGE_FHIR_ADDRESS "
            "(default localhost:8092), read from the read model (DISCHARGE_READMODEL_URL). Bearer tokens as "
            "for `discharge http` (scopes system/EpisodeOfCare.rs, system/Task.rs); every search in the "
            "access log. /healthz, /readyz and /metrics on the same address. docs/fhir.md."
        ),
    )
    fhir.set_defaults(handler=run_fhir_command)
